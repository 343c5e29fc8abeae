package passkeys_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/passkeys"
	"github.com/tilgang/tilgang/internal/passkeys/passkeytest"
	"github.com/tilgang/tilgang/internal/session"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is the ceremonies over the real services on a fresh table, with one
// organisation and its company-admin. Sessions start as the console's
// link sign-in starts them, through package session with the same key.
type env struct {
	t        *testing.T
	store    *store.Store
	users    *users.Service
	tenants  *tenants.Service
	sessions *session.Sessions
	clock    *testenv.Clock
	logs     *testenv.Logs
	srv      *httptest.Server
	base     string // http://localhost:port, the relying party's origin
	org      *tilgang.Organisation
	admin    *tilgang.User
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := testenv.Store(t)
	e := &env{t: t, store: st, tenants: tenants.New(st), clock: testenv.NewClock(time.Now()), logs: &testenv.Logs{}}
	e.users = testenv.Users(t, st, users.WithClock(e.clock.Now))
	e.srv = httptest.NewUnstartedServer(nil)
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	// localhost, not 127.0.0.1: a passkey's relying party is a host name.
	e.base = strings.Replace(e.srv.URL, "127.0.0.1", "localhost", 1)
	opts := session.Options{Key: testenv.CPRKey, BaseURL: e.base + "/console/", Now: e.clock.Now}
	e.sessions = session.New(st, e.tenants, e.users, e.logs.Logger(), opts)
	e.srv.Config.Handler = passkeys.New(passkeys.Deps{Users: e.users, Tenants: e.tenants, Store: st}, e.logs.Logger(),
		passkeys.Options{Key: opts.Key, BaseURL: opts.BaseURL, Now: opts.Now})
	e.org = e.newOrg("Tømrer & Søn A/S")
	e.admin = e.person(e.org, "admin", tilgang.RoleCompanyAdmin)
	return e
}

func (e *env) newOrg(name string) *tilgang.Organisation {
	e.t.Helper()
	o := &tilgang.Organisation{Name: name, CVR: "11111111", IAL: 3, Language: "da",
		PNumbers: []string{"1012345678"}, SENumbers: []string{"12345678"}}
	if _, err := e.tenants.Provision(context.Background(), o); err != nil {
		e.t.Fatal(err)
	}
	return o
}

func (e *env) person(org *tilgang.Organisation, name string, roles ...string) *tilgang.User {
	e.t.Helper()
	u := &tilgang.User{FirstName: name, LastName: "Admin", Email: name + "." + strings.ToLower(rand.Text()[:8]) + "@example.dk", DateOfBirth: "1980-01-01"}
	for _, r := range roles {
		u.Roles = append(u.Roles, tilgang.Role{Role: r})
	}
	c, err := e.users.Create(context.Background(), tilgang.Actor{Name: "test", Source: "admin", Roles: tilgang.AdminRoles}, org,
		users.NewRequest{User: u, Profile: users.AdminProfile})
	if err != nil {
		e.t.Fatal(err)
	}
	return c.User
}

// browser keeps cookies, sends what the console's script sends and
// follows no redirect.
type browser struct {
	e      *env
	client *http.Client
	csrf   string // the session's CSRF value, or the pre-session one
}

func (e *env) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &browser{e: e, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// keep puts the cookies an answer of package session set into the jar,
// as the console's pages would have.
func (b *browser) keep(rec *httptest.ResponseRecorder) {
	u, _ := url.Parse(b.e.srv.URL + "/console/")
	b.client.Jar.SetCookies(u, rec.Result().Cookies())
}

// signedIn is a browser with a session of u started with a mailed link.
func (e *env) signedIn(u *tilgang.User) *browser {
	e.t.Helper()
	b := e.browser()
	rec := httptest.NewRecorder()
	if err := e.sessions.Start(e.t.Context(), rec, httptest.NewRequest("POST", "/console/signin/x", nil),
		tilgang.SignInRef{OrgID: u.OrgID, UserID: u.ID}, false); err != nil {
		e.t.Fatal(err)
	}
	b.keep(rec)
	s := b.session()
	if s == nil {
		e.t.Fatal("no session after sign-in")
	}
	b.csrf = s.CSRF
	return b
}

// signInPage is a browser that opened the sign-in page: it holds the
// pre-session cookie and its CSRF value.
func (e *env) signInPage() *browser {
	b := e.browser()
	rec := httptest.NewRecorder()
	b.csrf = e.sessions.PreIssue(rec, httptest.NewRequest("GET", "/console/signin", nil))
	b.keep(rec)
	return b
}

// session is the browser's session as stored, or nil.
func (b *browser) session() *tilgang.Session {
	b.e.t.Helper()
	u, _ := url.Parse(b.e.srv.URL + "/console/")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "console_session" {
			s, err := b.e.store.Session(b.e.t.Context(), session.HashID(c.Value))
			if err != nil {
				return nil
			}
			return s
		}
	}
	return nil
}

type answer struct {
	status   int
	body     []byte
	location string
}

// next is the "next" of a finish endpoint's answer.
func (a answer) next(t *testing.T) string {
	t.Helper()
	var v struct{ Next string }
	if err := json.Unmarshal(a.body, &v); err != nil || v.Next == "" {
		t.Fatalf("answer %d %s has no next", a.status, a.body)
	}
	return v.Next
}

// post sends body as JSON with the browser's CSRF value in the header,
// as assets/passkey.js does.
func (b *browser) post(path string, body any, headers ...string) answer {
	b.e.t.Helper()
	raw := []byte("{}")
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			b.e.t.Fatal(err)
		}
	}
	req, err := http.NewRequest("POST", b.e.srv.URL+path, bytes.NewReader(raw))
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "en")
	req.Header.Set(session.CSRFHeader, b.csrf)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: got, location: resp.Header.Get("Location")}
}

// register registers a new passkey for the browser's person.
func (b *browser) register() *passkeytest.Authenticator {
	b.e.t.Helper()
	a := passkeytest.New(b.e.t, "localhost", b.e.base)
	begin := b.post("/console/passkeys/register/begin", nil)
	if begin.status != http.StatusOK {
		b.e.t.Fatalf("register/begin: %d %s", begin.status, begin.body)
	}
	finish := b.post("/console/passkeys/register/finish", a.Create(b.e.t, begin.body))
	if finish.status != http.StatusOK || finish.next(b.e.t) != "/console/passkeys?done=registered" {
		b.e.t.Fatalf("register/finish: %d %s", finish.status, finish.body)
	}
	return a
}

// signIn runs the sign-in ceremony with a, presenting user as the user
// handle (nil: a's own), and returns the finish answer.
func (b *browser) signIn(a *passkeytest.Authenticator, user []byte, next string) answer {
	b.e.t.Helper()
	begin := b.post("/console/passkeys/signin/begin", nil)
	if begin.status != http.StatusOK {
		b.e.t.Fatalf("signin/begin: %d %s", begin.status, begin.body)
	}
	return b.post("/console/passkeys/signin/finish?next="+url.QueryEscape(next), a.Get(b.e.t, begin.body, user))
}
