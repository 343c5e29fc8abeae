package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
	"github.com/tilgang/tilgang/internal/web"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// The CPR numbers of the tests. They are made up; none is echoed or logged.
const (
	cprAnna  = "0101901234"
	cprWrong = "0202801234"
)

// env is the pages over the users and invitations services on a fresh
// table, with one organisation whose name needs escaping.
type env struct {
	t       *testing.T
	store   *store.Store
	users   *users.Service
	invites *invitations.Service
	srv     *httptest.Server
	org     *tilgang.Organisation
	logs    *testenv.Logs
	// adminToken is the organisation's admin token, with every admin role.
	adminToken string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := testenv.Store(t)
	svc := testenv.Users(t, st)
	logs := &testenv.Logs{}
	log := logs.Logger()
	e := &env{t: t, store: st, users: svc, invites: invitations.New(st, svc, testenv.Links(t), time.Now), logs: logs}
	e.srv = httptest.NewServer(web.New(svc, e.invites, log, web.Options{Key: testenv.CPRKey}))
	t.Cleanup(e.srv.Close)
	e.org = &tilgang.Organisation{Name: "Tømrer & Søn A/S", CVR: "11111111", IAL: 3, Language: "da"}
	creds, err := tenants.New(st).Provision(context.Background(), e.org)
	if err != nil {
		t.Fatal(err)
	}
	e.adminToken = creds.AdminToken
	t.Cleanup(func() {
		// Whatever a test typed, the log holds no CPR number.
		for _, n := range []string{cprAnna, cprWrong, "010190-1234", "020280-1234"} {
			if strings.Contains(logs.String(), n) {
				t.Errorf("the log holds a CPR number: %s", logs.String())
			}
		}
	})
	return e
}

// create makes a pending user through the users service, as the admin API
// does, and returns it with its link token and, for a date-of-birth user,
// its temporary code.
func (e *env) create(u *tilgang.User, cprNumber string) (*tilgang.User, string, string) {
	e.t.Helper()
	c, err := e.users.Create(context.Background(), tilgang.Actor{Name: "test", Source: "admin"}, e.org, users.NewRequest{
		User: u, CPR: cprNumber, Activate: true,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	token, err := e.users.ActivationToken(c.User)
	if err != nil || token == "" {
		e.t.Fatalf("activation token: %q, %v", token, err)
	}
	return c.User, token, c.ActivationCode
}

// cprUser makes a user who activates with cprAnna.
func (e *env) cprUser(email string) (*tilgang.User, string) {
	u, token, _ := e.create(&tilgang.User{FirstName: "Anna", LastName: "Hansen", Email: email}, cprAnna)
	return u, token
}

// codeUser makes a date-of-birth user, who activates with a code.
func (e *env) codeUser(email string) (*tilgang.User, string, string) {
	return e.create(&tilgang.User{FirstName: "Bo", LastName: "Berg", Email: email, DateOfBirth: "1985-03-04"}, "")
}

// user reads u as stored now.
func (e *env) user(u *tilgang.User) *tilgang.User {
	e.t.Helper()
	got, err := e.store.User(context.Background(), u.OrgID, u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// expire moves u's activation into the past, as 31 days of waiting would.
func (e *env) expire(u *tilgang.User) {
	e.t.Helper()
	old := e.user(u)
	next := old.Clone()
	next.Activation.IssuedAt = time.Now().Add(-31 * 24 * time.Hour)
	next.Activation.ExpiresAt = time.Now().Add(-24 * time.Hour)
	if err := e.store.UpdateUser(context.Background(), old, next, tilgang.Change{Activity: tilgang.Activity{Actor: "test", Source: "test", Action: "test.expired"}}); err != nil {
		e.t.Fatal(err)
	}
}

// link is the address of a token's activation page.
func (e *env) link(token string) string { return e.srv.URL + "/activate/" + token }

// browser is an HTTP client that keeps cookies, as a browser does, and
// does not follow redirects, so that tests see them.
type browser struct {
	t      *testing.T
	client *http.Client
	// header is sent with every request: name, value pairs.
	header []string
}

func newBrowser(t *testing.T, header ...string) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, header: header, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is an answer, read in full.
type page struct {
	*http.Response
	body string
}

func (b *browser) do(method, target, contentType string, body io.Reader, header ...string) page {
	b.t.Helper()
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	h := append(append([]string(nil), b.header...), header...)
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Set(h[i], h[i+1])
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{resp, string(raw)}
}

func (b *browser) get(target string, header ...string) page {
	b.t.Helper()
	return b.do(http.MethodGet, target, "", nil, header...)
}

// post sends form fields (name, value pairs) to target.
func (b *browser) post(target string, fields []string, header ...string) page {
	b.t.Helper()
	form := url.Values{}
	for i := 0; i+1 < len(fields); i += 2 {
		form.Add(fields[i], fields[i+1])
	}
	return b.do(http.MethodPost, target, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), header...)
}

// submit opens the form at link and posts it with the CSRF field it
// carries and fields.
func (b *browser) submit(link string, fields ...string) page {
	b.t.Helper()
	form := b.get(link)
	wantStatus(b.t, form, http.StatusOK)
	return b.post(link, append([]string{"csrf", csrfOf(b.t, form)}, fields...))
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf returns the CSRF field of the form on p.
func csrfOf(t *testing.T, p page) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF field on the page: %s", p.body)
	}
	return m[1]
}

func wantStatus(t *testing.T, p page, status int) {
	t.Helper()
	if p.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d; body:\n%s", p.Request.Method, p.Request.URL.Path, p.StatusCode, status, p.body)
	}
}

// wantContains fails t unless p's body holds every string.
func wantContains(t *testing.T, p page, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(p.body, w) {
			t.Errorf("%s %s: the page lacks %q; body:\n%s", p.Request.Method, p.Request.URL.Path, w, p.body)
		}
	}
}

// wantWellFormed checks what every page must have: a language, one h1, a
// title, the style sheet, no script, and no text key without a text.
func wantWellFormed(t *testing.T, p page, lang string) {
	t.Helper()
	checks := []struct {
		ok   bool
		what string
	}{
		{strings.Contains(p.body, `<html lang="`+lang+`">`), "html lang=" + lang},
		{strings.Count(p.body, "<h1") == 1, "exactly one h1"},
		{regexp.MustCompile(`<title>[^<]+</title>`).MatchString(p.body), "a title"},
		{strings.Contains(p.body, `<link rel="stylesheet" href="/assets/site.css?v=`), "the style sheet"},
		{!strings.Contains(strings.ToLower(p.body), "<script"), "no script"},
		{!regexp.MustCompile(`\[[a-z]+\.[a-z_.0-9]+\]`).MatchString(p.body), "no missing text"},
		{!strings.Contains(p.body, "%!"), "no text formatted with the wrong arguments"},
		{strings.HasPrefix(p.Header.Get("Content-Type"), "text/html; charset=utf-8"), "an HTML content type"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s %s: want %s; body:\n%s", p.Request.Method, p.Request.URL.Path, c.what, p.body)
		}
	}
}

// linkToken makes a well-formed link token of the organisation under test
// for any id and nonce, as a guesser with the key would.
func (e *env) linkToken(kind secret.LinkKind, id, nonce string) string {
	e.t.Helper()
	tok, err := testenv.Links(e.t).Token(secret.Link{Kind: kind, OrgID: e.org.ID, ID: id, Nonce: nonce})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}
