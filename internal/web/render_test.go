package web_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
	"github.com/tilgang/tilgang/internal/web"
)

// fixed answers every link with the same page and errors, for tests of how
// pages render without a table behind them.
type fixed struct {
	page     users.ActivationPage
	openErr  error
	complete error
}

func (f fixed) OpenActivation(context.Context, string) (users.ActivationPage, error) {
	return f.page, f.openErr
}

func (f fixed) CompleteActivation(context.Context, string, string) (*tilgang.User, error) {
	return nil, f.complete
}

func fixedServer(t *testing.T, f fixed) string {
	t.Helper()
	srv := httptest.NewServer(web.New(f, fixedInvitation{openErr: tilgang.ErrLinkUnknown}, slog.New(slog.NewTextHandler(io.Discard, nil)), web.Options{Key: testenv.CPRKey}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func fixedPage(method string, attemptsLeft int) users.ActivationPage {
	return users.ActivationPage{
		Org:          &tilgang.Organisation{Name: "Tømrer & Søn A/S", Language: "da"},
		User:         &tilgang.User{FirstName: "Anna"},
		Method:       method,
		ExpiresAt:    time.Date(2026, 1, 1, 23, 30, 0, 0, time.UTC), // 2 January in Copenhagen
		AttemptsLeft: attemptsLeft,
	}
}

func TestFormRendersEachMethodInEachLanguage(t *testing.T) {
	t.Parallel()
	field := map[string][]string{
		users.AskCPR:     {`<label for="cpr">`, `id="cpr" name="cpr" type="text" inputmode="numeric" autocomplete="off"`, `aria-describedby="cpr-hint"`},
		users.AskCode:    {`<label for="code">`, `id="code" name="code" type="text" autocomplete="one-time-code"`, `aria-describedby="code-hint"`},
		users.AskNothing: {`<button class="button" type="submit">`},
	}
	text := map[string][]string{
		"da": {"Aktivér din bruger", "Linket udløber den 2. januar 2026.", `href="?lang=en" hreflang="en" lang="en">English</a>`},
		"en": {"Activate your user", "The link expires on 2 January 2026.", `href="?lang=da" hreflang="da" lang="da">Dansk</a>`},
	}
	for method, fieldWant := range field {
		base := fixedServer(t, fixed{page: fixedPage(method, 5)})
		for lang, textWant := range text {
			t.Run(method+"/"+lang, func(t *testing.T) {
				t.Parallel()
				p := newBrowser(t).get(base + "/activate/x?lang=" + lang)
				wantStatus(t, p, http.StatusOK)
				wantWellFormed(t, p, lang)
				wantContains(t, p, fieldWant...)
				wantContains(t, p, textWant...)
				wantContains(t, p, "Tømrer &amp; Søn A/S", `<input type="hidden" name="lang" value="`+lang+`">`, `name="csrf" value="`)
				if strings.Contains(p.body, "aria-invalid") || strings.Contains(p.body, "error-summary") {
					t.Errorf("a fresh form shows an error:\n%s", p.body)
				}
			})
		}
	}
}

func TestWrongAnswerRendersErrorSummaryAndField(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		method, field, answer, lang string
		left                        int
		want                        []string
	}{
		{users.AskCPR, "cpr", cprWrong, "en", 3, []string{"<title>Error: Activate your user – Tømrer &amp; Søn A/S</title>", "The CPR number does not match the user", "You have 3 tries left."}},
		{users.AskCPR, "cpr", cprWrong, "da", 1, []string{"<title>Fejl: Aktivér din bruger – Tømrer &amp; Søn A/S</title>", "CPR-nummeret passer ikke", "Du har 1 forsøg tilbage."}},
		{users.AskCode, "code", "ACDE-FGHJ", "en", 2, []string{"The activation code is wrong", "You have 2 tries left."}},
	} {
		t.Run(tt.field+"/"+tt.lang, func(t *testing.T) {
			t.Parallel()
			base := fixedServer(t, fixed{page: fixedPage(tt.method, tt.left), complete: users.ErrWrongAnswer})
			b := newBrowser(t)
			p := b.submit(base+"/activate/x?lang="+tt.lang, tt.field, tt.answer, "lang", tt.lang)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			wantWellFormed(t, p, tt.lang)
			wantContains(t, p, tt.want...)
			wantContains(t, p,
				`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>`,
				`<a href="#`+tt.field+`">`,
				`id="`+tt.field+`-error"`,
				`aria-describedby="`+tt.field+`-hint `+tt.field+`-error" aria-invalid="true"`)
			if strings.Contains(p.body, tt.answer) {
				t.Errorf("the page echoes the answer:\n%s", p.body)
			}
		})
	}
}

func TestTypingMistakesAreToldWithoutATry(t *testing.T) {
	t.Parallel()
	// CompleteActivation would fail the test's expectations: a typing
	// mistake must not reach it.
	base := fixedServer(t, fixed{page: fixedPage(users.AskCPR, 5), complete: tilgang.ErrLinkLocked})
	codeBase := fixedServer(t, fixed{page: fixedPage(users.AskCode, 5), complete: tilgang.ErrLinkLocked})
	for _, tt := range []struct {
		base, field, answer, want string
	}{
		{base, "cpr", "", "Enter your CPR number"},
		{base, "cpr", "12345", "Enter the CPR number as 10 digits"},
		{base, "cpr", "3213901234", "must be your date of birth"},
		{codeBase, "code", "  ", "Enter the activation code"},
		{codeBase, "code", "ABC", "The activation code has 8 characters"},
	} {
		p := newBrowser(t).submit(tt.base+"/activate/x?lang=en", tt.field, tt.answer)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantContains(t, p, tt.want, `aria-invalid="true"`)
		if strings.Contains(p.body, "tries left") {
			t.Errorf("%q: a typing mistake is told as a wrong try:\n%s", tt.answer, p.body)
		}
	}
}

func TestLinkStatesRenderInEachLanguage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		err    error
		status int
		da, en string
	}{
		{tilgang.ErrLinkUnknown, http.StatusNotFound, "Linket virker ikke", "ask your administrator for a new link"},
		{tilgang.ErrLinkExpired, http.StatusGone, "Linket er udløbet", "Ask your administrator to send you a new activation link."},
		{tilgang.ErrLinkUsed, http.StatusGone, "Linket er allerede brugt", "your user is already activated"},
		{tilgang.ErrLinkLocked, http.StatusGone, "Linket er spærret", "Ask your administrator for a new activation link or a new activation code."},
		{users.ErrLinkSuspended, http.StatusGone, "Din bruger er deaktiveret", "contact your administrator"},
		{tilgang.ErrStale, http.StatusConflict, "Prøv igen", "so it was not saved"},
		{errors.New("the table is gone"), http.StatusInternalServerError, "Noget gik galt", "Please try again in a little while."},
	} {
		base := fixedServer(t, fixed{openErr: tt.err})
		for lang, want := range map[string]string{"da": tt.da, "en": tt.en} {
			p := newBrowser(t).get(base + "/activate/x?lang=" + lang)
			wantStatus(t, p, tt.status)
			wantWellFormed(t, p, lang)
			wantContains(t, p, want)
			if strings.Contains(p.body, "<form") {
				t.Errorf("%v: a dead link shows a form:\n%s", tt.err, p.body)
			}
		}
	}
}

func TestOtherAddressesAnswerWithPages(t *testing.T) {
	t.Parallel()
	base := fixedServer(t, fixed{page: fixedPage(users.AskCPR, 5)})
	b := newBrowser(t)
	for _, tt := range []struct {
		method, path string
		status       int
		want         string
	}{
		{"GET", "/", http.StatusNotFound, "Siden findes ikke"},
		{"GET", "/activate/a/b", http.StatusNotFound, "Siden findes ikke"},
		{"GET", "/invitations/x", http.StatusNotFound, "Linket virker ikke"},
		{"PATCH", "/invitations/x", http.StatusMethodNotAllowed, "Det kan siden ikke"},
		{"GET", "/invitations/done", http.StatusNotFound, "Linket virker ikke"},
		{"PUT", "/activate/x", http.StatusMethodNotAllowed, "Det kan siden ikke"},
		{"DELETE", "/activate/x", http.StatusMethodNotAllowed, "Det kan siden ikke"},
		{"GET", "/activate/done", http.StatusNotFound, "Linket virker ikke"},
	} {
		p := b.do(tt.method, base+tt.path, "", nil)
		wantStatus(t, p, tt.status)
		wantWellFormed(t, p, "da")
		wantContains(t, p, tt.want)
		if tt.status == http.StatusMethodNotAllowed && p.Header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", tt.method, tt.path)
		}
	}
}

// TestLostRaceAsksToTryAgain checks the answer to a form that lost a race
// with another change of its link more often than the service retries
// (tilgang.ErrStale, wrapped as the store wraps it): a page that asks to
// try again, 409, with a link back to the form, never a logged 500.
func TestLostRaceAsksToTryAgain(t *testing.T) {
	t.Parallel()
	stale := fmt.Errorf("store: update user: %w", tilgang.ErrStale)
	logs := &testenv.Logs{}
	srv := httptest.NewServer(web.New(
		fixed{page: fixedPage(users.AskCPR, 5), complete: stale},
		fixedInvitation{page: fixedInvitationPage("en"), acceptErr: stale},
		logs.Logger(), web.Options{Key: testenv.CPRKey}))
	t.Cleanup(srv.Close)

	for _, tt := range []struct {
		name, link string
		fields     []string
		lang       string
		want       []string
	}{
		{"activation", srv.URL + "/activate/x", []string{"cpr", cprAnna}, "da",
			[]string{"<h1>Prøv igen</h1>", "så det blev ikke gemt", `<a href="?lang=da">Åbn siden igen</a>`}},
		{"activation in English", srv.URL + "/activate/x?lang=en", []string{"cpr", cprAnna, "lang", "en"}, "en",
			[]string{"<h1>Please try again</h1>", "so it was not saved", `<a href="?lang=en">Open the page again</a>`}},
		{"invitation", srv.URL + "/invitations/x", []string{"firstName", "Ida", "lastName", "Holm", "accept", "on"}, "en",
			[]string{"<h1>Please try again</h1>", `<a href="?lang=en">Open the page again</a>`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newBrowser(t).submit(tt.link, tt.fields...)
			wantStatus(t, p, http.StatusConflict)
			wantWellFormed(t, p, tt.lang)
			wantContains(t, p, tt.want...)
			if strings.Contains(p.body, "<form") {
				t.Errorf("the page shows a form:\n%s", p.body)
			}
		})
	}
	t.Cleanup(func() {
		if strings.Contains(logs.String(), "page failed") {
			t.Errorf("a lost race is logged as a failure: %s", logs.String())
		}
	})
}
