package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

func TestSigninWithMailedLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.requestLink(e.admin.Email)
	link := e.lastLink(e.admin.Email)
	// Opening the link (as a mail scanner does) spends nothing.
	for range 2 {
		if p := b.get(link); p.status != http.StatusOK || !strings.Contains(p.body, `id="signin-button"`) {
			t.Fatalf("link page %d", p.status)
		}
	}
	p := b.spend(link)
	if p.status != http.StatusSeeOther || p.location != "/console/" {
		t.Fatalf("spend: %d to %q", p.status, p.location)
	}
	if p := b.get("/console/"); p.status != http.StatusOK || !strings.Contains(p.body, `data-page="users"`) {
		t.Fatalf("users list after sign-in: %d", p.status)
	}
}

func TestSigninLinkIsSingleUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.requestLink(e.admin.Email)
	link := e.lastLink(e.admin.Email)
	if p := b.spend(link); p.status != http.StatusSeeOther {
		t.Fatalf("first spend %d", p.status)
	}
	other := e.browser()
	if p := other.spend(link); p.status != http.StatusNotFound || other.sessionCookie() != "" {
		t.Fatalf("second spend %d, cookie %q", p.status, other.sessionCookie())
	}
}

func TestSigninLinkExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.requestLink(e.admin.Email)
	link := e.lastLink(e.admin.Email)
	e.clock.Advance(tilgang.SignInLinkTTL + time.Second)
	if p := b.spend(link); p.status != http.StatusGone || b.sessionCookie() != "" {
		t.Fatalf("expired link: %d", p.status)
	}
}

func TestSigninDoesNotEnumerate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	plain := e.ordinary("bo")
	answers := map[string]string{}
	for name, address := range map[string]string{
		"administrator": e.admin.Email,
		"ordinary user": plain.Email,
		"unknown":       e.address("nobody"),
	} {
		p := e.browser().requestLink(address)
		if p.status != http.StatusOK {
			t.Fatalf("%s: %d", name, p.status)
		}
		answers[name] = p.body
	}
	if answers["administrator"] != answers["unknown"] || answers["ordinary user"] != answers["unknown"] {
		t.Errorf("the answers differ by address")
	}
	if n := len(testenv.MailTo(t, plain.Email)); n != 1 { // its activation mail is not sent here: the outbox is not fed
		if n != 0 {
			t.Errorf("an ordinary user got %d mails", n)
		}
	}
	if n := len(testenv.MailTo(t, e.address("nobody"))); n != 0 {
		t.Errorf("an unknown address got %d mails", n)
	}
}

func TestSigninRefusesDeactivatedAdministrator(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.requestLink(e.admin.Email)
	link := e.lastLink(e.admin.Email)
	if _, err := e.users.DeactivateUser(t.Context(), tilgang.Actor{Name: "test", Roles: tilgang.AdminRoles}, e.org, e.admin.ID, tilgang.Deactivation{From: e.clock.Now().Format("2006-01-02")}); err != nil {
		t.Fatal(err)
	}
	if p := b.spend(link); p.status != http.StatusNotFound || b.sessionCookie() != "" {
		t.Fatalf("deactivated: %d", p.status)
	}
}

func TestSigninFormWithoutCSRFIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.get("/console/signin")
	if p := b.post("/console/signin", url.Values{"email": {e.admin.Email}}); p.status != http.StatusForbidden {
		t.Fatalf("%d", p.status)
	}
	if n := len(testenv.MailTo(t, e.admin.Email)); n != 0 {
		t.Errorf("%d mails", n)
	}
}
