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
//     a minute), and the next delivery of the record sends again. A lone
//     record's item is marked by one write; in a batch, the mails SES took
//     while one mark transaction was written are marked by the next, so
//     the window lasts up to two transactions, and a crash in it can catch
//     as many mails as SES took meanwhile.
//   - SES took the mail, but its answer was lost (a connection cut while
//     waiting) or was a 5xx. The mailer cannot tell this from a refusal; it
//     gives the item back, and the next delivery sends again.
//
// Nothing else sends twice: throttling and refused connections are retried
// only because SES certainly did not take the request, and a mail that is
// marked sent, failed or skipped is never sent again. Batching adds no
// window: a batch claims and marks each item on the same conditions as a
// lone delivery, only many in one transaction; a claim transaction whose
// outcome is unknown is given back before anything is sent, and a mark
// whose outcome is unknown is repeated item by item, which the same claim
// may do.
package mail

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
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
	From    string // the sender address, MAIL_FROM
	BaseURL string // where the pages are served, PUBLIC_BASE_URL, without a trailing slash
	// Rate limits the sends per second of this Mailer, across all its
	// batches and goroutines; 0 or rate.Inf means no limit. Each Lambda
	// instance has its own Mailer, so the account's rate is shared out by
	// the stream's concurrency.
	Rate  rate.Limit
	Burst int // sends that may go at once under Rate; 0: 1
	// Workers is how many mails of a batch are built and sent at once,
	// and how many of its items at once wait for another delivery that
	// holds them; 0: 16.
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
	// markTimeout bounds marking an item sent. The mark runs even when the
	// invocation's context ends: SES has taken the mail, and an unmarked
	// item would be sent again.
	markTimeout = 10 * time.Second
	// orgTTL is how long an organisation's name and language are reused.
	orgTTL = time.Minute
	// pollMax is the longest pause between looks at an item that another
	// delivery holds.
	pollMax = time.Second
)

// Mailer handles DynamoDB stream batches of outbox items. Its methods are
// safe for concurrent use. Build it with New.
type Mailer struct {
	ses      Sender
	store    *store.Store
	users    UserReader
	links    *secret.Links
	log      *slog.Logger
	from     string
	baseURL  string
	limiter  *rate.Limiter
	workers  int
	claimFor time.Duration
	retryer  aws.Retryer
	lookupFn Lookup
	now      func() time.Time
	render   *renderer

	mu   sync.Mutex
	orgs map[string]cachedOrg
}

type cachedOrg struct {
	org     *tilgang.Organisation
	expires time.Time
}

// New returns a mailer that sends with ses, keeps outbox items in st, reads
// users through users and makes links with links.
func New(ses Sender, st *store.Store, users UserReader, links *secret.Links, cfg Config, log *slog.Logger) *Mailer {
	m := &Mailer{
		ses: ses, store: st, users: users, links: links, log: log,
		from: cfg.From, baseURL: cfg.BaseURL, lookupFn: cfg.Lookup, now: cfg.Now,
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

// errNoTime means the invocation is too close to its deadline to start.
var errNoTime = errors.New("mail: too little time left in this invocation to send")

// deliver sends the outbox item id at most once, on its own; see the
// package comment. A non-nil error means: deliver the record again later.
func (m *Mailer) deliver(ctx context.Context, id string) error {
	claim := rand.Text()
	it, err := m.claim(ctx, id, claim)
	switch {
	case errors.Is(err, store.ErrOutboxNotFound):
		// Removed by TTL after two weeks; nothing to do.
		m.log.InfoContext(ctx, "outbox item not found; nothing to send", slog.String("outbox", id))
		return nil
	case errors.Is(err, store.ErrOutboxTaken):
		return nil // done by an earlier delivery
	case err != nil:
		return err
	}
	messageID, sent, err := m.sendClaimed(ctx, it.Mail, claim, time.Now(), m.users)
	if !sent {
		return err
	}
	markCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	err = m.store.MarkOutboxSent(markCtx, id, claim, messageID, m.now())
	return m.marked(ctx, it.Mail, messageID, err)
}

// sendClaimed builds mail, whose item claim has held since claimed, and
// sends it, reading users through users. It reports whether SES took the
// mail, as messageID: then the caller marks the item sent. Otherwise it has
// settled or released the item, and err is the delivery's outcome (nil:
// done with the item).
func (m *Mailer) sendClaimed(ctx context.Context, mail tilgang.Mail, claim string, claimed time.Time, users UserReader) (messageID string, sent bool, err error) {
	to, msg, err := m.build(ctx, users, mail)
	if err != nil {
		return "", false, m.settle(ctx, mail, claim, err)
	}
	sendCtx, cancel := context.WithDeadline(ctx, claimed.Add(m.claimFor/2)) // a send never outlives its claim
	defer cancel()
	if err := m.limiter.Wait(sendCtx); err != nil {
		return "", false, m.release(ctx, mail.ID, claim, fmt.Errorf("mail: wait for the send rate: %w", err))
	}
	out, err := m.ses.SendEmail(sendCtx, m.input(to, msg), func(o *sesv2.Options) { o.Retryer = m.retryer })
	if err != nil {
		if permanent(err) {
			return "", false, m.settle(ctx, mail, claim, &outcome{fail: true, reason: "ses." + errorCode(err)})
		}
		return "", false, m.release(ctx, mail.ID, claim, sendError(err))
	}
	return aws.ToString(out.MessageId), true, nil
}

// marked ends the delivery of a mail that SES took, after the mark of its
// item as sent ended with err.
func (m *Mailer) marked(ctx context.Context, mail tilgang.Mail, messageID string, err error) error {
	switch {
	case errors.Is(err, store.ErrClaimLost):
		m.log.WarnContext(ctx, "mail sent after its claim expired; another delivery may have sent it too", slog.String("outbox", mail.ID))
		return nil
	case err != nil:
		m.log.ErrorContext(ctx, "mail sent but not marked sent; a delivery after the claim expires sends it again",
			slog.String("outbox", mail.ID), slog.String("messageId", messageID), slog.Any("error", err))
		return err
	}
	m.log.InfoContext(ctx, "mail sent", slog.String("outbox", mail.ID), slog.String("kind", mail.Kind), slog.String("messageId", messageID))
	return nil
}

// claim claims the item, waiting while another delivery holds it: until
// that one marks it done (then there is nothing to do), gives it back, or
// its claim expires. It returns store.ErrOutboxTaken when the item is done.
func (m *Mailer) claim(ctx context.Context, id, claim string) (*store.Outbox, error) {
	for pause := 50 * time.Millisecond; ; pause = min(2*pause, pollMax) {
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < reserve {
			return nil, errNoTime
		}
		now := m.now()
		it, err := m.store.ClaimOutbox(ctx, id, claim, now, now.Add(m.claimFor))
		if !errors.Is(err, store.ErrOutboxTaken) || it.Status.Done() {
			return it, err
		}
		if err := sleep(ctx, max(min(pause, it.ClaimUntil.Sub(now)), time.Millisecond)); err != nil {
			return nil, err
		}
	}
}

// build reads what the mail needs, users through users, and renders it.
func (m *Mailer) build(ctx context.Context, users UserReader, mail tilgang.Mail) ([]string, message, error) {
	address, ok := kinds[mail.Kind]
	if !ok {
		return nil, message{}, Fail("kind.unknown")
	}
	org, err := m.organisation(ctx, mail.OrgID)
	if errors.Is(err, tilgang.ErrOrgNotFound) {
		return nil, message{}, Skip("organisation.gone")
	}
	if err != nil {
		return nil, message{}, err
	}
	r, err := address(m, ctx, users, org, mail)
	if err != nil {
		return nil, message{}, err
	}
	if err := checkAddresses(r.To); err != nil {
		return nil, message{}, err
	}
	r.Data.OrgName = org.Name
	msg, err := m.render.render(mail.Kind, language(mail, org), r.Data)
	if err != nil {
		return nil, message{}, &outcome{fail: true, reason: "template", err: err}
	}
	return r.To, msg, nil
}

// settle ends a delivery that will not send: an outcome marks the item
// skipped or failed (with a history entry on the user); any other error
// gives the item back for a later delivery.
func (m *Mailer) settle(ctx context.Context, mail tilgang.Mail, claim string, err error) error {
	var o *outcome
	if !errors.As(err, &o) {
		return m.release(ctx, mail.ID, claim, err)
	}
	attrs := []any{slog.String("outbox", mail.ID), slog.String("kind", mail.Kind), slog.String("reason", o.reason)}
	if o.err != nil {
		attrs = append(attrs, slog.Any("error", o.err))
	}
	now := m.now()
	if !o.fail {
		m.log.InfoContext(ctx, "mail skipped", attrs...)
		err = m.store.MarkOutboxSkipped(ctx, mail.ID, claim, o.reason, now)
	} else {
		m.log.WarnContext(ctx, "mail failed for good", attrs...)
		err = m.store.MarkOutboxFailed(ctx, mail, claim, o.reason, &tilgang.Activity{
			At: now, Actor: "mailer", Action: "mail.failed", Fields: []string{mail.Kind}, Source: "mailer",
		}, now)
	}
	if errors.Is(err, store.ErrClaimLost) {
		return nil // another delivery holds the item now and decides
	}
	return err
}

// release gives the item back after cause, which it returns, so that the
// next delivery of the record tries again at once rather than after the
// claim expires. If the release fails the claim expires on its own.
func (m *Mailer) release(ctx context.Context, id, claim string, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	if err := m.store.ReleaseOutbox(ctx, id, claim); err != nil && !errors.Is(err, store.ErrClaimLost) {
		return errors.Join(cause, err)
	}
	return cause
}

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
