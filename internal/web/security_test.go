package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/web"
)

const wantCSP = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, token := e.cprUser("anna@example.dk")
	b := newBrowser(t)
	form := b.get(e.link(token))
	answers := map[string]page{
		"form":        form,
		"wrong":       b.post(e.link(token), []string{"csrf", csrfOf(t, form), "cpr", cprWrong}),
		"forbidden":   b.post(e.link(token), []string{"cpr", cprWrong}),
		"unknown":     b.get(e.link("nope")),
		"not found":   b.get(e.srv.URL + "/nothing"),
		"not allowed": b.do(http.MethodPatch, e.link(token), "", nil),
		"style sheet": b.get(e.srv.URL + "/assets/site.css"),
	}
	for name, p := range answers {
		for header, want := range map[string]string{
			"Content-Security-Policy": wantCSP,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
			"X-Frame-Options":         "DENY",
		} {
			if got := p.Header.Get(header); got != want {
				t.Errorf("%s: %s = %q, want %q", name, header, got, want)
			}
		}
		want := "no-store"
		if name == "style sheet" {
			want = "public, max-age=31536000, immutable"
		}
		if got := p.Header.Get("Cache-Control"); got != want {
			t.Errorf("%s: Cache-Control = %q, want %q", name, got, want)
		}
	}
	if ct := answers["style sheet"].Header.Get("Content-Type"); ct != "text/css; charset=utf-8" || !strings.Contains(answers["style sheet"].body, ":focus-visible") {
		t.Errorf("style sheet: %s\n%s", ct, answers["style sheet"].body)
	}
	// The CSRF cookie is out of reach of scripts and of other sites'
	// posts. It is Lax, not Strict, so that a mailed link opened from
	// another site keeps the browser's cookie (see TestBrowser).
	var found bool
	for _, c := range form.Cookies() {
		if c.Name == "csrf" {
			found = true
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
				t.Errorf("CSRF cookie %+v: want HttpOnly, SameSite=Lax, Path=/", c)
			}
		}
	}
	if !found {
		t.Errorf("the form set no CSRF cookie: %v", form.Header.Values("Set-Cookie"))
	}
}

// TestHTTPS checks what changes when the pages are served over HTTPS:
// __Host- cookies, HSTS, and the public origin trusted by the origin check
// also when a proxy rewrote Host. A fixed page is enough; no table.
func TestHTTPS(t *testing.T) {
	t.Parallel()
	f := fixed{page: fixedPage("cpr", 5)}
	srv := httptest.NewTLSServer(web.New(f, fixedInvitation{openErr: tilgang.ErrLinkUnknown}, slog.New(slog.NewTextHandler(io.Discard, nil)),
		web.Options{Key: []byte(strings.Repeat("k", 32)), PublicBaseURL: "https://login.example.dk"}))
	t.Cleanup(srv.Close)
	b := newBrowser(t)
	b.client.Transport = srv.Client().Transport

	form := b.get(srv.URL + "/activate/x")
	wantStatus(t, form, http.StatusOK)
	cookie := form.Header.Get("Set-Cookie")
	if !strings.HasPrefix(cookie, "__Host-csrf=") || !strings.Contains(cookie, "; Secure") || strings.Contains(cookie, "Domain") || !strings.Contains(cookie, "Path=/;") ||
		!strings.Contains(cookie, "; SameSite=Lax") {
		t.Errorf("Set-Cookie %q: want a Secure, SameSite=Lax __Host- cookie for Path=/ without Domain", cookie)
	}
	if got := form.Header.Get("Strict-Transport-Security"); got == "" {
		t.Errorf("no Strict-Transport-Security over HTTPS")
	}
	// The public origin is trusted although Host differs from it.
	p := b.post(srv.URL+"/activate/x", []string{"csrf", csrfOf(t, form), "cpr", cprAnna}, "Origin", "https://login.example.dk", "Sec-Fetch-Site", "cross-site")
	wantStatus(t, p, http.StatusSeeOther)
	if cookie := p.Header.Get("Set-Cookie"); !strings.HasPrefix(cookie, "__Host-activated=") {
		t.Errorf("result cookie %q: want the __Host- prefix", cookie)
	}
	// Any other origin is not.
	p = b.post(srv.URL+"/activate/x", []string{"csrf", csrfOf(t, form), "cpr", cprAnna}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	wantStatus(t, p, http.StatusForbidden)
}

func TestCSRFFieldIsRequired(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, token := e.cprUser("anna@example.dk")
	_, other, _ := e.create(&tilgang.User{FirstName: "Eva", LastName: "Dahl", Email: "eva@example.dk"}, "0303701234")
	b := newBrowser(t)
	good := csrfOf(t, b.get(e.link(token)))
	otherField := csrfOf(t, b.get(e.link(other)))
	stranger := newBrowser(t)
	strangerField := csrfOf(t, stranger.get(e.link(token)))

	for _, tt := range []struct {
		name   string
		fields []string
		from   *browser
	}{
		{"missing", []string{"cpr", cprAnna}, b},
		{"empty", []string{"csrf", "", "cpr", cprAnna}, b},
		{"wrong", []string{"csrf", strings.Repeat("A", len(good)), "cpr", cprAnna}, b},
		{"of another link", []string{"csrf", otherField, "cpr", cprAnna}, b},
		{"of another browser", []string{"csrf", strangerField, "cpr", cprAnna}, b},
		{"without the cookie", []string{"csrf", good, "cpr", cprAnna}, newBrowser(t)},
	} {
		p := tt.from.post(e.link(token), tt.fields)
		wantStatus(t, p, http.StatusForbidden)
		wantWellFormed(t, p, "da")
		wantContains(t, p, "Formularen kunne ikke sendes")
	}
	if got := e.user(u); got.Status != tilgang.StatusPendingActivation || got.Activation.FailedAttempts != 0 {
		t.Fatalf("a refused form changed the user: %s, %+v", got.Status, got.Activation)
	}
	wantStatus(t, b.post(e.link(token), []string{"csrf", good, "cpr", cprAnna}), http.StatusSeeOther)
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, token := e.cprUser("anna@example.dk")
	b := newBrowser(t)
	field := csrfOf(t, b.get(e.link(token)))
	for _, header := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"},
		{"Origin", "https://evil.example"},
		{"Origin", "null"},
	} {
		p := b.post(e.link(token), []string{"csrf", field, "cpr", cprAnna}, header...)
		wantStatus(t, p, http.StatusForbidden)
		wantContains(t, p, "Formularen kunne ikke sendes")
	}
	if got := e.user(u); got.Status != tilgang.StatusPendingActivation {
		t.Fatalf("a cross-origin post activated the user")
	}
	// The same form from the page's own origin goes through.
	p := b.post(e.link(token), []string{"csrf", field, "cpr", cprAnna}, "Sec-Fetch-Site", "same-origin", "Origin", e.srv.URL)
	wantStatus(t, p, http.StatusSeeOther)
}

func TestPostsAreLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u, token := e.cprUser("anna@example.dk")
	b := newBrowser(t)
	field := csrfOf(t, b.get(e.link(token)))

	big := b.post(e.link(token), []string{"csrf", field, "cpr", cprWrong, "pad", strings.Repeat("x", web.MaxFormBytes)})
	wantStatus(t, big, http.StatusRequestEntityTooLarge)
	wantWellFormed(t, big, "da")

	multipart := b.do(http.MethodPost, e.link(token), "multipart/form-data; boundary=x", strings.NewReader("--x--\r\n"))
	wantStatus(t, multipart, http.StatusUnsupportedMediaType)

	json := b.do(http.MethodPost, e.link(token), "application/json", strings.NewReader(`{"cpr":"`+cprAnna+`"}`))
	wantStatus(t, json, http.StatusUnsupportedMediaType)

	put := b.do(http.MethodPut, e.link(token), "application/x-www-form-urlencoded", strings.NewReader("cpr="+cprAnna))
	wantStatus(t, put, http.StatusMethodNotAllowed)
	if allow := put.Header.Get("Allow"); allow != "GET, HEAD, POST" {
		t.Errorf("Allow %q", allow)
	}
	if got := e.user(u); got.Status != tilgang.StatusPendingActivation || got.Activation.FailedAttempts != 0 {
		t.Fatalf("a refused post changed the user: %s, %+v", got.Status, got.Activation)
	}
}

func TestLanguageChoice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, token := e.cprUser("anna@example.dk")
	for _, tt := range []struct {
		name, accept, query, want string
	}{
		{"no preference: the organisation's", "", "", "da"},
		{"English browser", "en-US,en;q=0.9", "", "en"},
		{"Danish browser", "da-DK,da;q=0.9,en;q=0.8", "", "da"},
		{"neither: the organisation's", "de-DE,fr;q=0.5", "", "da"},
		{"English preferred over Danish", "en;q=0.9,da;q=0.5", "", "en"},
		{"the switch wins", "en-US", "?lang=da", "da"},
		{"the switch wins the other way", "da", "?lang=en", "en"},
		{"an unknown switch is ignored", "en", "?lang=de", "en"},
		{"a malformed header", "!!!;q=x", "", "da"},
	} {
		b := newBrowser(t)
		var header []string
		if tt.accept != "" {
			header = []string{"Accept-Language", tt.accept}
		}
		p := b.get(e.link(token)+tt.query, header...)
		wantStatus(t, p, http.StatusOK)
		wantWellFormed(t, p, tt.want)
	}

	// The choice survives the post: the wrong answer and the redirect are
	// in English though the browser prefers Danish.
	b := newBrowser(t, "Accept-Language", "da")
	form := b.get(e.link(token) + "?lang=en")
	wrong := b.post(e.link(token), []string{"csrf", csrfOf(t, form), "lang", "en", "cpr", cprWrong})
	wantWellFormed(t, wrong, "en")
	wantContains(t, wrong, "The CPR number does not match the user")
	done := b.post(e.link(token), []string{"csrf", csrfOf(t, wrong), "lang", "en", "cpr", cprAnna})
	wantStatus(t, done, http.StatusSeeOther)
	if loc := done.Header.Get("Location"); loc != "/activate/done?lang=en" {
		t.Errorf("Location %q", loc)
	}
}
