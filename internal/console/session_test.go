package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
)

func TestSessionIdleExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn(e.admin)
	// Requests inside the idle limit keep the session going past it.
	for range 3 {
		e.clock.Advance(tilgang.SessionIdle - time.Minute)
		if p := b.get("/console/users"); p.status != http.StatusOK {
			t.Fatalf("within the idle limit: %d", p.status)
		}
	}
	e.clock.Advance(tilgang.SessionIdle + time.Second)
	if p := b.get("/console/users"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/console/signin") {
		t.Fatalf("after the idle limit: %d to %q", p.status, p.location)
	}
}

func TestSessionAbsoluteExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn(e.admin)
	for elapsed := time.Duration(0); elapsed < tilgang.SessionAbsolute-20*time.Minute; elapsed += 20 * time.Minute {
		e.clock.Advance(20 * time.Minute)
		if p := b.get("/console/users"); p.status != http.StatusOK {
			t.Fatalf("after %s: %d", elapsed, p.status)
		}
	}
	e.clock.Advance(25 * time.Minute)
	if p := b.get("/console/users"); p.status != http.StatusSeeOther {
		t.Fatalf("after the absolute limit: %d", p.status)
	}
}

func TestSessionFixationIsImpossible(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// An attacker's own session id, planted in the victim's browser,
	// does not become the victim's session.
	attacker := e.signedIn(e.person(e.org, "mallory", tilgang.RoleUserAdmin))
	planted := attacker.sessionCookie()
	victim := e.browser()
	u, _ := url.Parse(e.srv.URL + "/console/")
	victim.client.Jar.SetCookies(u, []*http.Cookie{{Name: "console_session", Value: planted, Path: "/"}})
	victim.signIn(e.admin)
	if got := victim.sessionCookie(); got == planted || got == "" {
		t.Fatalf("the session id after sign-in is %q, the planted one %q", got, planted)
	}
	// Signing in ended the planted session too.
	if p := attacker.get("/console/users"); p.status != http.StatusSeeOther {
		t.Errorf("the planted session still works: %d", p.status)
	}
	// Signing in again gives a new id.
	before := victim.sessionCookie()
	victim.signIn(e.admin)
	if victim.sessionCookie() == before {
		t.Errorf("a second sign-in kept the session id")
	}
}

func TestSessionSignOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn(e.admin)
	id := b.sessionCookie()
	list := b.get("/console/users")
	p := b.post("/console/signout", url.Values{"csrf": {list.csrf(t)}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/console/signin") {
		t.Fatalf("sign-out: %d to %q", p.status, p.location)
	}
	// The id is dead on the server, not only forgotten by the browser.
	again := e.browser()
	u, _ := url.Parse(e.srv.URL + "/console/")
	again.client.Jar.SetCookies(u, []*http.Cookie{{Name: "console_session", Value: id, Path: "/"}})
	if p := again.get("/console/users"); p.status != http.StatusSeeOther {
		t.Fatalf("the signed-out id still opens pages: %d", p.status)
	}
}

func TestSessionEndsOnDeactivation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn(e.admin)
	if _, err := e.users.DeactivateUser(t.Context(), tilgang.Actor{Name: "test", Roles: tilgang.AdminRoles}, e.org, e.admin.ID,
		tilgang.Deactivation{From: e.clock.Now().In(tilgang.Copenhagen()).Format("2006-01-02")}); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/console/users"); p.status != http.StatusSeeOther {
		t.Fatalf("a deactivated person's session: %d", p.status)
	}
}

func TestSessionEndsOnLossOfAdminRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ua := e.person(e.org, "ulla", tilgang.RoleUserAdmin)
	b := e.signedIn(ua)
	old, err := e.users.Get(t.Context(), e.org, ua.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.users.RevokeRoles(t.Context(), tilgang.Actor{Name: "test", Roles: tilgang.AdminRoles}, e.org, old.ID, []tilgang.Role{{Role: tilgang.RoleUserAdmin}}); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/console/users"); p.status != http.StatusSeeOther {
		t.Fatalf("a former admin's session: %d", p.status)
	}
}
