// Package mail sends tilgang's mail through SES v2, fed by the outbox items
// that state changes write (SPEC §7).
//
// # At most once
//
// Each outbox item is claimed with a conditional write before it is sent
// and marked sent, on condition that the claim still holds it, as soon as
// SES answers, so concurrent or repeated deliveries of its stream record
// send it once: a delivery that finds the item sent, failed or skipped does
// nothing, and one that finds it claimed waits for the claim to end. Every
// send ends before half its claim has passed. SendEmail has no idempotency
// token, so two windows remain in which a mail can go twice:
//
//   - SES took the mail, and the mailer died, timed out or lost DynamoDB
//     before the item was marked sent. The claim expires (Config.ClaimFor,
//     a minute), and the next delivery of the record sends again. The mails
//     that SES took while one mark was written are marked by the next, so
//     the window lasts up to two marks, and a crash in it can catch as many
//     mails as SES took meanwhile.
//   - SES took the mail, but its answer was lost (a connection cut while
//     waiting) or was a 5xx. The mailer cannot tell this from a refusal: it
//     sends again at once after a 5xx (a retry of the same call), and
//     otherwise gives the item back, and the next delivery sends again.
//
// Nothing else sends twice: throttling and refused connections are retried
// only because SES certainly did not take the request, and a mail that is
// marked sent, failed or skipped is never sent again. Batching adds no
// window: the items of a batch are claimed and marked each on its own
// condition, only many in one transaction; a claim transaction whose
// outcome is unknown is given back before anything is sent, and a mark
// whose outcome is unknown is repeated item by item, which the same claim
// may do.
package mail

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"golang.org/x/time/rate"

	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Sender is the part of the SES v2 client that the mailer uses.
type Sender interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// UserReader reads a user of an organisation; users.Service does.
type UserReader interface {
	Get(ctx context.Context, org *tilgang.Organisation, id string) (*tilgang.User, error)
}

// Config is what the mailer needs besides its clients. From and BaseURL are
// required; every other zero value picks the documented default.
type Config struct {
	From string // the sender address, MAIL_FROM
	// ConfigurationSet is the SES configuration set of every send
	// (MAIL_CONFIGURATION_SET), whose events record the mail state; empty:
	// none (local runs).
	ConfigurationSet string
	BaseURL          string // where the pages are served, PUBLIC_BASE_URL, without a trailing slash
	// Rate limits the sends per second of this Mailer, across all its
	// batches and goroutines; 0 or rate.Inf means no limit. Each Lambda
	// instance has its own Mailer, so the account's rate is shared out by
	// the stream's concurrency.
	Rate  rate.Limit
	Burst int // sends that may go at once under Rate; 0: 1
	// Workers is how many mails of a batch are built and sent at once;
	// 0: 16.
	Workers int
	// ClaimFor is how long a claim keeps other deliveries off an item; a
	// claim whose holder died can be taken over after it. 0: one minute.
	ClaimFor time.Duration
	// SendAttempts bounds the attempts of one SendEmail call; 0: 5.
	SendAttempts int
	// Lookup addresses invitation mail; nil makes those kinds fail as not
	// supported yet.
	Lookup Lookup
	// Now is the clock of claims and expiry checks; nil: time.Now.
	Now func() time.Time
}

// Defaults of Config.
const (
	defaultWorkers      = 16
	defaultClaimFor     = time.Minute
	defaultSendAttempts = 5
)

// Timings of a delivery.
const (
	// reserve is the time a delivery needs after claiming: build, send with
	// its retries, mark. With less left before the invocation's deadline it
	// does not claim, and the record is retried.
	reserve = 10 * time.Second
	// markTimeout bounds marking items sent, and giving them back. Both
	// run even when the invocation's context ends: SES has taken the mail,
	// and an unmarked item would be sent again; a released item need not
	// wait for its claim to expire.
	markTimeout = 10 * time.Second
	// orgTTL is how long an organisation's name and language are reused.
	orgTTL = time.Minute
	// pollMax is the longest pause between looks at items that another
	// delivery holds.
	pollMax = time.Second
)

// Mailer handles DynamoDB stream batches of outbox items. Its methods are
// safe for concurrent use. Build it with New.
type Mailer struct {
	ses       Sender
	store     *store.Store
	users     UserReader
	links     *secret.Links
	log       *slog.Logger
	from      string
	configSet string
	baseURL   string
	limiter   *rate.Limiter
	workers   int
	claimFor  time.Duration
	retryer   aws.Retryer
	lookupFn  Lookup
	now       func() time.Time
	render    *renderer

	mu   sync.Mutex
	orgs map[string]cachedOrg
}

type cachedOrg struct {
	org     *tilgang.Organisation
	expires time.Time
}

// New returns a mailer that sends with ses, keeps outbox items in st, reads
// users through users and makes links with links. It logs to log with
// every address redacted (Redact).
func New(ses Sender, st *store.Store, users UserReader, links *secret.Links, cfg Config, log *slog.Logger) *Mailer {
	m := &Mailer{
		ses: ses, store: st, users: users, links: links, log: slog.New(redacting(log.Handler())),
		from: cfg.From, configSet: cfg.ConfigurationSet, baseURL: cfg.BaseURL, lookupFn: cfg.Lookup, now: cfg.Now,
		workers: cfg.Workers, claimFor: cfg.ClaimFor,
		render: newRenderer(kindNames()),
		orgs:   map[string]cachedOrg{},
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.workers <= 0 {
		m.workers = defaultWorkers
	}
	if m.claimFor <= 0 {
		m.claimFor = defaultClaimFor
	}
	attempts := cfg.SendAttempts
	if attempts <= 0 {
		attempts = defaultSendAttempts
	}
	m.retryer = newRetryer(attempts)
	limit, burst := cfg.Rate, max(cfg.Burst, 1)
	if limit <= 0 {
		limit = rate.Inf
	}
	m.limiter = rate.NewLimiter(limit, burst)
	return m
}

// Handle processes one stream batch: every record is an insert of an
// outbox item. It answers with the records to deliver again (the event
// source mapping reports batch item failures), so that a mail that fails
// for now is retried without resending the others. A record that repeats
// an item of the batch shares that item's delivery.
func (m *Mailer) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var (
		ids   []string       // the distinct outbox items, in record order
		hints []tilgang.Mail // per item, its mail as the record shows it
		recs  [][]int        // per item, the records that name it
		index = map[string]int{}
	)
	for i, rec := range ev.Records {
		id, ok := outboxID(rec)
		if !ok {
			// Not an outbox insert: the stream filter lets none through, and
			// retrying would not change the record.
			m.log.WarnContext(ctx, "stream record is not an outbox insert; ignored", slog.String("event", rec.EventID), slog.String("eventName", rec.EventName))
			continue
		}
		j, seen := index[id]
		if !seen {
			j = len(ids)
			index[id] = j
			ids, hints, recs = append(ids, id), append(hints, imageMail(rec, id)), append(recs, nil)
		}
		recs[j] = append(recs[j], i)
	}
	failed := make([]bool, len(ev.Records))
	for j, err := range m.deliver(ctx, ids, hints) {
		if err != nil {
			m.log.WarnContext(ctx, "mail not sent; the record will be delivered again", slog.String("outbox", ids[j]), slog.Any("error", err))
			for _, i := range recs[j] {
				failed[i] = true
			}
		}
	}
	var resp events.DynamoDBEventResponse
	for i, rec := range ev.Records {
		if failed[i] {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
		}
	}
	return resp, nil
}

func outboxID(rec events.DynamoDBEventRecord) (string, bool) {
	img := rec.Change.NewImage
	typ, id := img["type"], img["id"]
	if rec.EventName != string(events.DynamoDBOperationTypeInsert) ||
		typ.DataType() != events.DataTypeString || typ.String() != store.OutboxType ||
		id.DataType() != events.DataTypeString || id.String() == "" {
		return "", false
	}
	return id.String(), true
}

// imageMail is the mail of an outbox item as its stream record shows it:
// only a hint of which user to read with the others of its chunk. The item
// read after the claim decides.
func imageMail(rec events.DynamoDBEventRecord, id string) tilgang.Mail {
	str := func(name string) string {
		if v, ok := rec.Change.NewImage[name]; ok && v.DataType() == events.DataTypeString {
			return v.String()
		}
		return ""
	}
	return tilgang.Mail{ID: id, OrgID: str("orgId"), UserID: str("userId")}
}

// errNoTime means the invocation is too close to its deadline to start.
var errNoTime = errors.New("mail: too little time left in this invocation to send")

// organisation reads an organisation, reusing what it read in the last
// orgTTL: a batch's mail is mostly of one organisation.
func (m *Mailer) organisation(ctx context.Context, id string) (*tilgang.Organisation, error) {
	now := time.Now()
	m.mu.Lock()
	c, ok := m.orgs[id]
	m.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.org, nil
	}
	org, err := m.store.Organisation(ctx, id)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	for k, c := range m.orgs { // keep the cache small: drop what expired
		if !now.Before(c.expires) {
			delete(m.orgs, k)
		}
	}
	m.orgs[id] = cachedOrg{org: org, expires: now.Add(orgTTL)}
	m.mu.Unlock()
	return org, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
