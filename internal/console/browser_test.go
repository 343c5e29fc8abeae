package console_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tilgang/tilgang/internal/browsertest"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestBrowser drives the console in real Chromium with the keyboard only:
// the first sign-in from the mailed link, a passkey registered and used
// with Chromium's virtual authenticator, sign-out, the users pages, tokens
// and settings. axe-core checks every page on the way, and the main pages
// are photographed into .local/screenshots/.
func TestBrowser(t *testing.T) {
	e := newEnv(t)
	tab := browsertest.Tab(t, browsertest.Chrome(t))
	browsertest.VirtualAuthenticator(t, tab)
	browsertest.Do(t, tab, chromedp.EmulateViewport(1280, 900))
	at := func(page string) {
		t.Helper()
		browsertest.NewPage(t, tab)
		browsertest.Do(t, tab, chromedp.WaitVisible(chromedp.CSS(`main[data-page="`+page+`"]`)))
		browsertest.Axe(t, tab)
	}
	press := func(id string) {
		t.Helper()
		browsertest.TabTo(t, tab, id)
		browsertest.Mark(t, tab)
		browsertest.Enter(t, tab)
	}
	fill := func(id, text string) {
		t.Helper()
		browsertest.TabTo(t, tab, id)
		browsertest.Eval[bool](t, tab, `(document.activeElement.select && document.activeElement.select(), true)`)
		browsertest.Type(t, tab, text)
	}
	nav := func(href, page string) {
		t.Helper()
		browsertest.TabUntil(t, tab, `document.activeElement.getAttribute("href") === "`+href+`"`)
		browsertest.Mark(t, tab)
		browsertest.Enter(t, tab)
		at(page)
	}

	// First sign-in: the address, then the link from the mail.
	browsertest.Do(t, tab, chromedp.Navigate(e.base+"/console/?lang=en"))
	at("signin")
	browsertest.Screenshot(t, tab, "console-signin")
	fill("email", e.admin.Email)
	browsertest.Mark(t, tab)
	browsertest.Enter(t, tab)
	at("signin.sent")
	browsertest.Do(t, tab, chromedp.Navigate(e.base+e.lastLink(e.admin.Email)))
	at("signin.link")
	press("signin-button")
	at("users")

	// A passkey, registered now and used after signing out.
	nav("/console/passkeys", "passkeys")
	press("passkey-register-button")
	browsertest.Do(t, tab, chromedp.WaitVisible(chromedp.CSS(`main[data-page="passkeys"] .notice`)))
	if ps, err := e.store.Passkeys(t.Context(), e.org.ID, e.admin.ID); err != nil || len(ps) != 1 {
		t.Fatalf("passkeys after registering: %d, %v", len(ps), err)
	}
	press("signout")
	at("signin")
	press("passkey-button")
	at("users")

	// A user known by CPR number.
	press("new-user")
	at("user.new")
	browsertest.Screenshot(t, tab, "console-user-new")
	fill("firstName", "Anna")
	fill("lastName", "Hansen")
	fill("email", e.address("anna"))
	fill("cpr", "010190-1234")
	press("save-user")
	at("user")
	if h1 := browsertest.Text(t, tab, "h1"); h1 != "Anna Hansen" {
		t.Errorf("user page h1 %q", h1)
	}
	if by := browsertest.Text(t, tab, "tbody tr td:nth-child(2)"); !strings.Contains(by, e.admin.Email) {
		t.Errorf("history names %q, not the person", by)
	}
	nav("/console/", "users")

	// A user known by date of birth: the code is shown once.
	press("new-user")
	at("user.new")
	fill("firstName", "Bo")
	fill("lastName", "Berg")
	fill("email", e.address("bo"))
	browsertest.TabTo(t, tab, "identity")
	browsertest.Do(t, tab, chromedp.KeyEvent(kb.ArrowDown))
	if !browsertest.Eval[bool](t, tab, `document.getElementById("identity-dob").checked`) {
		t.Fatal("the arrow key did not pick the date of birth")
	}
	fill("dateOfBirth", "1985-03-04")
	press("save-user")
	at("user")
	code := browsertest.Text(t, tab, "#activation-code")
	if code == "" {
		t.Fatal("no code")
	}
	browsertest.Screenshot(t, tab, "console-user")
	path := browsertest.Eval[string](t, tab, `document.getElementById("edit-user").getAttribute("href").replace("/edit", "")`)
	browsertest.Do(t, tab, chromedp.Navigate(e.base+path))
	at("user")
	if strings.Contains(browsertest.Text(t, tab, "main"), code) {
		t.Errorf("the code is shown again")
	}

	// Deactivate with a window.
	until := e.clock.Now().In(tilgang.Copenhagen()).AddDate(0, 1, 0).Format("2006-01-02")
	fill("to", until)
	press("deactivate")
	at("user")
	if s := browsertest.Text(t, tab, "#user-status"); !strings.Contains(s, "Deactivated") || !strings.Contains(s, until) {
		t.Errorf("status after deactivating: %q", s)
	}

	// Delete with confirmation.
	press("delete-user")
	at("delete")
	press("confirm-delete")
	at("users")
	if strings.Contains(browsertest.Text(t, tab, "main"), "Bo Berg") {
		t.Errorf("the deleted user is listed")
	}
	browsertest.Screenshot(t, tab, "console-users")

	// An invalid form shows the errors at the fields and keeps the input.
	press("new-user")
	at("user.new")
	fill("firstName", "Carl")
	press("save-user")
	at("user.new")
	if !browsertest.Eval[bool](t, tab, `document.activeElement.classList.contains("error-summary")`) {
		t.Errorf("the error summary does not have focus")
	}
	if v := browsertest.Eval[string](t, tab, `document.getElementById("lastName").getAttribute("aria-invalid")`); v != "true" {
		t.Errorf("lastName aria-invalid %q", v)
	}
	if v := browsertest.Eval[string](t, tab, `document.getElementById("firstName").value`); v != "Carl" {
		t.Errorf("the input is lost: %q", v)
	}
	browsertest.Screenshot(t, tab, "console-user-invalid")

	// A SCIM token, shown once.
	nav("/console/tokens", "tokens")
	fill("token-name", "Entra ID")
	press("create-token")
	at("tokens")
	secret := browsertest.Text(t, tab, "#token-secret")
	if secret == "" || !strings.Contains(browsertest.Text(t, tab, "#scim-url"), "/scim/v2") {
		t.Fatalf("token %q", secret)
	}
	browsertest.Screenshot(t, tab, "console-tokens")
	browsertest.Do(t, tab, chromedp.Navigate(e.base+"/console/tokens"))
	at("tokens")
	if strings.Contains(browsertest.Text(t, tab, "main"), secret) {
		t.Errorf("the token is shown again")
	}

	nav("/console/settings", "settings")
	browsertest.Screenshot(t, tab, "console-settings")

	// Ten minutes on, a token needs a fresh sign-in: the passkey gives it.
	e.clock.Advance(tilgang.ReauthWindow + time.Minute)
	nav("/console/tokens", "tokens")
	fill("token-name", "Okta")
	press("create-token")
	at("reauth")
	press("passkey-button")
	at("tokens")
	fill("token-name", "Okta")
	press("create-token")
	at("tokens")
	if browsertest.Text(t, tab, "#token-secret") == "" {
		t.Fatal("no token after re-authenticating")
	}

	// Half an hour idle ends the session.
	e.clock.Advance(tilgang.SessionIdle + time.Minute)
	browsertest.Mark(t, tab)
	browsertest.Do(t, tab, chromedp.Navigate(e.base+"/console/users"))
	at("signin")
	press("passkey-button")
	at("users")

	// At phone width nothing runs off the side, and Danish is a key away.
	browsertest.Do(t, tab, chromedp.EmulateViewport(390, 844))
	nav("/console/", "users")
	if w := browsertest.Eval[bool](t, tab, `document.documentElement.scrollWidth <= window.innerWidth`); !w {
		t.Errorf("the users list scrolls sideways at phone width")
	}
	browsertest.TabUntil(t, tab, `document.activeElement.getAttribute("hreflang") === "da"`)
	browsertest.Mark(t, tab)
	browsertest.Enter(t, tab)
	browsertest.Do(t, tab, chromedp.WaitReady(chromedp.CSS(`html[lang="da"]`)))
	at("users")
	browsertest.Screenshot(t, tab, "console-users-phone")
}
