package mail_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/localstack"
	"github.com/tilgang/tilgang/internal/mail"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// Fixed parts of every test's mail.
const (
	from    = "noreply@tilgang.test"
	baseURL = "https://tilgang.test"
)

// env is one test's world: its own table (or a benchmark's shared one)
// with one organisation, the real SES emulator, and the users service with
// the test keys.
type env struct {
	t     testing.TB
	cfg   aws.Config
	db    *dynamodb.Client
	table string
	st    *store.Store
	users *users.Service
	org   *tilgang.Organisation
}

func newEnv(t testing.TB, language string) *env {
	t.Helper()
	db, table := testenv.Table(t)
	return newEnvIn(t, db, table, language)
}

// newEnvIn is newEnv in the table of db named table, with an organisation
// of its own.
func newEnvIn(t testing.TB, db *dynamodb.Client, table, language string) *env {
	t.Helper()
	e := &env{t: t, cfg: testenv.AWS(t), db: db, table: table, st: store.New(db, table)}
	e.users = testenv.Users(t, e.st)
	e.org = &tilgang.Organisation{ID: uuid.NewString(), Name: "Bager Hansen ApS", CVR: "12345678", IAL: 3,
		AllowPrivateMitID: true, Language: language}
	if err := e.st.CreateOrganisation(context.Background(), e.org); err != nil {
		t.Fatal(err)
	}
	return e
}

// mailer returns a mailer on the env's store and the SES emulator; change
// adjusts its configuration.
func (e *env) mailer(change ...func(*mailerParts)) *mail.Mailer {
	p := &mailerParts{ses: sesv2.NewFromConfig(e.cfg), st: e.st, cfg: mail.Config{From: from, BaseURL: baseURL}, log: slog.New(slog.DiscardHandler)}
	for _, c := range change {
		c(p)
	}
	return mail.New(p.ses, p.st, testenv.Users(e.t, p.st), testenv.Links(e.t), p.cfg, p.log)
}

type mailerParts struct {
	ses mail.Sender
	st  *store.Store
	cfg mail.Config
	log *slog.Logger
}

// address returns a fresh address: tests share the SES emulator and tell
// their mail apart by recipient.
func address() string { return "u" + strings.ToLower(rand.Text()[:12]) + "@example.dk" }

// cprSerial tells the CPR numbers of one test's users apart.
var cprSerial atomic.Int32

// createUser creates a CPR user with activation, as the admin API does:
// the user is pending_activation and the activation mail is in the outbox.
func (e *env) createUser(email string) *tilgang.User {
	e.t.Helper()
	c, err := e.users.Create(context.Background(), tilgang.Actor{Name: "test", Source: "admin"}, e.org, users.NewRequest{
		User: &tilgang.User{FirstName: "Anna", LastName: "Hansen", Email: email},
		CPR:  fmt.Sprintf("010190%04d", cprSerial.Add(1)%10000), Activate: true,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return c.User
}

// createWithMail stores u with the outbox mail ms directly through the
// store, for what the users service would refuse (a user without a usable
// address) or does not write yet (invitation mail).
func (e *env) createWithMail(u *tilgang.User, ms ...tilgang.Mail) {
	e.t.Helper()
	u.ID, u.OrgID = uuid.NewString(), e.org.ID
	if u.UserName == "" {
		u.UserName = u.ID
	}
	for i := range ms {
		id, _ := uuid.NewV7()
		ms[i].ID, ms[i].OrgID = id.String(), e.org.ID
		if len(ms[i].To) == 0 { // mail to the user
			ms[i].UserID = u.ID
		}
	}
	err := e.st.CreateUser(context.Background(), u, tilgang.Change{
		Activity: tilgang.Activity{Actor: "test", Action: "user.created", Source: "admin"}, Mail: ms,
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// records reads the table's stream, as the event source mapping would,
// until it has n outbox inserts of the env's organisation.
func (e *env) records(n int) []events.DynamoDBEventRecord {
	e.t.Helper()
	// The timeout only ends a test whose records never come.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	outbox := localstack.InsertsOfType(store.OutboxType)
	ours := func(r events.DynamoDBEventRecord) bool {
		org, ok := r.Change.NewImage["orgId"]
		return outbox(r) && ok && org.DataType() == events.DataTypeString && org.String() == e.org.ID
	}
	var recs []events.DynamoDBEventRecord
	err := localstack.PollStream(ctx, e.cfg, localstack.StreamOptions{
		Table: e.table, Filter: ours, Interval: 20 * time.Millisecond, BatchSize: 1000,
	}, func(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		recs = append(recs, ev.Records...)
		if len(recs) >= n {
			cancel()
		}
		return events.DynamoDBEventResponse{}, nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(recs) < n {
		e.t.Fatalf("the stream gave %d outbox records, want %d", len(recs), n)
	}
	return recs
}

// record returns the one outbox record of the table.
func (e *env) record() events.DynamoDBEventRecord { return e.records(1)[0] }

func batch(recs ...events.DynamoDBEventRecord) events.DynamoDBEvent {
	return events.DynamoDBEvent{Records: recs}
}

// outbox reads the outbox item of rec.
func (e *env) outbox(rec events.DynamoDBEventRecord) *store.Outbox {
	e.t.Helper()
	its, err := e.st.OutboxItems(context.Background(), []string{rec.Change.NewImage["id"].String()})
	if err != nil {
		e.t.Fatal(err)
	}
	if its[0] == nil {
		e.t.Fatalf("no outbox item %s", rec.Change.NewImage["id"].String())
	}
	return its[0]
}

// claimElsewhere claims the outbox item of rec for an hour, as a live
// delivery elsewhere would, as claim "elsewhere".
func (e *env) claimElsewhere(rec events.DynamoDBEventRecord) {
	e.t.Helper()
	res, err := e.st.ClaimOutboxes(context.Background(), []string{rec.Change.NewImage["id"].String()}, "elsewhere", time.Now(), time.Now().Add(time.Hour))
	if err == nil {
		err = res[0].Err
	}
	if err != nil {
		e.t.Fatal(err)
	}
}

// handle delivers ev to m and returns how many records it reports failed.
func handle(t testing.TB, ctx context.Context, m *mail.Mailer, ev events.DynamoDBEvent) int {
	t.Helper()
	resp, err := m.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	return len(resp.BatchItemFailures)
}

// sent is one message in the SES emulator's store.
type sent = testenv.SentMail

type header = testenv.MailHeader

// mailTo lists what the SES emulator has taken for address.
func mailTo(t testing.TB, address string) []sent { return testenv.MailTo(t, address) }

// sesProxy stands in front of the SES emulator and answers the first
// requests with the errors in script, as SES does when it throttles or
// refuses; later requests reach the emulator.
type sesProxy struct {
	*httptest.Server
	requests atomic.Int32
}

// sesError is an SES error answer: the status and the error type, which
// the SDK reads from the X-Amzn-ErrorType header.
type sesError struct {
	status int
	code   string
}

func newSESProxy(t *testing.T, script ...sesError) *sesProxy {
	t.Helper()
	target, err := url.Parse(os.Getenv("AWS_ENDPOINT_URL_SESV2"))
	if err != nil || target.Host == "" {
		t.Fatalf("AWS_ENDPOINT_URL_SESV2 = %q", os.Getenv("AWS_ENDPOINT_URL_SESV2"))
	}
	p := &sesProxy{}
	forward := httputil.NewSingleHostReverseProxy(target)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(p.requests.Add(1))
		if n > len(script) {
			forward.ServeHTTP(w, r)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		e := script[n-1]
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", e.code)
		w.WriteHeader(e.status)
		// SES puts addresses into some messages; the mailer must not keep them.
		_, _ = io.WriteString(w, `{"message": "refused for anna@example.dk"}`)
	}))
	t.Cleanup(p.Close)
	return p
}

// client is an SES client that talks to the proxy.
func (p *sesProxy) client(cfg aws.Config) *sesv2.Client {
	return sesv2.NewFromConfig(cfg, func(o *sesv2.Options) { o.BaseEndpoint = aws.String(p.URL) })
}

// tcpProxy forwards TCP connections to DynamoDB Local until cut: then it
// closes every connection and stops listening, so every further call fails
// the way it does when the network to DynamoDB goes away.
type tcpProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	cut    bool
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(p.Cut)
	return p
}

func (p *tcpProxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *tcpProxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			in.Close()
			out.Close()
			return
		}
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(out, in); out.Close() }()
		go func() { _, _ = io.Copy(in, out); in.Close() }()
	}
}

// Cut ends every connection and refuses new ones.
func (p *tcpProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut {
		return
	}
	p.cut = true
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
}

// crashingMailer is a mailer that loses DynamoDB as soon as SES has taken
// a mail: it reaches DynamoDB through a proxy that its SES client cuts on
// the first answer, as a mailer killed between sending and marking would.
func (e *env) crashingMailer(t *testing.T) *mail.Mailer {
	t.Helper()
	endpoint := strings.TrimPrefix(aws.ToString(e.db.Options().BaseEndpoint), "http://")
	proxy := newTCPProxy(t, endpoint)
	db := dynamodb.NewFromConfig(e.cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(proxy.URL())
		o.RetryMaxAttempts = 1
	})
	ses := sesv2.NewFromConfig(e.cfg, func(o *sesv2.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("cutDynamoDB",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					out, md, err := next.HandleInitialize(ctx, in)
					if err == nil {
						proxy.Cut()
					}
					return out, md, err
				}), middleware.Before)
		})
	})
	return e.mailer(func(p *mailerParts) { p.ses, p.st = ses, store.New(db, e.table) })
}
