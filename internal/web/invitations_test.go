package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/web"
)

// invite invites email to the organisation as company-admin of a unit, in
// lang, through svc as the admin API does, and returns the invitation and
// its link token.
func (e *env) invite(svc *invitations.Service, email, lang string) (*tilgang.Invitation, string) {
	e.t.Helper()
	res, err := svc.Invite(context.Background(), e.org, invitations.Request{
		Emails: []string{email}, Role: tilgang.RoleCompanyAdmin, OrgUnit: "Salg & Marketing",
		Language: lang, Inviter: "Jens Jensen", Grantor: []string{tilgang.RoleCompanyAdmin},
	})
	if err != nil || len(res) != 1 || res[0].Err != nil {
		e.t.Fatalf("invite %s: %+v, %v", email, res, err)
	}
	token, err := svc.Token(res[0].Invitation)
	if err != nil {
		e.t.Fatal(err)
	}
	return res[0].Invitation, token
}

// invitation reads inv as it is now.
func (e *env) invitation(inv *tilgang.Invitation) *tilgang.Invitation {
	e.t.Helper()
	got, err := e.invites.Get(context.Background(), e.org, inv.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// inviteLink is the address of a token's invitation page.
func (e *env) inviteLink(token string) string { return e.srv.URL + "/invitations/" + token }

// wantPending fails t unless inv is still pending, unchanged and without a
// user.
func (e *env) wantPending(inv *tilgang.Invitation) {
	e.t.Helper()
	if got := e.invitation(inv); got.Status != tilgang.InvitationPending || got.Version != inv.Version || got.UserID != "" {
		e.t.Fatalf("the invitation changed: status %s, version %d (was %d), user %q", got.Status, got.Version, inv.Version, got.UserID)
	}
}

// acceptance is a filled-in invitation form with its CSRF field.
func acceptance(csrf string, fields ...string) []string {
	return append([]string{"csrf", csrf, "firstName", "Ida", "lastName", "Holm", "phone", "12 34 56 78", "accept", "yes"}, fields...)
}

func TestInvitationGetChangesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inv, token := e.invite(e.invites, "ida@example.dk", "da")
	b := newBrowser(t)
	for range 3 {
		p := b.get(e.inviteLink(token))
		wantStatus(t, p, http.StatusOK)
		wantWellFormed(t, p, "da")
		wantContains(t, p, "Tømrer &amp; Søn A/S", "Jens Jensen", "virksomhedsadministrator", "Salg &amp; Marketing",
			"<dd>ida@example.dk</dd>", `<label for="firstName">Fornavn</label>`)
	}
	e.wantPending(inv)
}

func TestAcceptInvitationThenLinkIsUsed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inv, token := e.invite(e.invites, "ida@example.dk", "da")
	b := newBrowser(t)
	form := b.get(e.inviteLink(token))
	csrf := csrfOf(t, form)

	p := b.post(e.inviteLink(token), acceptance(csrf, "lang", "da"))
	wantStatus(t, p, http.StatusSeeOther)
	if loc := p.Header.Get("Location"); loc != "/invitations/done?lang=da" {
		t.Fatalf("Location %q: want the result page, without the token", loc)
	}
	accepted := e.invitation(inv)
	if accepted.Status != tilgang.InvitationAccepted || accepted.UserID == "" {
		t.Fatalf("after accepting: status %s, user %q", accepted.Status, accepted.UserID)
	}
	u, err := e.store.User(context.Background(), e.org.ID, accepted.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != tilgang.StatusAwaitingApproval || u.FirstName != "Ida" || u.LastName != "Holm" || u.Phone != "12345678" || u.Email != "ida@example.dk" {
		t.Fatalf("the user: %s %q %q %q %q", u.Status, u.FirstName, u.LastName, u.Phone, u.Email)
	}

	done := b.get(e.srv.URL + "/invitations/done?lang=da")
	wantStatus(t, done, http.StatusOK)
	wantWellFormed(t, done, "da")
	wantContains(t, done, "Tak – en administrator skal nu godkende dig", "Du har accepteret invitationen fra Tømrer &amp; Søn A/S.")
	wantContains(t, b.get(e.srv.URL+"/invitations/done?lang=en"), "Thank you — an administrator must approve you")
	// Another browser, without the result cookie, learns nothing there;
	// nor does the activation's result page take the invitation's cookie.
	wantStatus(t, newBrowser(t).get(e.srv.URL+"/invitations/done"), http.StatusNotFound)
	wantStatus(t, b.get(e.srv.URL+"/activate/done"), http.StatusNotFound)

	// The link is used: the page says so, and posting again changes nothing.
	used := b.get(e.inviteLink(token))
	wantStatus(t, used, http.StatusGone)
	wantWellFormed(t, used, "da")
	wantContains(t, used, "Invitationen er allerede accepteret")
	again := b.post(e.inviteLink(token), acceptance(csrf, "firstName", "Eva"))
	wantStatus(t, again, http.StatusGone)
	if got := e.invitation(inv); got.Version != accepted.Version || got.UserID != u.ID {
		t.Fatalf("a second post changed the invitation: %+v", got)
	}
}

func TestInvitationProblemsKeepWhatWasTyped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inv, token := e.invite(e.invites, "ida@example.dk", "en")
	long := strings.Repeat("å", 201)
	for _, tt := range []struct {
		name   string
		fields []string
		// problems are the fields of the summary, in the form's order.
		problems []string
		want     []string
	}{
		{"all at once", []string{"firstName", " ", "lastName", "Holm", "phone", "12"},
			[]string{"firstName", "phone", "accept"},
			[]string{"Enter your first name", "Enter the phone number as 8 digits", "Tick the box to accept the invitation", `value="Holm"`, `value="12"`}},
		{"surname only", []string{"firstName", "Ida", "accept", "yes"},
			[]string{"lastName"},
			[]string{"Enter your surname", `value="Ida"`, `name="accept" type="checkbox" value="yes" checked`}},
		// The service's own checks come back on the fields too.
		{"too long", []string{"firstName", long, "lastName", "Holm", "accept", "yes"},
			[]string{"firstName"},
			[]string{"The first name is too long", `value="` + long + `"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := newBrowser(t).submit(e.inviteLink(token), tt.fields...)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			wantWellFormed(t, p, "en")
			wantContains(t, p, tt.want...)
			wantContains(t, p, "<title>Error: You have been invited – Tømrer &amp; Søn A/S</title>",
				`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>`)
			at := 0
			for _, field := range tt.problems {
				link := `<a href="#` + field + `">`
				i := strings.Index(p.body[at:], link)
				if i < 0 {
					t.Fatalf("the summary lacks %s, or not in the form's order:\n%s", link, p.body)
				}
				at += i
				wantContains(t, p, `id="`+field+`-error"`)
			}
			if got := strings.Count(p.body, `aria-invalid="true"`); got != len(tt.problems) {
				t.Errorf("%d fields marked invalid, want %d", got, len(tt.problems))
			}
			wantContains(t, p, `aria-describedby="phone-hint`)
		})
	}
	e.wantPending(inv)
}

func TestInvitationCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inv, token := e.invite(e.invites, "ida@example.dk", "da")
	_, other := e.invite(e.invites, "eva@example.dk", "da")
	_, activation := e.cprUser("anna@example.dk")
	b := newBrowser(t)
	good := csrfOf(t, b.get(e.inviteLink(token)))
	otherField := csrfOf(t, b.get(e.inviteLink(other)))
	activationField := csrfOf(t, b.get(e.link(activation)))
	stranger := newBrowser(t)
	strangerField := csrfOf(t, stranger.get(e.inviteLink(token)))

	for _, tt := range []struct {
		name   string
		fields []string
		from   *browser
	}{
		{"missing", acceptance("")[2:], b},
		{"empty", acceptance(""), b},
		{"wrong", acceptance(strings.Repeat("A", len(good))), b},
		{"of another invitation", acceptance(otherField), b},
		{"of an activation", acceptance(activationField), b},
		{"of another browser", acceptance(strangerField), b},
		{"without the cookie", acceptance(good), newBrowser(t)},
	} {
		p := tt.from.post(e.inviteLink(token), tt.fields)
		wantStatus(t, p, http.StatusForbidden)
		wantWellFormed(t, p, "da")
		wantContains(t, p, "Formularen kunne ikke sendes")
	}
	// A cross-origin post is refused even with a good field.
	for _, header := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "https://evil.example"},
	} {
		p := b.post(e.inviteLink(token), acceptance(good), header...)
		wantStatus(t, p, http.StatusForbidden)
		wantContains(t, p, "Formularen kunne ikke sendes")
	}
	e.wantPending(inv)
	p := b.post(e.inviteLink(token), acceptance(good), "Sec-Fetch-Site", "same-origin", "Origin", e.srv.URL)
	wantStatus(t, p, http.StatusSeeOther)
}

func TestRevokedInvitationOffersNoForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inv, token := e.invite(e.invites, "ida@example.dk", "da")
	b := newBrowser(t)
	csrf := csrfOf(t, b.get(e.inviteLink(token)))
	if _, err := e.invites.Revoke(context.Background(), e.org, inv.ID); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		page
		lang, want string
	}{
		{b.get(e.inviteLink(token)), "da", "Invitationen er trukket tilbage"},
		{b.post(e.inviteLink(token), acceptance(csrf)), "da", "Invitationen er trukket tilbage"},
		{b.get(e.inviteLink(token), "Accept-Language", "en-GB"), "en", "The invitation was withdrawn"},
	} {
		wantStatus(t, tt.page, http.StatusGone)
		wantWellFormed(t, tt.page, tt.lang)
		wantContains(t, tt.page, tt.want)
		if strings.Contains(tt.body, "<form") || strings.Contains(tt.body, `name="firstName"`) {
			t.Errorf("a withdrawn invitation offers a form:\n%s", tt.body)
		}
	}
	if got := e.invitation(inv); got.Status != tilgang.InvitationRevoked || got.UserID != "" {
		t.Fatalf("after posting to a revoked link: %s, user %q", got.Status, got.UserID)
	}
}

func TestExpiredInvitation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inv, token := e.invite(e.invites, "ida@example.dk", "da")
	b := newBrowser(t)
	csrf := csrfOf(t, b.get(e.inviteLink(token)))
	// Fifteen days later, as pages whose clock says so see it. They share
	// the key, and the browser sends its cookie to every port of the host,
	// so the form fetched today is a good form there.
	later := invitations.New(e.store, e.users, testenv.Links(t), func() time.Time { return time.Now().Add(15 * 24 * time.Hour) })
	srv := httptest.NewServer(web.New(e.users, later, slog.New(slog.NewTextHandler(io.Discard, nil)), web.Options{Key: testenv.CPRKey}))
	t.Cleanup(srv.Close)
	link := srv.URL + "/invitations/" + token
	for _, p := range []page{b.get(link), b.post(link, acceptance(csrf))} {
		wantStatus(t, p, http.StatusGone)
		wantWellFormed(t, p, "da")
		wantContains(t, p, "Invitationen er udløbet", "Bed den, der inviterede dig, om at sende invitationen igen.")
		if strings.Contains(p.body, "<form") {
			t.Errorf("an expired invitation offers a form:\n%s", p.body)
		}
	}
	e.wantPending(inv)
}

func TestUnknownInvitationLinksLookTheSame(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inv, token := e.invite(e.invites, "ida@example.dk", "en")
	made := e.linkToken
	mangled := []byte(token)
	mangled[10] ^= 1
	b := newBrowser(t)
	var first string
	for name, tok := range map[string]string{
		"stranger":   made(secret.LinkInvitation, uuid.NewString(), inv.LinkID),
		"replaced":   made(secret.LinkInvitation, inv.ID, uuid.NewString()),
		"activation": made(secret.LinkActivation, inv.ID, inv.LinkID),
		"mangled":    string(mangled),
		"truncated":  token[:len(token)-1],
		"garbage":    "not-a-token",
		"long":       strings.Repeat("A", 5000),
	} {
		p := b.get(e.inviteLink(tok))
		wantStatus(t, p, http.StatusNotFound)
		wantWellFormed(t, p, "da")
		wantContains(t, p, "Linket virker ikke")
		if strings.Contains(p.body, "Tømrer") || strings.Contains(p.body, "ida@example.dk") {
			t.Errorf("%s: an unknown link names the organisation or the invitee", name)
		}
		if first == "" {
			first = p.body
		} else if p.body != first {
			t.Errorf("%s: the page differs from another unknown link's:\n%s\n---\n%s", name, p.body, first)
		}
	}
	e.wantPending(inv)
}

func TestInvitationLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, en := e.invite(e.invites, "ida@example.dk", "en")
	_, da := e.invite(e.invites, "eva@example.dk", "da")
	for _, tt := range []struct {
		name, token, accept, query, want string
	}{
		{"the invitation's", en, "", "", "en"},
		{"the invitation's over the browser's", en, "da-DK,da", "", "en"},
		{"the invitation's over the browser's, Danish", da, "en-US", "", "da"},
		{"the switch wins", en, "en", "?lang=da", "da"},
	} {
		var header []string
		if tt.accept != "" {
			header = []string{"Accept-Language", tt.accept}
		}
		p := newBrowser(t).get(e.inviteLink(tt.token)+tt.query, header...)
		wantStatus(t, p, http.StatusOK)
		wantWellFormed(t, p, tt.want)
	}
	// The switch is kept across the post, into the redirect.
	b := newBrowser(t)
	form := b.get(e.inviteLink(en) + "?lang=da")
	wrong := b.post(e.inviteLink(en), []string{"csrf", csrfOf(t, form), "lang", "da"})
	wantStatus(t, wrong, http.StatusUnprocessableEntity)
	wantWellFormed(t, wrong, "da")
	wantContains(t, wrong, "Skriv dit fornavn")
	done := b.post(e.inviteLink(en), acceptance(csrfOf(t, wrong), "lang", "da"))
	wantStatus(t, done, http.StatusSeeOther)
	if loc := done.Header.Get("Location"); loc != "/invitations/done?lang=da" {
		t.Errorf("Location %q", loc)
	}
}

func TestInvitationAnswersAreProtected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inv, token := e.invite(e.invites, "ida@example.dk", "da")
	revoked, revokedToken := e.invite(e.invites, "eva@example.dk", "da")
	if _, err := e.invites.Revoke(context.Background(), e.org, revoked.ID); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	form := b.get(e.inviteLink(token))
	answers := map[string]page{
		"form":      form,
		"problem":   b.post(e.inviteLink(token), []string{"csrf", csrfOf(t, form)}),
		"forbidden": b.post(e.inviteLink(token), acceptance("")),
		"revoked":   b.get(e.inviteLink(revokedToken)),
		"too big":   b.post(e.inviteLink(token), acceptance(csrfOf(t, form), "pad", strings.Repeat("x", web.MaxFormBytes))),
		"json":      b.do(http.MethodPost, e.inviteLink(token), "application/json", strings.NewReader(`{"firstName":"Ida"}`)),
		"put":       b.do(http.MethodPut, e.inviteLink(token), "application/x-www-form-urlencoded", strings.NewReader("firstName=Ida")),
	}
	for name, want := range map[string]int{
		"form": http.StatusOK, "problem": http.StatusUnprocessableEntity, "forbidden": http.StatusForbidden,
		"revoked": http.StatusGone, "too big": http.StatusRequestEntityTooLarge,
		"json": http.StatusUnsupportedMediaType, "put": http.StatusMethodNotAllowed,
	} {
		p := answers[name]
		wantStatus(t, p, want)
		wantWellFormed(t, p, "da")
		for header, want := range map[string]string{
			"Content-Security-Policy": wantCSP,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
			"X-Frame-Options":         "DENY",
			"Cache-Control":           "no-store",
		} {
			if got := p.Header.Get(header); got != want {
				t.Errorf("%s: %s = %q, want %q", name, header, got, want)
			}
		}
	}
	if allow := answers["put"].Header.Get("Allow"); allow != "GET, HEAD, POST" {
		t.Errorf("Allow %q", allow)
	}
	e.wantPending(inv)
}

// TestParallelAcceptsNeverFail posts the filled-in form many times at
// once: one post accepts, and every other one says the invitation is used
// or asks to try again; none is a server error.
func TestParallelAcceptsNeverFail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inv, token := e.invite(e.invites, "ida@example.dk", "da")
	b := newBrowser(t)
	csrf := csrfOf(t, b.get(e.inviteLink(token)))
	const posts = 24
	statuses := make([]int, posts)
	var wg sync.WaitGroup
	for i := range posts {
		wg.Go(func() { statuses[i] = b.post(e.inviteLink(token), acceptance(csrf)).StatusCode })
	}
	wg.Wait()
	accepted := 0
	for _, status := range statuses {
		switch status {
		case http.StatusSeeOther:
			accepted++
		case http.StatusGone, http.StatusConflict:
		default:
			t.Fatalf("parallel posts answered %v: want one 303 and only 410 (used) and 409 (try again) else", statuses)
		}
	}
	if got := e.invitation(inv); accepted != 1 || got.Status != tilgang.InvitationAccepted {
		t.Fatalf("%d posts accepted (%v); the invitation is %s", accepted, statuses, got.Status)
	}
	if strings.Contains(e.logs.String(), "page failed") {
		t.Errorf("a parallel post failed: %s", e.logs.String())
	}
}
