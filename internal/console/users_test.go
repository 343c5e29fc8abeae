package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
)

func newUserForm(csrf string, fields ...string) url.Values {
	v := url.Values{"csrf": {csrf}, "kind": {"employee"}, "targetIal": {"3"}}
	for i := 0; i+1 < len(fields); i += 2 {
		v.Set(fields[i], fields[i+1])
	}
	return v
}

func TestUserAdminCreatesCPRUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn(e.admin)
	form := b.get("/console/users/new")
	p := b.post("/console/users/new", newUserForm(form.csrf(t), "firstName", "Anna", "lastName", "Hansen",
		"email", e.address("anna"), "identity", "cpr", "cpr", "010190-1234"))
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/console/users/") {
		t.Fatalf("create: %d %q\n%s", p.status, p.location, p.body)
	}
	page := b.get(p.location)
	if !strings.Contains(page.body, "Anna Hansen") || strings.Contains(page.body, "010190-1234") || strings.Contains(page.body, "0101901234") {
		t.Errorf("user page: %s", page.body)
	}
	// History names the person, not a token.
	if !strings.Contains(page.body, "Admin &lt;"+e.admin.Email+"&gt;") {
		t.Errorf("history does not name the person: %s", page.body)
	}
}

var codePattern = regexp.MustCompile(`id="activation-code">([^<]+)<`)

func TestUserAdminCreatesBirthDateUserAndSeesCodeOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn(e.admin)
	form := b.get("/console/users/new")
	p := b.post("/console/users/new", newUserForm(form.csrf(t), "firstName", "Bo", "lastName", "Berg",
		"email", e.address("bo"), "identity", "dob", "dateOfBirth", "1985-03-04"))
	if p.status != http.StatusCreated {
		t.Fatalf("create: %d %s", p.status, p.body)
	}
	m := codePattern.FindStringSubmatch(p.body)
	if m == nil || strings.TrimSpace(m[1]) == "" {
		t.Fatalf("no code shown")
	}
	id := regexp.MustCompile(`/console/users/([0-9a-f-]{36})/edit`).FindStringSubmatch(p.body)
	if id == nil {
		t.Fatal("no user id on the page")
	}
	if again := b.get("/console/users/" + id[1]); strings.Contains(again.body, m[1]) {
		t.Errorf("the code is shown twice")
	}
}

func TestInvalidFormShowsErrorsAtFieldsAndKeepsInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn(e.admin)
	form := b.get("/console/users/new")
	p := b.post("/console/users/new", newUserForm(form.csrf(t), "firstName", "Carl", "lastName", "",
		"email", "not-an-address", "identity", "cpr", "cpr", "12"))
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid form: %d", p.status)
	}
	for _, want := range []string{`id="lastName-error"`, `id="email-error"`, `id="cpr-error"`, `href="#email"`, `value="Carl"`,
		`value="not-an-address"`, `<title>Error: `} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(p.body, `name="cpr" type="text" value="12"`) {
		t.Errorf("the CPR field is shown again")
	}
}

func TestDeactivateWithWindowReactivateAndDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.ordinary("bo")
	b := e.signedIn(e.admin)
	page := b.get("/console/users/" + u.ID)
	today := e.clock.Now().In(tilgang.Copenhagen()).Format("2006-01-02")
	until := e.clock.Now().In(tilgang.Copenhagen()).AddDate(0, 0, 7).Format("2006-01-02")
	p := b.post("/console/users/"+u.ID+"/deactivate", url.Values{"csrf": {page.csrf(t)}, "from": {today}, "to": {until}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d %s", p.status, p.body)
	}
	got, _ := e.users.Get(t.Context(), e.org, u.ID)
	if got.Status != tilgang.StatusDeactivated || got.Deactivation == nil || got.Deactivation.To != until {
		t.Fatalf("after deactivating: %s %+v", got.Status, got.Deactivation)
	}
	if p := b.post("/console/users/"+u.ID+"/reactivate", url.Values{"csrf": {page.csrf(t)}}); p.status != http.StatusSeeOther {
		t.Fatalf("reactivate: %d", p.status)
	}
	if got, _ := e.users.Get(t.Context(), e.org, u.ID); got.Status == tilgang.StatusDeactivated {
		t.Fatalf("still deactivated")
	}
	confirm := b.get("/console/users/" + u.ID + "/delete")
	if !strings.Contains(confirm.body, `id="confirm-delete"`) {
		t.Fatal("no confirmation")
	}
	if p := b.post("/console/users/"+u.ID+"/delete", url.Values{"csrf": {confirm.csrf(t)}, "confirm": {"yes"}}); p.status != http.StatusSeeOther {
		t.Fatalf("delete: %d %s", p.status, p.body)
	}
	if _, err := e.users.Get(t.Context(), e.org, u.ID); err == nil {
		t.Errorf("the user is still there")
	}
}

func TestUsersListSearchAndFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.ordinary("bo")
	e.ordinary("carla")
	b := e.signedIn(e.admin)
	p := b.get("/console/users?q=carla")
	if !strings.Contains(p.body, "carla Berg") || strings.Contains(p.body, "bo Berg") {
		t.Errorf("search: %s", p.body)
	}
	p = b.get("/console/users?role=company-admin")
	if strings.Contains(p.body, "carla Berg") || !strings.Contains(p.body, "Admin") {
		t.Errorf("role filter: %s", p.body)
	}
	p = b.get("/console/users?status=deactivated")
	if strings.Contains(p.body, "carla Berg") {
		t.Errorf("status filter")
	}
}

func TestSettingsRequirePasskeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn(e.admin)
	page := b.get("/console/settings")
	p := b.post("/console/settings", url.Values{"csrf": {page.csrf(t)}, "name": {e.org.Name}, "language": {"da"},
		"pNumbers": {"1012345678"}, "seNumbers": {"12345678"}, "requirePasskeys": {"on"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", p.status, p.body)
	}
	org, err := e.tenants.Organisation(t.Context(), e.org.ID)
	if err != nil || !org.RequirePasskeys {
		t.Fatalf("requirePasskeys not stored: %v", err)
	}
	// A mailed link now only opens the passkey page.
	c := e.signedIn(e.admin)
	if p := c.get("/console/users"); p.status != http.StatusSeeOther || p.location != "/console/passkeys" {
		t.Errorf("a link session with passkeys required: %d to %q", p.status, p.location)
	}
	if p := c.get("/console/passkeys"); p.status != http.StatusOK {
		t.Errorf("passkey page: %d", p.status)
	}
}

// TestPagesInDanish opens every page in Danish and finds no text missing.
func TestPagesInDanish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.ordinary("bo")
	b := e.signedIn(e.admin)
	missing := regexp.MustCompile(`\[[a-z]+(\.[a-z0-9_-]+)+\]`)
	for _, path := range consolePages {
		p := b.get(strings.ReplaceAll(path, "{id}", u.ID) + "?lang=da")
		if p.status != http.StatusOK {
			t.Errorf("%s: %d", path, p.status)
			continue
		}
		if !strings.Contains(p.body, `<html lang="da">`) {
			t.Errorf("%s is not in Danish", path)
		}
		if m := missing.FindString(p.body); m != "" {
			t.Errorf("%s shows %s", path, m)
		}
	}
}

func TestGrantingAnAdminRoleNeedsAFreshSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.ordinary("bo")
	b := e.signedIn(e.admin)
	e.clock.Advance(tilgang.ReauthWindow + time.Minute)
	form := b.get("/console/users/" + u.ID + "/edit")
	if !strings.Contains(form.body, `value="user-admin"`) || strings.Contains(form.body, `value="user-admin" disabled`) {
		t.Fatalf("a company-admin cannot pick user-admin")
	}
	edit := url.Values{"csrf": {form.csrf(t)}, "firstName": {"Bo"}, "lastName": {"Berg"}, "email": {u.Email}, "userName": {u.UserName},
		"kind": {"employee"}, "targetIal": {"3"}, "pNumber": {u.PNumber}, "seNumber": {u.SENumber}, "roles": {tilgang.RoleUserAdmin}}
	if p := b.post("/console/users/"+u.ID+"/edit", edit); p.status != http.StatusForbidden || !strings.Contains(p.body, `data-page="reauth"`) {
		t.Fatalf("granting an admin role without a fresh sign-in: %d", p.status)
	}
	if got, _ := e.users.Get(t.Context(), e.org, u.ID); got.IsAdmin() {
		t.Fatal("the role was granted")
	}
	// A change that grants no admin role needs none.
	edit.Del("roles")
	edit.Set("lastName", "Bergmann")
	if p := b.post("/console/users/"+u.ID+"/edit", edit); p.status != http.StatusSeeOther {
		t.Fatalf("an edit without roles: %d %s", p.status, p.body)
	}
	b.signIn(e.admin)
	form = b.get("/console/users/" + u.ID + "/edit")
	edit.Set("csrf", form.csrf(t))
	edit.Set("roles", tilgang.RoleUserAdmin)
	if p := b.post("/console/users/"+u.ID+"/edit", edit); p.status != http.StatusSeeOther {
		t.Fatalf("granting after signing in again: %d %s", p.status, p.body)
	}
	if got, _ := e.users.Get(t.Context(), e.org, u.ID); !got.IsAdmin() || got.LastName != "Bergmann" {
		t.Fatalf("after the grant: %+v", got.Roles)
	}
}
