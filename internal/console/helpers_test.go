package console_test

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/tilgang/tilgang/internal/console"
	"github.com/tilgang/tilgang/internal/groups"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/passkeys"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is the console over the real services on a fresh table, with one
// organisation and its company-admin, whose clock the test moves.
type env struct {
	t       *testing.T
	store   *store.Store
	users   *users.Service
	tenants *tenants.Service
	clock   *testenv.Clock
	srv     *httptest.Server
	org     *tilgang.Organisation
	admin   *tilgang.User // company-admin, user-admin and rights-admin
	logs    *testenv.Logs
	run     string // tells this test's addresses apart in the shared SES emulator
	base    string // the console's origin, http://localhost:port
	// The invitation and import pages' parts (flows_test.go).
	invitations *invitations.Service
	table       string
	s3          *s3.Client
	bucket      string
}

func newEnv(t *testing.T) *env { t.Helper(); return newEnvWith(t, nil) }

// newEnvWith is newEnv whose console has the deps change makes (nil: none).
func newEnvWith(t *testing.T, change func(*console.Deps)) *env {
	t.Helper()
	db, table := testenv.Table(t)
	st := store.New(db, table)
	clock := testenv.NewClock(time.Now())
	e := &env{t: t, store: st, clock: clock, users: testenv.Users(t, st, users.WithClock(clock.Now)), tenants: tenants.New(st),
		logs: &testenv.Logs{}, run: strings.ToLower(rand.Text()[:10])}
	e.srv = httptest.NewUnstartedServer(nil)
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	// localhost, not 127.0.0.1: a passkey's relying party is a host name.
	e.base = strings.Replace(e.srv.URL, "127.0.0.1", "localhost", 1)
	e.s3, e.bucket = testenv.Bucket(t)
	e.table = table
	e.invitations = invitations.New(st, e.users, testenv.Links(t), clock.Now)
	deps := console.Deps{Users: e.users, Tenants: e.tenants, Store: st, Mail: sesv2.NewFromConfig(testenv.AWS(t)),
		Invitations: e.invitations, Imports: imports.New(st).WithBucket(imports.NewSignedBucket(imports.EndpointOf(e.s3.Options()), e.bucket)), Groups: groups.New(st, e.users), Activity: e.users}
	if change != nil {
		change(&deps)
	}
	c := console.New(deps, e.logs.Logger(),
		console.Options{Key: testenv.CPRKey, BaseURL: e.base + "/console/", SCIMBaseURL: e.base + "/scim/v2",
			MailFrom: "noreply@tilgang.test", Now: clock.Now})
	// The passkey ceremonies are a function of their own behind the same
	// origin, as API Gateway routes them.
	pk := passkeys.New(passkeys.Deps{Users: deps.Users, Tenants: deps.Tenants, Store: st}, e.logs.Logger(),
		passkeys.Options{Key: testenv.CPRKey, BaseURL: e.base + "/console/", Now: clock.Now})
	mux := http.NewServeMux()
	mux.Handle("/", c)
	for _, p := range passkeys.Patterns() {
		mux.Handle(p, pk)
	}
	e.srv.Config.Handler = mux
	e.org = e.newOrg("Tømrer & Søn A/S")
	e.admin = e.person(e.org, "admin", tilgang.RoleCompanyAdmin, tilgang.RoleUserAdmin, tilgang.RoleRightsAdmin)
	t.Cleanup(func() {
		for _, n := range []string{"0101901234", "010190-1234"} {
			if strings.Contains(e.logs.String(), n) {
				t.Errorf("the log holds a CPR number")
			}
		}
	})
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

// address is a fresh address of this test.
func (e *env) address(name string) string { return name + "." + e.run + "@example.dk" }

// person creates a user of org with the roles, who may sign in.
func (e *env) person(org *tilgang.Organisation, name string, roles ...string) *tilgang.User {
	e.t.Helper()
	u := &tilgang.User{FirstName: strings.ToUpper(name[:1]) + name[1:], LastName: "Admin", Email: e.address(name + "." + org.ID[:8]), DateOfBirth: "1980-01-01"}
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

// ordinary creates a user without an admin role.
func (e *env) ordinary(name string) *tilgang.User {
	e.t.Helper()
	c, err := e.users.Create(context.Background(), tilgang.Actor{Name: "test", Source: "admin", Roles: tilgang.AdminRoles}, e.org,
		users.NewRequest{User: &tilgang.User{FirstName: name, LastName: "Berg", Email: e.address(name), DateOfBirth: "1985-03-04"}, Profile: users.AdminProfile})
	if err != nil {
		e.t.Fatal(err)
	}
	return c.User
}

func (e *env) url(path string) string { return e.srv.URL + path }

// browser keeps cookies and does not follow redirects.
type browser struct {
	e      *env
	client *http.Client
}

func (e *env) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &browser{e: e, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status   int
	body     string
	location string
}

func (b *browser) get(path string) page {
	b.e.t.Helper()
	return b.do("GET", path, nil)
}

func (b *browser) post(path string, form url.Values) page {
	b.e.t.Helper()
	return b.do("POST", path, form)
}

func (b *browser) do(method, path string, form url.Values) page {
	b.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.e.url(path), body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", "en")
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(raw), location: resp.Header.Get("Location")}
}

var csrfPattern = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the CSRF field of a page's first form.
func (p page) csrf(t *testing.T) string {
	t.Helper()
	m := csrfPattern.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no csrf field on the page (%d):\n%s", p.status, p.body)
	}
	return m[1]
}

var linkPattern = regexp.MustCompile(`https?://\S+/console/signin/[A-Z2-7]+`)

// requestLink asks for a sign-in link for the address and returns how many
// mails the address had before.
func (b *browser) requestLink(address string) page {
	b.e.t.Helper()
	form := b.get("/console/signin")
	return b.post("/console/signin", url.Values{"csrf": {form.csrf(b.e.t)}, "email": {address}})
}

// lastLink reads the newest sign-in link mailed to address.
func (e *env) lastLink(address string) string {
	e.t.Helper()
	mails := testenv.MailTo(e.t, address)
	if len(mails) == 0 {
		e.t.Fatalf("no mail to %s", address)
	}
	m := linkPattern.FindString(mails[len(mails)-1].Body.Text)
	if m == "" {
		e.t.Fatalf("no sign-in link in %q", mails[len(mails)-1].Body.Text)
	}
	u, err := url.Parse(m)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.Path
}

// spend opens the link's page and presses its button.
func (b *browser) spend(path string) page {
	b.e.t.Helper()
	p := b.get(path)
	if p.status != http.StatusOK {
		b.e.t.Fatalf("link page %d", p.status)
	}
	return b.post(path, url.Values{"csrf": {p.csrf(b.e.t)}})
}

// signIn signs u in with a mailed link.
func (b *browser) signIn(u *tilgang.User) {
	b.e.t.Helper()
	b.requestLink(u.Email)
	p := b.spend(b.e.lastLink(u.Email))
	if p.status != http.StatusSeeOther {
		b.e.t.Fatalf("spending the link: %d %s", p.status, p.body)
	}
}

// signedIn signs in a new browser as u.
func (e *env) signedIn(u *tilgang.User) *browser {
	e.t.Helper()
	b := e.browser()
	b.signIn(u)
	return b
}

// sessionCookie is the browser's session cookie value.
func (b *browser) sessionCookie() string {
	u, _ := url.Parse(b.e.srv.URL + "/console/")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "console_session" {
			return c.Value
		}
	}
	return ""
}
