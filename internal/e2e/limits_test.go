package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/tilgang/tilgang/internal/app"
	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// The limits of SPEC §14 as make dev and Lambda wire them: rate limits per
// organisation and per source on SCIM, the admin API and the pages, the
// organisations' mail budget, and the bound on what a SCIM filter reads.

// limited is the product with limits, and two organisations.
type limited struct {
	app        *app.App
	base       string
	orgA, orgB *tilgang.Organisation
	a, b       tenants.Credentials
}

func newLimited(t *testing.T, limits config.Limits) *limited {
	t.Helper()
	_, table := testenv.Table(t)
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	base := "http://" + srv.Listener.Addr().String()
	cfg := config.Config{TableName: table, CPRKey: testenv.CPRKey, PublicBaseURL: base, MailFrom: "noreply@tilgang.example", Limits: limits}
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
	l := &limited{app: a, base: base,
		orgA: &tilgang.Organisation{Name: "Limits A ApS", IAL: 3}, orgB: &tilgang.Organisation{Name: "Limits B ApS", IAL: 3}}
	if l.a, err = a.Tenants.Provision(context.Background(), l.orgA); err != nil {
		t.Fatal(err)
	}
	if l.b, err = a.Tenants.Provision(context.Background(), l.orgB); err != nil {
		t.Fatal(err)
	}
	return l
}

// oneWindow waits, when the current minute is nearly over, for the next:
// the limits count in windows of a wall-clock minute, and a burst must
// fall into one.
func oneWindow(t *testing.T) {
	t.Helper()
	if left := time.Until(time.Now().Truncate(time.Minute).Add(time.Minute)); left < 8*time.Second {
		time.Sleep(left + 100*time.Millisecond)
	}
}

// wantRetryAfter checks a 429's Retry-After: whole seconds, within the
// minute's window.
func wantRetryAfter(t *testing.T, resp *http.Response) {
	t.Helper()
	s, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || s < 1 || s > 60 {
		t.Errorf("Retry-After = %q, want whole seconds between 1 and 60", resp.Header.Get("Retry-After"))
	}
}

// burst GETs url with token limit times, each answered 200, and once more,
// which must be refused with 429 and a Retry-After; it returns that answer.
func burst(t *testing.T, url, token string, limit int) (*http.Response, []byte) {
	t.Helper()
	for i := range limit {
		if resp, body := testenv.Request(t, "GET", url, token, "", nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d of %d: %d %s", i+1, limit, resp.StatusCode, body)
		}
	}
	resp, body := testenv.Request(t, "GET", url, token, "", nil)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("request %d: %d %s, want 429", limit+1, resp.StatusCode, body)
	}
	wantRetryAfter(t, resp)
	return resp, body
}

func TestSCIMBurstIsLimitedPerOrganisation(t *testing.T) {
	t.Parallel()
	const perMinute = 5
	l := newLimited(t, config.Limits{OrgPerMinute: perMinute, SourcePerMinute: 1000})
	oneWindow(t)
	users := l.base + "/scim/v2/Users?count=1"
	resp, body := burst(t, users, l.a.SCIMToken, perMinute)
	if ct := resp.Header.Get("Content-Type"); ct != "application/scim+json" {
		t.Errorf("Content-Type = %q, want application/scim+json", ct)
	}
	var e struct {
		Schemas  []string `json:"schemas"`
		Status   string   `json:"status"`
		ScimType string   `json:"scimType"`
		Detail   string   `json:"detail"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("429 body is not JSON: %v: %s", err, body)
	}
	if len(e.Schemas) != 1 || e.Schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" || e.Status != "429" || e.ScimType != "" ||
		!strings.Contains(e.Detail, "organisation") {
		t.Errorf("429 body = %s, want a SCIM error with status \"429\", no scimType, and a detail naming the organisation", body)
	}
	// Another organisation, from the same source, is not held back by the
	// first one's burst.
	if resp, body := testenv.Request(t, "GET", users, l.b.SCIMToken, "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("the other organisation after the burst: %d %s, want 200", resp.StatusCode, body)
	}
}

func TestAdminBurstIsLimitedPerOrganisation(t *testing.T) {
	t.Parallel()
	const perMinute = 5
	l := newLimited(t, config.Limits{OrgPerMinute: perMinute, SourcePerMinute: 1000})
	oneWindow(t)
	org := l.base + "/admin/v1/organisation"
	resp, body := burst(t, org, l.a.AdminToken, perMinute)
	wantProblem(t, resp, body, "rate.limited")
	if resp, body := testenv.Request(t, "GET", org, l.b.AdminToken, "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("the other organisation after the burst: %d %s, want 200", resp.StatusCode, body)
	}
}

func wantProblem(t *testing.T, resp *http.Response, body []byte, code string) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var p struct {
		Status int    `json:"status"`
		Code   string `json:"code"`
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Status != resp.StatusCode || p.Code != code || p.Detail == "" {
		t.Errorf("problem = %s (%v), want status %d, code %s and a detail", body, err, resp.StatusCode, code)
	}
}

// TestSourceLimitComesBeforeTheToken: a client guessing tokens (or
// spreading its requests over organisations) is held back by its source.
func TestSourceLimitComesBeforeTheToken(t *testing.T) {
	t.Parallel()
	const perMinute = 4
	l := newLimited(t, config.Limits{OrgPerMinute: 1000, SourcePerMinute: perMinute})
	oneWindow(t)
	for i := range perMinute {
		resp, body := testenv.Request(t, "GET", l.base+"/admin/v1/organisation", "guess-"+strconv.Itoa(i), "", nil)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %s, want 401", i+1, resp.StatusCode, body)
		}
	}
	resp, body := testenv.Request(t, "GET", l.base+"/admin/v1/organisation", l.a.AdminToken, "", nil)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after %d guesses from the source, a good token: %d %s, want 429", perMinute, resp.StatusCode, body)
	}
	wantRetryAfter(t, resp)
	wantProblem(t, resp, body, "rate.limited")
	// Each door counts its own requests.
	if resp, body := testenv.Request(t, "GET", l.base+"/scim/v2/Users?count=1", l.a.SCIMToken, "", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("SCIM from the same source: %d %s, want 200", resp.StatusCode, body)
	}
}

// TestPagesAreLimitedPerSource: the pages answer a burst from one source
// with a small page, 429 and Retry-After.
func TestPagesAreLimitedPerSource(t *testing.T) {
	t.Parallel()
	const perMinute = 3
	l := newLimited(t, config.Limits{OrgPerMinute: 1000, SourcePerMinute: perMinute})
	oneWindow(t)
	link := l.base + "/activate/not-a-real-link"
	for i := range perMinute {
		if resp, body := testenv.Request(t, "GET", link, "", "", nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("request %d: %d %s, want 404", i+1, resp.StatusCode, body)
		}
	}
	resp, body := testenv.Request(t, "GET", link, "", "", nil, "Accept-Language", "en")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("request %d: %d, want 429", perMinute+1, resp.StatusCode)
	}
	wantRetryAfter(t, resp)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(string(body), "Too many requests") {
		t.Errorf("429 page: Content-Type %q, body %s; want HTML that says too many requests", ct, body)
	}
	if resp.Header.Get("Content-Security-Policy") == "" {
		t.Error("the 429 page lacks the pages' security headers")
	}
}

// TestPagesAreLimitedPerOrganisation: opening an organisation's links
// counts against it, whatever the source.
func TestPagesAreLimitedPerOrganisation(t *testing.T) {
	t.Parallel()
	const perMinute = 3
	l := newLimited(t, config.Limits{OrgPerMinute: perMinute, SourcePerMinute: 1000, MailPerDay: 100})
	oneWindow(t)
	// Opening a link is a page request; the admin API's own requests
	// count for the admin door, not the pages.
	resp, body := testenv.Request(t, "POST", l.base+"/admin/v1/invitations", l.a.AdminToken, "application/json",
		map[string]any{"emails": []string{"limits-page@example.dk"}, "role": "user-admin", "inviter": "Jens"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("invite: %d %s", resp.StatusCode, body)
	}
	link := inviteLink(t, l.base, "limits-page@example.dk")
	for i := range perMinute {
		if resp, body := testenv.Request(t, "GET", link, "", "", nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("open %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
	if resp, _ := testenv.Request(t, "GET", link, "", "", nil); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("open %d: %d, want 429", perMinute+1, resp.StatusCode)
	} else {
		wantRetryAfter(t, resp)
	}
}

// inviteLink waits for the invitation mail to addr and returns its link.
func inviteLink(t *testing.T, base, addr string) string {
	t.Helper()
	w := &world{t: t, base: base}
	return w.link(mailsToSoon(t, addr, 1)[0], "/invitations/")
}

// mailsToSoon is mailsTo with a deadline.
func mailsToSoon(t *testing.T, addr string, n int) []testenv.SentMail {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := testenv.MailTo(t, addr)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d mails to %s after 20 s, want %d", len(got), addr, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSourceIsAPIGatewaysSourceIP drives the SCIM handler as Lambda does
// (httpadapter.NewV2): the source is requestContext.http.sourceIp, which
// API Gateway takes from the connection; X-Forwarded-For, which the client
// writes, changes nothing.
func TestSourceIsAPIGatewaysSourceIP(t *testing.T) {
	t.Parallel()
	const perMinute = 3
	l := newLimited(t, config.Limits{OrgPerMinute: 1000, SourcePerMinute: perMinute})
	proxy := httpadapter.NewV2(l.app.SCIMHandler())
	call := func(sourceIP, forwarded string) int {
		t.Helper()
		resp, err := proxy.ProxyWithContext(context.Background(), events.APIGatewayV2HTTPRequest{
			Version: "2.0", RouteKey: "$default", RawPath: "/scim/v2/Users", RawQueryString: "count=1",
			Headers: map[string]string{"authorization": "Bearer " + l.a.SCIMToken, "x-forwarded-for": forwarded, "host": "api.example"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				Stage: "$default", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/scim/v2/Users", SourceIP: sourceIP},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	oneWindow(t)
	for i := range perMinute {
		if got := call("203.0.113.7", fmt.Sprintf("198.51.100.%d", i)); got != http.StatusOK {
			t.Fatalf("request %d: %d, want 200", i+1, got)
		}
	}
	if got := call("203.0.113.7", "198.51.100.99"); got != http.StatusTooManyRequests {
		t.Errorf("request %d from the same source IP, another X-Forwarded-For: %d, want 429", perMinute+1, got)
	}
	if got := call("203.0.113.8", "203.0.113.7"); got != http.StatusOK {
		t.Errorf("another source IP: %d, want 200", got)
	}
	// An IPv6 client counts by its /64, not by each address in it.
	for i := range perMinute {
		if got := call(fmt.Sprintf("2001:db8:1:2::%x", i+1), ""); got != http.StatusOK {
			t.Fatalf("IPv6 request %d: %d, want 200", i+1, got)
		}
	}
	if got := call("2001:db8:1:2:ffff::1", ""); got != http.StatusTooManyRequests {
		t.Errorf("IPv6 request %d from the same /64: %d, want 429", perMinute+1, got)
	}
}

// TestMailBudgetRefusesTheNextInvite: beyond its budget an organisation's
// sending action answers 429 and sends nothing; other organisations keep
// theirs.
func TestMailBudgetRefusesTheNextInvite(t *testing.T) {
	t.Parallel()
	const budget = 3
	l := newLimited(t, config.Limits{OrgPerMinute: 1000, SourcePerMinute: 1000, MailPerDay: budget})
	invite := func(token string, emails ...string) (*http.Response, []byte) {
		return testenv.Request(t, "POST", l.base+"/admin/v1/invitations", token, "application/json",
			map[string]any{"emails": emails, "role": "user-admin", "inviter": "Jens"})
	}
	suffix := strings.ToLower(l.orgA.ID[:8])
	addr := func(i int) string { return fmt.Sprintf("budget-%s-%d@example.dk", suffix, i) }
	for i := range budget {
		if resp, body := invite(l.a.AdminToken, addr(i)); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"ok":true`) {
			t.Fatalf("invite %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
	resp, body := invite(l.a.AdminToken, addr(budget))
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("invite %d: %d %s, want 429", budget+1, resp.StatusCode, body)
	}
	wantProblem(t, resp, body, "mail.budget_spent")
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 || s > 24*3600 {
		t.Errorf("Retry-After = %q, want the seconds until the day ends", resp.Header.Get("Retry-After"))
	}
	// Nothing was sent or stored for the refused address.
	var list struct {
		Items []struct{ Email string } `json:"items"`
	}
	resp, body = testenv.Request(t, "GET", l.base+"/admin/v1/invitations", l.a.AdminToken, "", nil)
	if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	if len(list.Items) != budget {
		t.Errorf("%d invitations after the refusal, want %d: %s", len(list.Items), budget, body)
	}
	mailsToSoon(t, addr(budget-1), 1) // the mailer has caught up with the last one sent
	if got := testenv.MailTo(t, addr(budget)); len(got) != 0 {
		t.Errorf("%d mails to the refused address, want none", len(got))
	}
	// Resends and bulk activation spend the same budget.
	resp, body = testenv.Request(t, "POST", l.base+"/admin/v1/users/activate", l.a.AdminToken, "application/json",
		map[string]any{"userIds": []string{"0b6f7c1e-5d2a-4c3b-9e8f-000000000001"}})
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("bulk activation beyond the budget: %d %s, want 429", resp.StatusCode, body)
	}
	// Another organisation has its own budget.
	if resp, body := invite(l.b.AdminToken, "budget-other-"+suffix+"@example.dk"); resp.StatusCode != http.StatusOK {
		t.Errorf("the other organisation's invite: %d %s, want 200", resp.StatusCode, body)
	}
}

// TestMailBudgetTakesAllOrNothing: an action that asks for more mails than
// are left sends none, and mails an action did not send go back.
func TestMailBudgetTakesAllOrNothing(t *testing.T) {
	t.Parallel()
	const budget = 3
	l := newLimited(t, config.Limits{OrgPerMinute: 1000, SourcePerMinute: 1000, MailPerDay: budget})
	suffix := strings.ToLower(l.orgA.ID[:8])
	invite := func(emails ...string) (*http.Response, []byte) {
		return testenv.Request(t, "POST", l.base+"/admin/v1/invitations", l.a.AdminToken, "application/json",
			map[string]any{"emails": emails, "role": "user-admin", "inviter": "Jens"})
	}
	// Two good addresses and one that is no address: two mails are spent.
	resp, body := invite("all-"+suffix+"-1@example.dk", "all-"+suffix+"-2@example.dk", "not an address")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("invite: %d %s", resp.StatusCode, body)
	}
	// Two more than are left: refused whole.
	resp, body = invite("all-"+suffix+"-3@example.dk", "all-"+suffix+"-4@example.dk")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("two invites with one mail left: %d %s, want 429", resp.StatusCode, body)
	}
	// The one left is there.
	if resp, body := invite("all-" + suffix + "-5@example.dk"); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"ok":true`) {
		t.Errorf("the last mail of the budget: %d %s, want 200", resp.StatusCode, body)
	}
}

// TestSCIMFilterReadIsBounded: a filter that is no key look-up, or a sort,
// reads the whole organisation; beyond the configured bound it answers
// 400 tooMany instead. Key look-ups and the unfiltered list still answer.
func TestSCIMFilterReadIsBounded(t *testing.T) {
	t.Parallel()
	const bound = 50
	l := newLimited(t, config.Limits{SCIMFilterMaxUsers: bound})
	db, table := l.app.DB, l.app.Config.TableName
	testenv.SeedUsers(t, db, table, l.orgA.ID, bound+10)
	testenv.SeedUsers(t, db, table, l.orgB.ID, bound)
	get := func(token, query string) (*http.Response, []byte) {
		return testenv.Request(t, "GET", l.base+"/scim/v2/Users?"+query, token, "", nil)
	}
	tooMany := map[string]string{
		"non-key filter": "filter=" + url.QueryEscape(`name.givenName eq "Anna"`),
		"contains":       "filter=" + url.QueryEscape(`userName co "user"`),
		"sort":           "sortBy=name.familyName",
	}
	for name, q := range tooMany {
		resp, body := get(l.a.SCIMToken, q)
		var e struct {
			Status, ScimType, Detail string
		}
		_ = json.Unmarshal(body, &e)
		if resp.StatusCode != http.StatusBadRequest || e.ScimType != "tooMany" || !strings.Contains(e.Detail, strconv.Itoa(bound)) {
			t.Errorf("%s over %d users: %d %s, want 400 tooMany naming the bound", name, bound+10, resp.StatusCode, body)
		}
	}
	ok := map[string]string{
		"userName eq":    "filter=" + url.QueryEscape(`userName eq "user0000003@example.dk"`),
		"unfiltered":     "count=100",
		"a later page":   "startIndex=41&count=30",
		"externalId eq ": "filter=" + url.QueryEscape(`externalId eq "nobody"`),
	}
	for name, q := range ok {
		if resp, body := get(l.a.SCIMToken, q); resp.StatusCode != http.StatusOK {
			t.Errorf("%s over %d users: %d %s, want 200", name, bound+10, resp.StatusCode, body)
		}
	}
	// At the bound, the filter reads and answers.
	resp, body := get(l.b.SCIMToken, tooMany["non-key filter"])
	var list struct{ TotalResults int }
	if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != http.StatusOK || list.TotalResults != bound {
		t.Errorf("non-key filter over %d users: %d %s, want 200 with all of them", bound, resp.StatusCode, body)
	}
}
