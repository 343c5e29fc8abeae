package e2e_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tilgang/tilgang/internal/app"
	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/faults"
	"github.com/tilgang/tilgang/internal/localstack"
	"github.com/tilgang/tilgang/internal/mail"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// faultyWorld is the product with a fault-injecting proxy in front of
// DynamoDB and one in front of SES, and a stream that gives up on a batch
// after two retries, as the mailer's event source mapping does (after
// more).
type faultyWorld struct {
	t      *testing.T
	app    *app.App
	base   string
	dynamo *faults.Proxy
	ses    *faults.Proxy
	suffix string // makes this run's addresses unique in the shared SES emulator
}

func newFaultyWorld(t *testing.T) *faultyWorld {
	t.Helper()
	_, table := testenv.Table(t)
	proxy := func(env string, svc faults.Service) (*faults.Proxy, string) {
		target, err := url.Parse(os.Getenv(env))
		if err != nil {
			t.Fatal(err)
		}
		p := faults.New(target, svc, faults.Policy{})
		srv := httptest.NewServer(p)
		t.Cleanup(srv.Close)
		return p, srv.URL
	}
	dynamo, dynamoURL := proxy("AWS_ENDPOINT_URL_DYNAMODB", faults.DynamoDB)
	ses, sesURL := proxy("AWS_ENDPOINT_URL_SESV2", faults.SESv2)
	direct := testenv.AWS(t)
	faulty := faults.Endpoints(direct, map[string]string{"DynamoDB": dynamoURL, "SESv2": sesURL})
	// The SDK's standard retries, with shorter pauses than its defaults so
	// the test ends in seconds; everything else is as deployed.
	faulty.Retryer = func() aws.Retryer { return faults.Retryer(3) }

	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	base := "http://" + srv.Listener.Addr().String()
	cfg := config.Config{TableName: table, CPRKey: testenv.CPRKey, PublicBaseURL: base, MailFrom: "noreply@tilgang.example",
		Limits: config.Limits{OrgPerMinute: 1 << 30, SourcePerMinute: 1 << 30, MailPerDay: 1 << 30}}
	a, err := app.Build(cfg, faulty, app.NewLogger(io.Discard, slog.LevelInfo))
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/admin/v1/", a.AdminHandler())
	mux.Handle("/scim/v2/", a.SCIMHandler())
	mux.Handle("/", a.WebHandler())
	srv.Start()
	t.Cleanup(srv.Close)

	// The stream is read directly (Lambda's poller is AWS's, not ours); the
	// mailer it feeds talks to DynamoDB and SES through the proxies.
	testenv.FeedOutbox(t, direct, table, a.Mailer().Handle, func(o *localstack.StreamOptions) { o.Interval = 20 * time.Millisecond; o.MaxRetries = 2 })
	return &faultyWorld{t: t, app: a, base: base, dynamo: dynamo, ses: ses, suffix: strings.ToLower(rand8())}
}

func rand8() string { return fmt.Sprintf("%08x", time.Now().UnixNano()&0xffffffff) }

// call is one client's request, retried as a careful client retries: on
// 429, 5xx and a broken connection, up to 8 times. It returns the last
// status and body, and fails the test on an answer that is neither a
// success nor retryable, unless an earlier attempt may have succeeded
// (409 to a POST, 404 to a DELETE after a 5xx or broken connection).
func (w *faultyWorld) call(method, path, token, contentType string, body []byte) (int, []byte) {
	w.t.Helper()
	uncertain := false
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequest(method, w.base+path, strings.NewReader(string(body)))
		if err != nil {
			w.t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if body != nil {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch s := resp.StatusCode; {
			case s < 300:
				return s, b
			case s == http.StatusTooManyRequests || s >= 500:
				uncertain = true
			case uncertain && ((method == "POST" && s == http.StatusConflict) || (method == "DELETE" && s == http.StatusNotFound)):
				return s, b
			default:
				w.t.Errorf("%s %s: %d %s: not retryable, and nothing before it could have succeeded", method, path, s, b)
				return s, b
			}
		} else {
			uncertain = true
		}
		if attempt == 8 {
			w.t.Errorf("%s %s: no success after %d attempts", method, path, attempt)
			return 0, nil
		}
		time.Sleep(time.Duration(attempt) * 20 * time.Millisecond)
	}
}

// TestProvisioningSurvivesFaults runs a provisioning cycle of two
// organisations at once, through DynamoDB and SES proxies that fault one
// request in ten (throttling, 5xx, dropped connections, lost responses,
// latency), with SES unreachable for the first part so that the stream
// gives up on mail: SCIM creates, patches and deletes, a CSV import, and
// invitations. Then it proves that no user was lost or duplicated, the
// counters match the users, every CSV row was applied once, and every mail
// went out once, and that no client ever got an answer it could not retry.
func TestProvisioningSurvivesFaults(t *testing.T) {
	t.Parallel()
	w := newFaultyWorld(t)
	ctx := context.Background()
	// make soak runs this test many times, each with its own seed.
	seed, err := strconv.ParseUint(cmp.Or(os.Getenv("TILGANG_FAULT_SEED"), "1"), 10, 64)
	if err != nil {
		t.Fatalf("TILGANG_FAULT_SEED: %v", err)
	}
	t.Logf("fault seed %d", seed)
	s3c, bucket := testenv.Bucket(t)
	direct := store.New(dynamodb.NewFromConfig(testenv.AWS(t)), w.app.Config.TableName)

	const scimUsers, deactivate, remove, csvRows, invitees = 16, 4, 3, 20, 3
	type org struct {
		name     string
		org      *tilgang.Organisation
		creds    tenants.Credentials
		upload   events.S3Event
		scim     []string // userNames
		csv      []string
		invitees []string
	}
	var orgs []*org
	for _, name := range []string{"alfa", "beta"} {
		o := &org{name: name, org: &tilgang.Organisation{Name: name, IAL: 3}}
		var err error
		if o.creds, err = w.app.Tenants.Provision(ctx, o.org); err != nil {
			t.Fatal(err)
		}
		file := "Aktion;Fornavn;Efternavn;Foedselsdato;Email;TargetIAL\r\n"
		for i := range csvRows {
			e := fmt.Sprintf("%s-csv-%02d-%s@example.dk", name, i, w.suffix)
			o.csv = append(o.csv, e)
			file += fmt.Sprintf("C;Bo;Berg;0101199%d;%s;3\r\n", i%10, e)
		}
		o.upload = testenv.GrantedUpload(t, direct, s3c, bucket, "imports/"+o.org.ID+"/faults.csv", []byte(file))
		for i := range scimUsers {
			o.scim = append(o.scim, fmt.Sprintf("%s-%02d-%s@example.dk", name, i, w.suffix))
		}
		for i := range invitees {
			o.invitees = append(o.invitees, fmt.Sprintf("%s-invitee-%d-%s@example.dk", name, i, w.suffix))
		}
		orgs = append(orgs, o)
	}

	// One DynamoDB request in ten faults, and SES is unreachable: the
	// stream gives up on every mail of this part.
	w.dynamo.SetPolicy(faults.Policy{Rate: 0.1, Seed: seed, Latency: 30 * time.Millisecond})
	w.ses.SetPolicy(faults.Policy{Rate: 1, Kinds: []faults.Kind{faults.Drop}})
	var (
		wg         sync.WaitGroup
		failedRuns atomic.Int32
	)
	for _, o := range orgs {
		wg.Go(func() { w.provision(o.creds.SCIMToken, o.scim, deactivate, remove) })
		wg.Go(func() {
			body, _ := json.Marshal(map[string]any{"emails": o.invitees, "role": tilgang.RoleUserAdmin, "language": "da", "inviter": "Jens Jensen"})
			w.call("POST", "/admin/v1/invitations", o.creds.AdminToken, "application/json", body)
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	// The checkpoint after the first organisation's rows fails (500, for
	// all of the SDK's attempts), so that run stops after applying rows it
	// has not recorded as done, and the next delivery of the event applies
	// them again: the import's exactly-once guard must make each a no-op.
	// (Its first checkpoint, before any row, is let through: "next" 1.)
	first := []byte(orgs[0].org.ID)
	w.dynamo.SetPolicy(faults.Policy{Rate: 1, Kinds: []faults.Kind{faults.ServerError}, Limit: 3,
		Match: func(op string, body []byte) bool {
			return op == "DynamoDB_20120810.UpdateItem" && bytes.Contains(body, []byte("nextLine = :next")) &&
				bytes.Contains(body, first) && !bytes.Contains(body, []byte(`":next":{"N":"1"}`))
		}})
	for _, o := range orgs {
		wg.Go(func() {
			// The S3 event is retried as Lambda retries an asynchronous
			// invocation that failed.
			for attempt := 1; ; attempt++ {
				err := w.app.CSVImport(nil).Handle(ctx, o.upload)
				if err != nil {
					failedRuns.Add(1)
				}
				if err == nil {
					// S3 delivers an event at least once: a second
					// delivery of a finished import applies nothing.
					if err := w.app.CSVImport(nil).Handle(ctx, o.upload); err != nil {
						t.Logf("second delivery of %s's import: %v", o.name, err)
					}
					return
				}
				if attempt == 30 {
					t.Errorf("import of %s: %v", o.name, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	w.dynamo.SetPolicy(faults.Policy{Rate: 0.1, Seed: seed + 3, Latency: 30 * time.Millisecond})
	// Longer than the stream's retries: it gives up on the last mails too.
	time.Sleep(2 * time.Second)

	// SES is back, still faulting one request in ten (never a lost answer:
	// SendEmail has no idempotency token, so a lost answer would be a mail
	// sent twice by any client). The re-drive must now send what the
	// stream gave up on.
	w.ses.SetPolicy(faults.Policy{Rate: 0.1, Seed: seed + 1, Kinds: []faults.Kind{faults.Throttle, faults.ServerError, faults.Drop, faults.Slow}})
	want := map[string]int{} // address: mails, exactly
	for _, o := range orgs {
		for i, name := range o.scim {
			if i >= deactivate && i < scimUsers-remove {
				want[name] = 1
			}
		}
		for _, e := range o.invitees {
			want[e] = 1
		}
	}
	w.waitForMail(want)

	for _, o := range orgs {
		// No user lost or duplicated.
		page, err := direct.Users(ctx, o.org.ID, tilgang.UserQuery{Limit: tilgang.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, u := range page.Users {
			got = append(got, u.UserName)
		}
		wantUsers := slices.Concat(o.scim[:scimUsers-remove], o.csv)
		slices.Sort(got)
		slices.Sort(wantUsers)
		if !slices.Equal(got, wantUsers) {
			t.Errorf("%s has users %v, want %v", o.name, got, wantUsers)
		}
		// The counters are exact.
		counters, items, err := direct.RecountUsers(ctx, o.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if counters.Total != items.Total || !maps.Equal(counters.ByStatus, items.ByStatus) {
			t.Errorf("%s: counters %+v, users %+v", o.name, counters, items)
		}
		// Every CSV row applied once.
		imps, err := direct.Imports(ctx, o.org.ID, 10, "")
		if err != nil || len(imps.Imports) != 1 {
			t.Fatalf("%s imports: %+v, %v", o.name, imps, err)
		}
		rows, _, err := direct.ImportRows(ctx, o.org.ID, imps.Imports[0].ID, 1, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != csvRows {
			t.Errorf("%s: %d receipt rows, want %d", o.name, len(rows), csvRows)
		}
		for _, r := range rows {
			if r.Result != tilgang.RowCreated {
				t.Errorf("%s line %d: %s %+v", o.name, r.Line, r.Result, r.Errors)
				continue
			}
			hist, err := direct.History(ctx, o.org.ID, r.UserID, store.HistoryQuery{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			created := 0
			for _, a := range hist {
				if a.Action == "user.created" {
					created++
				}
			}
			if created != 1 {
				t.Errorf("%s line %d: %d user.created entries", o.name, r.Line, created)
			}
		}
	}
	if failedRuns.Load() == 0 {
		t.Error("no import run failed at its checkpoint: the replay of applied rows was not exercised")
	}
	total, injected := w.dynamo.Counts()
	sesTotal, sesInjected := w.ses.Counts()
	t.Logf("DynamoDB: %d requests, faults %v; SES: %d requests, faults %v", total, injected, sesTotal, sesInjected)
}

// provision creates the users named, deactivates the first deactivate and
// deletes the last remove of them over SCIM, as an identity provider does.
func (w *faultyWorld) provision(token string, names []string, deactivate, remove int) {
	const scimJSON = "application/scim+json"
	ids := make([]string, len(names))
	for i, name := range names {
		body, _ := json.Marshal(map[string]any{
			"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": name,
			"name":   map[string]any{"givenName": "Anna", "familyName": "Hansen"},
			"emails": []any{map[string]any{"value": name, "type": "work", "primary": true}}, "active": true,
		})
		status, b := w.call("POST", "/scim/v2/Users", token, scimJSON, body)
		if status == http.StatusConflict { // an earlier attempt created it; its answer was lost
			_, b = w.call("GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "`+name+`"`), token, "", nil)
			var l struct{ Resources []struct{ ID string } }
			_ = json.Unmarshal(b, &l)
			if len(l.Resources) == 1 {
				ids[i] = l.Resources[0].ID
			}
			continue
		}
		var u struct{ ID string }
		_ = json.Unmarshal(b, &u)
		ids[i] = u.ID
	}
	patch := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`)
	for _, id := range ids[:deactivate] {
		w.call("PATCH", "/scim/v2/Users/"+id, token, scimJSON, patch)
	}
	for _, id := range ids[len(ids)-remove:] {
		w.call("DELETE", "/scim/v2/Users/"+id, token, "", nil)
	}
}

// waitForMail re-drives undelivered mail until every address of want has
// its number of mails, then checks that none has more a moment later.
func (w *faultyWorld) waitForMail(want map[string]int) {
	w.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for tries := 0; ; tries++ {
		if tries%10 == 0 { // every 3 s: the stream takes a moment per re-driven mail
			w.redrive()
		}
		missing := 0
		for addr, n := range want {
			if len(testenv.MailTo(w.t, addr)) < n {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			w.t.Errorf("%d of %d addresses still without their mail after a minute", missing, len(want))
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	time.Sleep(time.Second) // time for a second copy to show
	for addr, n := range want {
		if got := len(testenv.MailTo(w.t, addr)); got > n {
			w.t.Errorf("%s got %d mails, want %d", addr, got, n)
		}
	}
}

// redrive runs the scheduler's re-drive of undelivered mail, through the
// faulty DynamoDB, for mail pending two seconds rather than the default
// half hour: what one call misses, the next finds. (The clock stays true:
// a claim's expiry is judged by it.)
func (w *faultyWorld) redrive() {
	_, _ = mail.Redrive(context.Background(), w.app.Store, time.Now(), mail.RedriveOptions{After: 2 * time.Second})
}
