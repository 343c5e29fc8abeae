package passkeys_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/passkeys"
	"github.com/tilgang/tilgang/internal/passkeys/passkeytest"
	"github.com/tilgang/tilgang/internal/ratelimit"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

func TestRegisterThenSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn(e.admin)
	a := b.register()
	ps, err := e.store.Passkeys(t.Context(), e.org.ID, e.admin.ID)
	if err != nil || len(ps) != 1 {
		t.Fatalf("passkeys after registering: %d, %v", len(ps), err)
	}
	// Holding the passkey just proved counts as a passkey sign-in.
	if s := b.session(); s == nil || !s.Passkey || len(s.Challenge) != 0 {
		t.Errorf("the session after registering: %+v", s)
	}
	// The same passkey is not offered for registration again.
	if begin := b.post("/console/passkeys/register/begin", nil); !strings.Contains(string(begin.body), `"excludeCredentials"`) {
		t.Errorf("the registered passkey is not excluded: %s", begin.body)
	}

	// Signing in, from a browser without a session.
	c := e.signInPage()
	p := c.signIn(a, nil, "/console/users?q=a")
	if p.status != http.StatusOK || p.next(t) != "/console/users?q=a" {
		t.Fatalf("signin/finish: %d %s", p.status, p.body)
	}
	s := c.session()
	if s == nil || !s.Passkey || s.UserID != e.admin.ID || s.OrgID != e.org.ID || s.Hash == b.session().Hash {
		t.Fatalf("the session of the passkey sign-in: %+v", s)
	}
	if ps, _ := e.store.Passkeys(t.Context(), e.org.ID, e.admin.ID); len(ps) != 1 || !strings.Contains(string(ps[0].Credential), `"signCount":1`) {
		t.Errorf("the sign count is not kept: %s", ps[0].Credential)
	}
	// A next parameter never leads off the console.
	if p := e.signInPage().signIn(a, nil, "//evil.example/console/"); p.status != http.StatusOK || p.next(t) != "/console/" {
		t.Errorf("next to another site: %d %s", p.status, p.body)
	}
}

func TestCeremonyStateServesOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.signedIn(e.admin).register()
	b := e.signInPage()
	begin := b.post("/console/passkeys/signin/begin", nil)
	answer := a.Get(t, begin.body, nil)
	if p := b.post("/console/passkeys/signin/finish", answer); p.status != http.StatusOK {
		t.Fatalf("the first finish: %d %s", p.status, p.body)
	}
	// The ceremony cookie is spent: the same answer again starts nothing.
	c := e.signInPage()
	if p := c.post("/console/passkeys/signin/finish", answer); p.status != http.StatusBadRequest || c.session() != nil {
		t.Errorf("a finish without its ceremony: %d %s", p.status, p.body)
	}
	// Registration's state is the session's: finish without begin fails.
	d := e.signedIn(e.admin)
	if p := d.post("/console/passkeys/register/finish", passkeytest.New(t, "localhost", e.base).Create(t, begin.body)); p.status != http.StatusBadRequest {
		t.Errorf("register/finish without begin: %d %s", p.status, p.body)
	}
}

// TestRequirePasskeys: an organisation that requires passkeys lets a
// session started with a link register one, which then opens the rest.
func TestRequirePasskeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := tenants.SettingsOf(e.org)
	in.RequirePasskeys = true
	if _, err := e.tenants.UpdateSettings(t.Context(), e.org, in); err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(e.admin)
	if s := b.session(); s.Passkey {
		t.Fatal("a link session counts as a passkey one")
	}
	b.register()
	if s := b.session(); s == nil || !s.Passkey {
		t.Fatalf("after registering, the session still needs a passkey: %+v", s)
	}
}

func TestCSRFIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn(e.admin)
	for name, token := range map[string]string{"none": "", "wrong": "AAAA", "pre-session": e.signInPage().csrf} {
		c := *b
		c.csrf = token
		for _, path := range []string{"/console/passkeys/register/begin", "/console/passkeys/register/finish"} {
			if p := c.post(path, nil); p.status != http.StatusForbidden {
				t.Errorf("POST %s with %s CSRF: %d %s", path, name, p.status, p.body)
			}
		}
	}
	// A form's field does not do for the header.
	form := b.post("/console/passkeys/register/begin", nil, "Content-Type", "application/x-www-form-urlencoded", "X-CSRF-Token", "")
	if form.status != http.StatusForbidden {
		t.Errorf("register/begin with no header: %d", form.status)
	}

	pre := e.signInPage()
	other := e.signInPage()
	for name, token := range map[string]string{"none": "", "wrong": "AAAA", "another browser's": other.csrf, "the session's": b.csrf} {
		c := *pre
		c.csrf = token
		for _, path := range []string{"/console/passkeys/signin/begin", "/console/passkeys/signin/finish"} {
			if p := c.post(path, nil); p.status != http.StatusForbidden {
				t.Errorf("POST %s with %s pre-session CSRF: %d %s", path, name, p.status, p.body)
			}
		}
	}
	// Another site's page cannot run a ceremony with the browser's cookies.
	if p := pre.post("/console/passkeys/signin/begin", nil, "Sec-Fetch-Site", "cross-site"); p.status != http.StatusForbidden {
		t.Errorf("a cross-site begin: %d", p.status)
	}
	if p := b.post("/console/passkeys/register/begin", nil, "Origin", "https://evil.example"); p.status != http.StatusForbidden {
		t.Errorf("a cross-origin register: %d", p.status)
	}
	// Without a session, registering goes to the sign-in page.
	if p := e.browser().post("/console/passkeys/register/begin", nil); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/console/signin") {
		t.Errorf("register/begin without a session: %d to %q", p.status, p.location)
	}
}

// TestForeignPasskeysAreRefused: a passkey signs in only the user its
// record names, in that user's organisation, while the organisation is
// enabled.
func TestForeignPasskeysAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := e.newOrg("Anden ApS")
	olga := e.person(other, "olga", tilgang.RoleCompanyAdmin)
	theirs := e.signedIn(olga).register()
	mine := e.signedIn(e.admin).register()

	// Olga's passkey presented as the admin's user handle, and the
	// admin's as Olga's.
	for name, p := range map[string]answer{
		"another organisation's passkey": e.signInPage().signIn(theirs, []byte(e.admin.ID), "/console/"),
		"a passkey for another user":     e.signInPage().signIn(mine, []byte(olga.ID), "/console/"),
	} {
		if p.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", name, p.status, p.body)
		}
	}
	// A disabled organisation's passkeys sign no one in.
	if _, err := e.tenants.SetDisabled(t.Context(), other, true); err != nil {
		t.Fatal(err)
	}
	c := e.signInPage()
	if p := c.signIn(theirs, nil, "/console/"); p.status != http.StatusBadRequest || c.session() != nil {
		t.Errorf("a disabled organisation's passkey: %d %s", p.status, p.body)
	}
	if p := e.signInPage().signIn(mine, nil, "/console/"); p.status != http.StatusOK {
		t.Errorf("the admin's own passkey: %d %s", p.status, p.body)
	}
}

func TestDeactivatedPersonIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn(e.admin)
	a := b.register()
	if _, err := e.users.DeactivateUser(t.Context(), tilgang.Actor{Name: "test", Roles: tilgang.AdminRoles}, e.org, e.admin.ID,
		tilgang.Deactivation{From: e.clock.Now().In(tilgang.Copenhagen()).Format("2006-01-02")}); err != nil {
		t.Fatal(err)
	}
	c := e.signInPage()
	if p := c.signIn(a, nil, "/console/"); p.status != http.StatusBadRequest || c.session() != nil {
		t.Errorf("a deactivated person's passkey: %d %s", p.status, p.body)
	}
	// The session the person had ends at its next request.
	if p := b.post("/console/passkeys/register/begin", nil); p.status != http.StatusSeeOther || b.session() != nil {
		t.Errorf("a deactivated person's session: %d", p.status)
	}
}

func TestAnswersAreJSONInTheRequestsLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signInPage()
	for lang, want := range map[string]string{"en": "did not come from", "da": "kom ikke fra"} {
		c := *b
		c.csrf = ""
		p := c.post("/console/passkeys/signin/begin?"+url.Values{"lang": {lang}}.Encode(), nil)
		if p.status != http.StatusForbidden || !strings.Contains(string(p.body), want) {
			t.Errorf("%s: %d %s", lang, p.status, p.body)
		}
	}
}

func TestCeremoniesAreRateLimited(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := passkeys.New(passkeys.Deps{Users: testenv.Users(t, st), Tenants: tenants.New(st), Store: st}, log, passkeys.Options{
		Key: testenv.CPRKey, BaseURL: "http://localhost/console/",
		// A stopped clock: four requests on the machine's clock may
		// straddle a minute, and the fourth then opens a new window.
		Limiter: ratelimit.New(st, "console", ratelimit.PerMinute(100), ratelimit.PerMinute(3), log,
			ratelimit.WithClock(testenv.NewClock(time.Date(2026, 12, 3, 9, 0, 30, 0, time.UTC)).Now)),
	})
	var rec *httptest.ResponseRecorder
	for range 4 {
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/console/passkeys/signin/begin", nil))
	}
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("the 4th request in a minute from one source: %d %v", rec.Code, rec.Header())
	}
}
