package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tilgang/tilgang/internal/admin"
	"github.com/tilgang/tilgang/internal/browsertest"
	"github.com/tilgang/tilgang/internal/groups"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestInvitationBrowser drives the invitation page in real Chromium with
// the keyboard only. Each subtest has a tab with cookies of its own in one
// shared browser.
func TestInvitationBrowser(t *testing.T) {
	browser := browsertest.Chrome(t)

	t.Run("accept with the keyboard", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		_, token := e.invite(e.invites, "ida@example.dk", "en")
		tab := browsertest.Tab(t, browser)
		do(t, tab, chromedp.Navigate(e.inviteLink(token)))
		if lang, h1 := eval[string](t, tab, `document.documentElement.lang`), text(t, tab, "h1"); lang != "en" || h1 != "You have been invited" {
			t.Fatalf("lang %q, h1 %q; want the invitation's English", lang, h1)
		}
		// The address is shown as text; there is no field to change it.
		if got := text(t, tab, ".details"); !strings.Contains(got, "ida@example.dk") || !strings.Contains(got, "Jens Jensen") {
			t.Errorf("details %q", got)
		}
		if n := eval[int](t, tab, `document.querySelectorAll("input[type=email], input[name=email]").length`); n != 0 {
			t.Errorf("%d e-mail fields", n)
		}

		tabUntil(t, tab, `document.activeElement.id === "firstName"`)
		do(t, tab, chromedp.KeyEvent("Ida"), chromedp.KeyEvent(kb.Tab))
		wantFocus(t, tab, `document.activeElement.id === "lastName"`)
		do(t, tab, chromedp.KeyEvent("Holm"), chromedp.KeyEvent(kb.Tab))
		wantFocus(t, tab, `document.activeElement.id === "phone"`)
		do(t, tab, chromedp.KeyEvent("+45 12 34 56 78"), chromedp.KeyEvent(kb.Tab))
		wantFocus(t, tab, `document.activeElement.id === "accept"`)
		do(t, tab, chromedp.KeyEvent(" "))
		if !eval[bool](t, tab, `document.querySelector("#accept").checked`) {
			t.Fatalf("Space did not tick the accept box")
		}
		do(t, tab, chromedp.KeyEvent(kb.Tab))
		wantFocus(t, tab, `document.activeElement.type === "submit"`)
		do(t, tab, chromedp.KeyEvent(kb.Enter))

		do(t, tab, chromedp.WaitVisible(chromedp.CSS(`main[data-page="accepted"]`)))
		if loc := eval[string](t, tab, `location.pathname + location.search`); loc != "/invitations/done?lang=en" {
			t.Errorf("result at %q", loc)
		}
		if h1 := text(t, tab, "h1"); h1 != "Thank you — an administrator must approve you" {
			t.Errorf("result h1 %q", h1)
		}

		// The admin API shows the invitee as a user awaiting approval.
		srv := httptest.NewServer(admin.New(e.users, tenants.New(e.store), e.invites, imports.New(e.store), groups.New(e.store, e.users), slog.New(slog.NewTextHandler(io.Discard, nil))))
		t.Cleanup(srv.Close)
		resp, body := testenv.Request(t, http.MethodGet, srv.URL+admin.Prefix+"/users?status=awaiting_approval", e.adminToken, "", nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("list users: %d %s", resp.StatusCode, body)
		}
		var list struct {
			Items []struct {
				UserName, Email, FirstName, LastName, Phone, Status string
			}
		}
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatal(err)
		}
		if len(list.Items) != 1 {
			t.Fatalf("%d users awaiting approval, want 1: %s", len(list.Items), body)
		}
		u := list.Items[0]
		if u.Email != "ida@example.dk" || u.UserName != "ida@example.dk" || u.FirstName != "Ida" || u.LastName != "Holm" ||
			u.Phone != "+4512345678" || u.Status != string(tilgang.StatusAwaitingApproval) {
			t.Errorf("the user: %+v", u)
		}
	})

	t.Run("problems, then the language switch", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		inv, token := e.invite(e.invites, "eva@example.dk", "da")
		tab := browsertest.Tab(t, browser)
		do(t, tab, chromedp.Navigate(e.inviteLink(token)))
		if h1 := text(t, tab, "h1"); h1 != "Du er inviteret" {
			t.Fatalf("h1 %q; want the invitation's Danish", h1)
		}
		tabUntil(t, tab, `document.activeElement.getAttribute("hreflang") === "en"`)
		do(t, tab, chromedp.KeyEvent(kb.Enter))
		do(t, tab, chromedp.WaitReady(chromedp.CSS(`html[lang="en"]`)))
		if h1, label := text(t, tab, "h1"), text(t, tab, `label[for="lastName"]`); h1 != "You have been invited" || label != "Surname" {
			t.Errorf("after the switch: h1 %q, label %q; want English", h1, label)
		}

		// Only a surname, then Enter in its field: the form comes back
		// with every problem, in English still.
		tabUntil(t, tab, `document.activeElement.id === "lastName"`)
		do(t, tab, chromedp.KeyEvent("Berg"), chromedp.KeyEvent(kb.Enter))
		do(t, tab, chromedp.WaitVisible(chromedp.CSS(".error-summary")))
		if !eval[bool](t, tab, `document.activeElement.classList.contains("error-summary")`) {
			t.Errorf("the error summary does not have focus")
		}
		if lang, title := eval[string](t, tab, `document.documentElement.lang`), text(t, tab, "#error-summary-title"); lang != "en" || title != "There is a problem" {
			t.Errorf("after the post: lang %q, summary %q; want English", lang, title)
		}
		if got := eval[string](t, tab, `[...document.querySelectorAll(".error-summary a")].map(a => a.getAttribute("href")).join(" ")`); got != "#firstName #accept" {
			t.Errorf("the summary links to %q", got)
		}
		if v := attr(t, tab, "#firstName", "aria-invalid"); v != "true" {
			t.Errorf("firstName aria-invalid %q", v)
		}
		if v := attr(t, tab, "#firstName", "aria-describedby"); v != "firstName-error" {
			t.Errorf("firstName aria-describedby %q", v)
		}
		if v := eval[string](t, tab, `document.querySelector("#lastName").value`); v != "Berg" {
			t.Errorf("the surname was not kept: %q", v)
		}

		// Fix it and accept.
		tabUntil(t, tab, `document.activeElement.id === "firstName"`)
		do(t, tab, chromedp.KeyEvent("Eva"))
		tabUntil(t, tab, `document.activeElement.id === "accept"`)
		do(t, tab, chromedp.KeyEvent(" "))
		tabUntil(t, tab, `document.activeElement.type === "submit"`)
		do(t, tab, chromedp.KeyEvent(kb.Enter))
		do(t, tab, chromedp.WaitVisible(chromedp.CSS(`main[data-page="accepted"]`)))
		if h1 := text(t, tab, "h1"); h1 != "Thank you — an administrator must approve you" {
			t.Errorf("result h1 %q", h1)
		}
		got := e.invitation(inv)
		if got.Status != tilgang.InvitationAccepted {
			t.Fatalf("invitation %s after accepting in the browser", got.Status)
		}
		u, err := e.store.User(context.Background(), e.org.ID, got.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if u.Status != tilgang.StatusAwaitingApproval || u.FirstName != "Eva" || u.LastName != "Berg" {
			t.Errorf("the user: %s %q %q", u.Status, u.FirstName, u.LastName)
		}
	})
}

// wantFocus fails t unless the JavaScript condition on the focused element
// holds: one press of Tab moved to the next field.
func wantFocus(t *testing.T, tab context.Context, cond string) {
	t.Helper()
	if !eval[bool](t, tab, cond) {
		t.Fatalf("focus on %s, want %s", eval[string](t, tab, `document.activeElement.outerHTML`), cond)
	}
}
