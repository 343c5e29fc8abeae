package web_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/tilgang"
)

func TestGetChangesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, token := e.cprUser("anna@example.dk")
	b := newBrowser(t)
	for range 3 {
		p := b.get(e.link(token))
		wantStatus(t, p, http.StatusOK)
		wantWellFormed(t, p, "da")
		wantContains(t, p, "Tømrer &amp; Søn A/S", `<label for="cpr">CPR-nummer</label>`)
	}
	got := e.user(u)
	if got.Status != tilgang.StatusPendingActivation || got.Version != u.Version || got.Activation == nil || got.Activation.FailedAttempts != 0 {
		t.Fatalf("after GETs: status %s, version %d (was %d), activation %+v", got.Status, got.Version, u.Version, got.Activation)
	}
}

func TestActivateWithCPRThenLinkIsUsed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, token := e.cprUser("anna@example.dk")
	b := newBrowser(t)
	form := b.get(e.link(token))
	csrf := csrfOf(t, form)

	p := b.post(e.link(token), []string{"csrf", csrf, "lang", "da", "cpr", "010190-1234"})
	wantStatus(t, p, http.StatusSeeOther)
	if loc := p.Header.Get("Location"); loc != "/activate/done?lang=da" {
		t.Fatalf("Location %q: want the result page, without the token", loc)
	}
	if got := e.user(u); got.Status != tilgang.StatusActive || got.Activation != nil {
		t.Fatalf("after activation: status %s, activation %+v", got.Status, got.Activation)
	}

	done := b.get(e.srv.URL + "/activate/done?lang=da")
	wantStatus(t, done, http.StatusOK)
	wantWellFormed(t, done, "da")
	wantContains(t, done, "Din bruger er aktiveret", "Din bruger hos Tømrer &amp; Søn A/S er nu aktiveret.")
	// The result page reads the same in English after the switch.
	wantContains(t, b.get(e.srv.URL+"/activate/done?lang=en"), "Your user at Tømrer &amp; Søn A/S is now activated.")
	// Another browser, without the result cookie, learns nothing there.
	wantStatus(t, newBrowser(t).get(e.srv.URL+"/activate/done"), http.StatusNotFound)

	// The link is used: the page says so, and posting again changes nothing.
	used := b.get(e.link(token))
	wantStatus(t, used, http.StatusGone)
	wantContains(t, used, "Linket er allerede brugt")
	again := b.post(e.link(token), []string{"csrf", csrf, "cpr", cprAnna})
	wantStatus(t, again, http.StatusGone)
	if got := e.user(u); got.Status != tilgang.StatusActive {
		t.Fatalf("after a second post: status %s", got.Status)
	}
}

func TestWrongCPRFiveTimesLocksTheLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, token := e.cprUser("anna@example.dk")
	b := newBrowser(t, "Accept-Language", "en-GB,en;q=0.9")
	csrf := csrfOf(t, b.get(e.link(token)))
	for try := 1; try < tilgang.MaxActivationAttempts; try++ {
		p := b.post(e.link(token), []string{"csrf", csrf, "cpr", cprWrong})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantWellFormed(t, p, "en")
		wantContains(t, p, "There is a problem", `<a href="#cpr">The CPR number does not match the user`, `aria-invalid="true"`)
		if left := tilgang.MaxActivationAttempts - try; left > 1 {
			wantContains(t, p, "You have "+string(rune('0'+left))+" tries left.")
		} else {
			wantContains(t, p, "You have 1 try left.")
		}
		if strings.Contains(p.body, cprWrong) {
			t.Fatalf("the page echoes the CPR number:\n%s", p.body)
		}
		if got := e.user(u).Activation.FailedAttempts; got != try {
			t.Fatalf("after %d wrong answers the store counts %d", try, got)
		}
	}
	p := b.post(e.link(token), []string{"csrf", csrf, "cpr", cprWrong})
	wantStatus(t, p, http.StatusGone)
	wantContains(t, p, "The link is locked", "Ask your administrator for a new activation link")

	// Locked for good: the right number does not open it either.
	wantStatus(t, b.get(e.link(token)), http.StatusGone)
	wantStatus(t, b.post(e.link(token), []string{"csrf", csrf, "cpr", cprAnna}), http.StatusGone)
	if got := e.user(u); got.Status != tilgang.StatusPendingActivation {
		t.Fatalf("a locked link activated the user: %s", got.Status)
	}
}

func TestTypingMistakeCostsNoTry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, token := e.cprUser("anna@example.dk")
	b := newBrowser(t)
	for _, answer := range []string{"", "12345", "0101901234567"} {
		p := b.submit(e.link(token), "cpr", answer)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantContains(t, p, `aria-invalid="true"`)
	}
	if got := e.user(u).Activation.FailedAttempts; got != 0 {
		t.Fatalf("typing mistakes counted %d tries", got)
	}
}

func TestActivateWithCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, token, code := e.codeUser("bo@example.dk")
	b := newBrowser(t)
	form := b.get(e.link(token))
	wantContains(t, form, `<label for="code">Aktiveringskode</label>`)
	if strings.Contains(form.body, `name="cpr"`) {
		t.Fatalf("a date-of-birth user is asked for a CPR number:\n%s", form.body)
	}
	wrong := b.post(e.link(token), []string{"csrf", csrfOf(t, form), "code", "AAAAAAAA"})
	wantStatus(t, wrong, http.StatusUnprocessableEntity)
	wantContains(t, wrong, "Aktiveringskoden er forkert", "Du har 4 forsøg tilbage.")

	// Typed as people do: lower case, split in two.
	typed := strings.ToLower(code[:4] + " " + code[4:])
	p := b.post(e.link(token), []string{"csrf", csrfOf(t, wrong), "code", typed})
	wantStatus(t, p, http.StatusSeeOther)
	if got := e.user(u); got.Status != tilgang.StatusActive {
		t.Fatalf("status %s after the right code", got.Status)
	}
}

func TestActivateWithLinkOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Neither CPR nor date of birth, as SCIM creates users.
	u, token, _ := e.create(&tilgang.User{UserName: "cai@example.dk", Email: "cai@example.dk"}, "")
	b := newBrowser(t)
	form := b.get(e.link(token))
	wantStatus(t, form, http.StatusOK)
	if strings.Contains(form.body, `class="input"`) {
		t.Fatalf("a link-only activation asks for something:\n%s", form.body)
	}
	wantStatus(t, b.post(e.link(token), []string{"csrf", csrfOf(t, form)}), http.StatusSeeOther)
	if got := e.user(u); got.Status != tilgang.StatusActive {
		t.Fatalf("status %s", got.Status)
	}
}

func TestExpiredLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, token := e.cprUser("anna@example.dk")
	b := newBrowser(t)
	csrf := csrfOf(t, b.get(e.link(token)))
	e.expire(u)
	for _, p := range []page{b.get(e.link(token)), b.post(e.link(token), []string{"csrf", csrf, "cpr", cprAnna})} {
		wantStatus(t, p, http.StatusGone)
		wantWellFormed(t, p, "da")
		wantContains(t, p, "Linket er udløbet", "Bed din administrator om at sende dig et nyt aktiveringslink.")
	}
	if got := e.user(u); got.Status != tilgang.StatusPendingActivation {
		t.Fatalf("an expired link activated the user: %s", got.Status)
	}
}

// A user deactivated before it activated is told so, in both languages,
// not that its link was used; the answer changes nothing.
func TestDeactivatedUsersLinkSaysSo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, token := e.cprUser("anna@example.dk")
	b := newBrowser(t)
	csrf := csrfOf(t, b.get(e.link(token)))
	today := tilgang.Today(time.Now())
	if _, err := e.users.DeactivateUser(context.Background(), tilgang.Actor{Name: "test", Source: "admin"}, e.org, u.ID, tilgang.Deactivation{From: today}); err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string][]string{
		"da": {"Din bruger er deaktiveret", "Kontakt din administrator"},
		"en": {"Your user is deactivated", "contact your administrator"},
	} {
		for _, p := range []page{
			b.get(e.link(token) + "?lang=" + lang),
			b.post(e.link(token), []string{"csrf", csrf, "lang", lang, "cpr", cprAnna}),
		} {
			wantStatus(t, p, http.StatusGone)
			wantWellFormed(t, p, lang)
			wantContains(t, p, want...)
			if strings.Contains(p.body, "allerede brugt") || strings.Contains(p.body, "already") {
				t.Errorf("a deactivated user's link says it is used:\n%s", p.body)
			}
		}
	}
	if got := e.user(u); got.Status != tilgang.StatusDeactivated || got.Activation == nil || got.Activation.FailedAttempts != 0 {
		t.Fatalf("the user changed: %s, %+v", got.Status, got.Activation)
	}
}

func TestUnknownAndGuessedLinksLookTheSame(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, token := e.cprUser("anna@example.dk")
	made := e.linkToken
	mangled := []byte(token)
	mangled[10] ^= 1
	b := newBrowser(t)
	var first string
	for name, tok := range map[string]string{
		// Well made, but for a user that does not exist.
		"stranger": made(secret.LinkActivation, uuid.NewString(), u.Activation.LinkID),
		// The right user with another nonce: a link a newer one replaced.
		"replaced": made(secret.LinkActivation, u.ID, uuid.NewString()),
		// The right user and nonce, but a link of another kind.
		"invitation": made(secret.LinkInvitation, u.ID, u.Activation.LinkID),
		"mangled":    string(mangled),
		"truncated":  token[:len(token)-1],
		"garbage":    "not-a-token",
		"long":       strings.Repeat("A", 5000),
	} {
		p := b.get(e.link(tok))
		wantStatus(t, p, http.StatusNotFound)
		wantWellFormed(t, p, "da")
		wantContains(t, p, "Linket virker ikke")
		if strings.Contains(p.body, e.org.Name) || strings.Contains(p.body, "Tømrer") {
			t.Errorf("%s: an unknown link names the organisation", name)
		}
		if first == "" {
			first = p.body
		} else if p.body != first {
			t.Errorf("%s: the page differs from another unknown link's:\n%s\n---\n%s", name, p.body, first)
		}
	}
}

// TestParallelPostsNeverFail posts many answers to one link at once, as a
// script or an impatient double click does. Each post loses races with
// the others; whichever way they end, no answer is a server error, and
// the lock holds: at most MaxActivationAttempts wrong answers are counted.
func TestParallelPostsNeverFail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, token := e.cprUser("anna@example.dk")
	b := newBrowser(t)
	csrf := csrfOf(t, b.get(e.link(token)))
	const posts = 24
	statuses := make([]int, posts)
	var wg sync.WaitGroup
	for i := range posts {
		wg.Go(func() {
			statuses[i] = b.post(e.link(token), []string{"csrf", csrf, "cpr", cprWrong}).StatusCode
		})
	}
	wg.Wait()
	for _, status := range statuses {
		switch status {
		case http.StatusUnprocessableEntity, http.StatusGone, http.StatusConflict:
			continue
		}
		t.Fatalf("parallel posts answered %v: want only 422 (wrong), 410 (locked) and 409 (try again)", statuses)
	}
	if got := e.user(u); got.Status != tilgang.StatusPendingActivation || got.Activation.FailedAttempts > tilgang.MaxActivationAttempts {
		t.Fatalf("after %d parallel wrong answers: status %s, %d wrong answers counted", posts, got.Status, got.Activation.FailedAttempts)
	}
	if strings.Contains(e.logs.String(), "page failed") {
		t.Errorf("a parallel post failed: %s", e.logs.String())
	}
}
