package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tilgang/tilgang/internal/browsertest"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestBrowser drives the pages in real Chromium with the keyboard only, as
// a person without a mouse does. Each subtest has a tab with cookies of its
// own in one shared browser.
func TestBrowser(t *testing.T) {
	browser := browsertest.Chrome(t)

	t.Run("activate with CPR", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		u, token := e.cprUser("anna@example.dk")
		tab := browsertest.Tab(t, browser)
		do(t, tab, chromedp.Navigate(e.link(token)))
		// The style sheet loads under the CSP: the header has its border.
		if got := eval[string](t, tab, `getComputedStyle(document.querySelector("header")).borderBottomWidth`); got != "4px" {
			t.Errorf("header border %q: the style sheet did not apply", got)
		}
		tabUntil(t, tab, `document.activeElement.id === "cpr"`)
		do(t, tab, chromedp.KeyEvent("010190-1234"), chromedp.KeyEvent(kb.Enter))
		do(t, tab, chromedp.WaitVisible(chromedp.CSS(`main[data-page="activated"]`)))
		if loc := eval[string](t, tab, `location.pathname`); loc != "/activate/done" {
			t.Errorf("result at %q", loc)
		}
		if h1 := text(t, tab, "h1"); h1 != "Your user is activated" && h1 != "Din bruger er aktiveret" {
			t.Errorf("result h1 %q", h1)
		}
		if got := e.user(u); got.Status != tilgang.StatusActive {
			t.Fatalf("status %s after activating in the browser", got.Status)
		}
	})

	t.Run("wrong CPR shows the error summary", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		u, token := e.cprUser("anna@example.dk")
		tab := browsertest.Tab(t, browser)
		do(t, tab, chromedp.Navigate(e.link(token)+"?lang=en"))
		tabUntil(t, tab, `document.activeElement.id === "cpr"`)
		do(t, tab, chromedp.KeyEvent(cprWrong), chromedp.KeyEvent(kb.Enter))
		do(t, tab, chromedp.WaitVisible(chromedp.CSS(".error-summary")))
		// The summary has focus, so a screen reader reads it first, and
		// it links to the field.
		if !eval[bool](t, tab, `document.activeElement.classList.contains("error-summary")`) {
			t.Errorf("the error summary does not have focus")
		}
		if got := text(t, tab, ".error-summary a"); !strings.Contains(got, "The CPR number does not match the user") {
			t.Errorf("error summary link %q", got)
		}
		if href := attr(t, tab, ".error-summary a", "href"); href != "#cpr" {
			t.Errorf("error summary links to %q", href)
		}
		if v := attr(t, tab, "#cpr", "aria-invalid"); v != "true" {
			t.Errorf("aria-invalid %q", v)
		}
		if v := attr(t, tab, "#cpr", "aria-describedby"); v != "cpr-hint cpr-error" {
			t.Errorf("aria-describedby %q", v)
		}
		if got := text(t, tab, "#cpr-error"); !strings.Contains(got, "You have 4 tries left.") {
			t.Errorf("field error %q", got)
		}
		if v := eval[string](t, tab, `document.querySelector("#cpr").value`); v != "" {
			t.Errorf("the field shows the wrong CPR number again: %q", v)
		}
		if got := e.user(u).Activation.FailedAttempts; got != 1 {
			t.Errorf("failed attempts %d", got)
		}
	})

	t.Run("language switch", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		_, token := e.cprUser("anna@example.dk")
		tab := browsertest.Tab(t, browser)
		do(t, tab, chromedp.Navigate(e.link(token)+"?lang=en"))
		if lang, h1 := eval[string](t, tab, `document.documentElement.lang`), text(t, tab, "h1"); lang != "en" || h1 != "Activate your user" {
			t.Fatalf("lang %q, h1 %q; want English", lang, h1)
		}
		tabUntil(t, tab, `document.activeElement.getAttribute("hreflang") === "da"`)
		do(t, tab, chromedp.KeyEvent(kb.Enter))
		do(t, tab, chromedp.WaitReady(chromedp.CSS(`html[lang="da"]`)))
		if h1, label := text(t, tab, "h1"), text(t, tab, `label[for="cpr"]`); h1 != "Aktivér din bruger" || label != "CPR-nummer" {
			t.Errorf("after the switch: h1 %q, label %q; want Danish", h1, label)
		}
		// The choice is kept across the post.
		tabUntil(t, tab, `document.activeElement.id === "cpr"`)
		do(t, tab, chromedp.KeyEvent(cprWrong), chromedp.KeyEvent(kb.Enter))
		do(t, tab, chromedp.WaitVisible(chromedp.CSS(".error-summary")))
		if lang, title := eval[string](t, tab, `document.documentElement.lang`), text(t, tab, "#error-summary-title"); lang != "da" || title != "Der er et problem" {
			t.Errorf("after the post: lang %q, summary %q; want Danish", lang, title)
		}
	})

	// The mailed link is opened again from a mail client, another site,
	// while the form is open in a tab: the cross-site navigation must
	// carry the CSRF cookie, so that the server keeps it and the open
	// form still posts.
	t.Run("mailed link keeps the open form working", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		u, token := e.cprUser("anna@example.dk")
		// The mail client is served as localhost and the pages as
		// 127.0.0.1: two sites to the browser.
		mail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><title>Mail</title><a id="mailed" href="%s">Activate</a>`, html.EscapeString(e.link(token)))
		}))
		t.Cleanup(mail.Close)
		mailURL := strings.Replace(mail.URL, "127.0.0.1", "localhost", 1)

		form := browsertest.Tab(t, browser)
		do(t, form, chromedp.Navigate(e.link(token)))
		// Another tab of the same browser, with the same cookies.
		mailTab, cancel := chromedp.NewContext(form)
		t.Cleanup(cancel)
		do(t, mailTab, chromedp.Navigate(mailURL))
		tabUntil(t, mailTab, `document.activeElement.id === "mailed"`)
		do(t, mailTab, chromedp.KeyEvent(kb.Enter))
		do(t, mailTab, chromedp.WaitVisible(chromedp.CSS(`main[data-page="activate"]`)))

		tabUntil(t, form, `document.activeElement.id === "cpr"`)
		do(t, form, chromedp.KeyEvent("010190-1234"), chromedp.KeyEvent(kb.Enter))
		do(t, form, chromedp.WaitVisible(chromedp.CSS(`main[data-page="activated"], main[data-page="forbidden"]`)))
		if page := attr(t, form, "main", "data-page"); page != "activated" {
			t.Fatalf("the open form after the mailed link was opened again: page %q, want activated", page)
		}
		if got := e.user(u); got.Status != tilgang.StatusActive {
			t.Fatalf("status %s", got.Status)
		}
	})

	t.Run("activate with code", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		u, token, code := e.codeUser("bo@example.dk")
		tab := browsertest.Tab(t, browser)
		do(t, tab, chromedp.Navigate(e.link(token)))
		tabUntil(t, tab, `document.activeElement.id === "code"`)
		do(t, tab, chromedp.KeyEvent(strings.ToLower(code)), chromedp.KeyEvent(kb.Enter))
		do(t, tab, chromedp.WaitVisible(chromedp.CSS(`main[data-page="activated"]`)))
		if got := e.user(u); got.Status != tilgang.StatusActive {
			t.Fatalf("status %s after activating with the code", got.Status)
		}
	})
}

func do(t *testing.T, tab context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(tab, steps...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, tab context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(tab, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func text(t *testing.T, tab context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return strings.TrimSpace(s)
}

func attr(t *testing.T, tab context.Context, css, name string) string {
	t.Helper()
	a, err := chromedp.Run(tab, chromedp.AttributeValue(chromedp.CSS(css), name))
	if err != nil {
		t.Fatalf("%s[%s]: %v", css, name, err)
	}
	return a.Value
}

// tabUntil presses Tab until the JavaScript condition on the focused
// element holds: the page is reached with the keyboard alone.
func tabUntil(t *testing.T, tab context.Context, cond string) {
	t.Helper()
	for range 20 {
		do(t, tab, chromedp.KeyEvent(kb.Tab))
		if eval[bool](t, tab, cond) {
			return
		}
	}
	t.Fatalf("20 presses of Tab never reached %s", cond)
}
