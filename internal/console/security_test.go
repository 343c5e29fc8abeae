package console_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/console"
	"github.com/tilgang/tilgang/internal/ratelimit"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// consolePages are the signed-in pages; {id} is a user of the person's
// organisation.
var consolePages = []string{
	"/console/", "/console/users", "/console/users/new", "/console/users/{id}", "/console/users/{id}/edit",
	"/console/users/{id}/delete", "/console/tokens", "/console/settings", "/console/passkeys",
}

// consolePosts are the forms; each needs the session's CSRF field.
var consolePosts = []string{
	"/console/users/new", "/console/users/{id}/edit", "/console/users/{id}/activation", "/console/users/{id}/code",
	"/console/users/{id}/deactivate", "/console/users/{id}/reactivate", "/console/users/{id}/delete",
	"/console/tokens", "/console/settings", "/console/signout", "/console/reauth", "/console/passkeys/register/begin",
}

func TestEveryPageNeedsASession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.ordinary("bo")
	b := e.browser()
	for _, path := range consolePages {
		p := b.get(strings.ReplaceAll(path, "{id}", u.ID))
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/console/signin") {
			t.Errorf("GET %s without a session: %d to %q", path, p.status, p.location)
		}
	}
	for _, path := range consolePosts {
		p := b.post(strings.ReplaceAll(path, "{id}", u.ID), url.Values{})
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/console/signin") {
			t.Errorf("POST %s without a session: %d to %q", path, p.status, p.location)
		}
	}
	// The sign-in page brings the person back to the page asked for.
	if p := b.get("/console/users/" + u.ID); !strings.Contains(p.location, "next=%2Fconsole%2Fusers%2F"+u.ID) {
		t.Errorf("no way back: %q", p.location)
	}
}

func TestPostWithoutCSRFIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.ordinary("bo")
	b := e.signedIn(e.admin)
	for _, path := range consolePosts {
		for name, form := range map[string]url.Values{"none": {}, "wrong": {"csrf": {"AAAA"}}} {
			p := b.post(strings.ReplaceAll(path, "{id}", u.ID), form)
			if p.status != http.StatusForbidden {
				t.Errorf("POST %s with %s CSRF: %d", path, name, p.status)
			}
		}
	}
	if got, err := e.users.Get(t.Context(), e.org, u.ID); err != nil || got.Status == tilgang.StatusDeactivated {
		t.Errorf("a refused post changed the user: %v", err)
	}
	if p := b.get("/console/users"); p.status != http.StatusOK {
		t.Errorf("the session ended: %d", p.status)
	}
}

func TestAnotherOrganisationsIDsAreNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := e.newOrg("Anden ApS")
	stranger := e.ordinary("bo")
	theirs := e.person(other, "olga", tilgang.RoleCompanyAdmin, tilgang.RoleUserAdmin)
	b := e.signedIn(e.admin)
	list := b.get("/console/users")
	csrf := list.csrf(t)
	for _, path := range []string{"/console/users/{id}", "/console/users/{id}/edit", "/console/users/{id}/delete"} {
		if p := b.get(strings.ReplaceAll(path, "{id}", theirs.ID)); p.status != http.StatusNotFound {
			t.Errorf("GET %s of another organisation: %d", path, p.status)
		}
	}
	for _, path := range []string{"/console/users/{id}/edit", "/console/users/{id}/activation", "/console/users/{id}/code",
		"/console/users/{id}/deactivate", "/console/users/{id}/reactivate", "/console/users/{id}/delete"} {
		if p := b.post(strings.ReplaceAll(path, "{id}", theirs.ID), url.Values{"csrf": {csrf}, "confirm": {"yes"}}); p.status != http.StatusNotFound {
			t.Errorf("POST %s of another organisation: %d", path, p.status)
		}
	}
	if _, err := e.users.Get(t.Context(), other, theirs.ID); err != nil {
		t.Errorf("the other organisation's user is gone: %v", err)
	}
	if p := b.get("/console/users/" + stranger.ID); p.status != http.StatusOK {
		t.Errorf("own user: %d", p.status)
	}
	// The list shows only the organisation's own users.
	if p := b.get("/console/users"); strings.Contains(p.body, theirs.ID) {
		t.Errorf("the list shows another organisation's user")
	}
}

func TestUserAdminCannotSeeTokensOrGrantAdminRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ua := e.person(e.org, "ulla", tilgang.RoleUserAdmin)
	b := e.signedIn(ua)
	for _, path := range []string{"/console/tokens", "/console/settings"} {
		if p := b.get(path); p.status != http.StatusForbidden {
			t.Errorf("GET %s as user-admin: %d", path, p.status)
		}
	}
	list := b.get("/console/users")
	if strings.Contains(list.body, `href="/console/tokens"`) {
		t.Errorf("the navigation offers tokens to a user-admin")
	}
	if p := b.post("/console/tokens", url.Values{"csrf": {list.csrf(t)}, "name": {"x"}, "kind": {"scim"}}); p.status != http.StatusForbidden {
		t.Errorf("POST /console/tokens as user-admin: %d", p.status)
	}
	// The form offers no admin role, and one posted anyway is not granted.
	form := b.get("/console/users/new")
	if !strings.Contains(form.body, `value="company-admin" disabled`) {
		t.Errorf("the form lets a user-admin pick company-admin")
	}
	p := b.post("/console/users/new", url.Values{"csrf": {form.csrf(t)}, "firstName": {"Eva"}, "lastName": {"Lund"},
		"email": {e.address("eva")}, "identity": {"dob"}, "dateOfBirth": {"1990-02-03"}, "roles": {tilgang.RoleCompanyAdmin}, "kind": {"employee"}})
	if p.status != http.StatusCreated && p.status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", p.status, p.body)
	}
	page, err := e.users.List(t.Context(), e.org, tilgang.UserQuery{Text: "eva"})
	if err != nil || len(page.Users) != 1 {
		t.Fatalf("created: %v %v", page.Users, err)
	}
	if page.Users[0].IsAdmin() {
		t.Errorf("a user-admin granted an admin role: %v", page.Users[0].Roles)
	}
	// A user-admin may not deactivate an administrator.
	admin := b.get("/console/users/" + e.admin.ID)
	if strings.Contains(admin.body, `id="deactivate"`) {
		t.Errorf("a user-admin is offered to deactivate a company-admin")
	}
	if p := b.post("/console/users/"+e.admin.ID+"/deactivate", url.Values{"csrf": {list.csrf(t)}, "from": {"2026-01-01"}}); p.status != http.StatusForbidden {
		t.Errorf("deactivating a company-admin as user-admin: %d", p.status)
	}
}

func TestReauthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn(e.admin)
	e.clock.Advance(tilgang.ReauthWindow + time.Minute)
	page := b.get("/console/tokens")
	p := b.post("/console/tokens", url.Values{"csrf": {page.csrf(t)}, "name": {"Entra ID"}, "kind": {"scim"}})
	if p.status != http.StatusForbidden || !strings.Contains(p.body, `data-page="reauth"`) {
		t.Fatalf("a token without a fresh sign-in: %d", p.status)
	}
	ts, _ := e.tenants.Tokens(t.Context(), e.org)
	before := len(ts)
	// The page mails a new link; spending it signs in afresh.
	b.post("/console/reauth", url.Values{"csrf": {page.csrf(t)}})
	b.spend(e.lastLink(e.admin.Email))
	page = b.get("/console/tokens")
	p = b.post("/console/tokens", url.Values{"csrf": {page.csrf(t)}, "name": {"Entra ID"}, "kind": {"scim"}})
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="token-secret"`) {
		t.Fatalf("a token after re-authentication: %d", p.status)
	}
	if ts, _ := e.tenants.Tokens(t.Context(), e.org); len(ts) != before+1 {
		t.Errorf("tokens %d, want %d", len(ts), before+1)
	}
	// Deleting a user asks too.
	u := e.ordinary("bo")
	e.clock.Advance(tilgang.ReauthWindow + time.Minute)
	page = b.get("/console/users/" + u.ID + "/delete")
	if p := b.post("/console/users/"+u.ID+"/delete", url.Values{"csrf": {page.csrf(t)}, "confirm": {"yes"}}); p.status != http.StatusForbidden {
		t.Errorf("delete without a fresh sign-in: %d", p.status)
	}
	if _, err := e.users.Get(t.Context(), e.org, u.ID); err != nil {
		t.Errorf("the user was deleted: %v", err)
	}
}

func TestSigninRequestsAreRateLimited(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := console.New(console.Deps{Users: testenv.Users(t, st), Tenants: tenants.New(st), Store: st}, log, console.Options{
		Key: testenv.CPRKey, BaseURL: "http://localhost/console/",
		// A stopped clock: four requests on the machine's clock may
		// straddle a minute, and the fourth then opens a new window.
		Limiter: ratelimit.New(st, "console", ratelimit.PerMinute(100), ratelimit.PerMinute(3), log,
			ratelimit.WithClock(testenv.NewClock(time.Date(2026, 12, 3, 9, 0, 30, 0, time.UTC)).Now)),
	})
	var last int
	for range 4 {
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, httptest.NewRequest("GET", "/console/signin", nil))
		last = rec.Code
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("the 4th request in a minute from one source: %d", last)
	}
}
