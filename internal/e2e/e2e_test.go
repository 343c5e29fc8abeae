// Package e2e_test runs the product's flows end to end in one process, the
// way make dev wires it: the admin API and the pages on one HTTP server,
// the mailer fed by the table's stream, mail read back from the SES v2
// emulator, all against the local stack.
package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/app"
	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// world is one running product with one organisation.
type world struct {
	t     *testing.T
	app   *app.App
	base  string // the server's URL: /admin/v1 and the pages
	org   *tilgang.Organisation
	creds tenants.Credentials
}

func newWorld(t *testing.T, org *tilgang.Organisation) *world {
	t.Helper()
	_, table := testenv.Table(t)
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	base := "http://" + srv.Listener.Addr().String()
	cfg := config.Config{TableName: table, CPRKey: testenv.CPRKey, PublicBaseURL: base, MailFrom: "noreply@tilgang.example"}
	a, err := app.Build(cfg, testenv.AWS(t), app.NewLogger(io.Discard, slog.LevelInfo))
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/admin/v1/", a.AdminHandler())
	mux.Handle("/scim/v2/", a.SCIMHandler())
	mux.Handle("/", a.WebHandler())
	srv.Start()
	t.Cleanup(srv.Close)

	testenv.FeedOutbox(t, a.AWS, table, a.Mailer().Handle)

	creds, err := a.Tenants.Provision(context.Background(), org)
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, app: a, base: base, org: org, creds: creds}
}

// admin calls the admin API and decodes the answer into out (if not nil).
func (w *world) admin(method, path string, body any, out any) int {
	w.t.Helper()
	resp, b := testenv.Request(w.t, method, w.base+"/admin/v1"+path, w.creds.AdminToken, "application/json", body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			w.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	if resp.StatusCode >= 300 {
		w.t.Logf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode
}

// mailsTo waits until the SES emulator holds n messages to addr and
// returns them, oldest first.
func mailsTo(t *testing.T, addr string, n int) []testenv.SentMail {
	t.Helper()
	for {
		got := testenv.MailTo(t, addr)
		if len(got) >= n {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// link finds the first link to the pages under prefix in a mail's text.
func (w *world) link(m testenv.SentMail, prefix string) string {
	w.t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(w.base+prefix) + `[A-Za-z0-9_-]+`)
	l := re.FindString(m.Body.Text)
	if l == "" {
		w.t.Fatalf("no %s link in mail %q:\n%s", prefix, m.Subject, m.Body.Text)
	}
	return l
}

// browser is a person's browser without JavaScript: a cookie jar and forms.
type browser struct {
	t      *testing.T
	client *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}}
}

// page is an answer to the browser.
type page struct {
	status int
	url    string
	body   string
}

func (b *browser) get(u string) page {
	b.t.Helper()
	resp, err := b.client.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	return read(b.t, resp)
}

// submit posts the page's form with its hidden fields and fields.
func (b *browser) submit(p page, fields url.Values) page {
	b.t.Helper()
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(p.body, -1) {
		form.Set(m[1], htmlUnescape(m[2]))
	}
	if form.Get("csrf") == "" {
		b.t.Fatalf("no form with a CSRF field on %s:\n%s", p.url, p.body)
	}
	for k, v := range fields {
		form[k] = v
	}
	req, _ := http.NewRequest("POST", p.url, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", originOf(p.url))
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	return read(b.t, resp)
}

func read(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{status: resp.StatusCode, url: resp.Request.URL.String(), body: string(body)}
}

func originOf(u string) string {
	p, _ := url.Parse(u)
	return p.Scheme + "://" + p.Host
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

// wantPage fails unless p has status and contains every text.
func wantPage(t *testing.T, p page, status int, texts ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: status %d, want %d:\n%s", p.url, p.status, status, p.body)
	}
	for _, s := range texts {
		if !strings.Contains(p.body, s) {
			t.Fatalf("%s: no %q in:\n%s", p.url, s, p.body)
		}
	}
}

func uniqueEmail(t *testing.T, name string) string {
	return fmt.Sprintf("%s.%d@e2e.example", name, time.Now().UnixNano())
}
