package mail

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Re-drive (SPEC §13, "mail that cannot go silently").
//
// The stream gives up on an outbox record after its retries (template.yaml:
// MaximumRetryAttempts 8 of a 60-second invocation, and six hours at most),
// and the on-failure queue keeps only shard pointers, so a mail that could
// not go while SES was paused or unreachable would be lost with it. Redrive
// finds such items in the store's undelivered index and writes each again
// as a new outbox item (store.RedriveOutbox): its insert reaches the mailer
// through the stream like any new mail, with the mailer's claim, rate limit
// and checks, and the old item becomes skipped in the same transaction. A
// mail is therefore sent at most once however often Redrive runs, whether
// or not the old record is still being retried: whichever of the two
// claims the mail first decides, and the other finds it done.

// Defaults of RedriveOptions.
const (
	// DefaultRedriveAfter is well past the stream's retries of a record (9
	// deliveries of at most a minute each).
	DefaultRedriveAfter = 30 * time.Minute
	// maxRedriveWait caps the growing pause between re-drives of one mail.
	maxRedriveWait = 6 * time.Hour
	// DefaultGiveUpAfter is how long after it was first written a mail is
	// re-driven at all: after it, its links have expired and it is marked
	// failed (reason "undelivered", with a history entry on the user).
	DefaultGiveUpAfter  = 7 * 24 * time.Hour
	defaultRedriveLimit = 1000
)

// RedriveOptions says which outbox items Redrive takes. The zero value is
// what the scheduler runs every tick.
type RedriveOptions struct {
	// After is how long an item must have been pending before it is
	// re-driven; 0: DefaultRedriveAfter. The pause doubles with each
	// re-drive of the same mail, up to six hours, so a long SES outage
	// writes a few items per mail, not one per tick.
	After time.Duration
	// Failed re-drives items the mailer marked failed for good (an SES
	// refusal such as an unverified sender) instead of pending ones: for an
	// operator who fixed the cause. A failed mail is re-driven once per
	// call, whatever After says.
	Failed bool
	// GiveUpAfter: a pending mail first written longer ago is marked
	// failed rather than re-driven; 0: DefaultGiveUpAfter. Ignored with
	// Failed.
	GiveUpAfter time.Duration
	// Limit bounds the items one call looks at; 0: 1000. A call that
	// reaches it reports More, and the next call goes on.
	Limit int
}

// RedriveResult counts what Redrive did.
type RedriveResult struct {
	Redriven int  // written again as new items
	NotDue   int  // pending, but re-driven too recently
	Taken    int  // being sent, or done meanwhile: left alone
	GivenUp  int  // marked failed: pending past GiveUpAfter
	More     bool // Limit was reached; call again
}

// Redrive re-sends the outbox items of st that are stuck, as opts says, at
// now. It is safe to run at any time and from anywhere at once (the
// scheduler every tick; the operator's `tilgang mail redrive`): every item
// is replaced on the condition that it is still pending and no live claim
// holds it (store.RedriveOutbox). It returns what it did, and the errors of
// the items it could not handle, joined; the other items are done.
func Redrive(ctx context.Context, st *store.Store, now time.Time, opts RedriveOptions) (RedriveResult, error) {
	after, giveUp, limit := opts.After, opts.GiveUpAfter, opts.Limit
	if after <= 0 {
		after = DefaultRedriveAfter
	}
	if giveUp <= 0 {
		giveUp = DefaultGiveUpAfter
	}
	if limit <= 0 {
		limit = defaultRedriveLimit
	}
	before := now.Add(-after)
	if opts.Failed {
		before = now
	}
	var res RedriveResult
	items, err := st.UndeliveredOutboxes(ctx, before, opts.Failed, limit)
	if err != nil {
		return res, err
	}
	res.More = len(items) >= limit
	var errs []error
	for _, o := range items {
		switch {
		case !opts.Failed && now.Sub(o.FirstWritten()) > giveUp:
			err = giveUpOn(ctx, st, o, now)
			if err == nil {
				res.GivenUp++
			}
		case !opts.Failed && now.Sub(o.CreatedAt) < redriveWait(after, o.Redrives):
			res.NotDue++
			continue
		default:
			id, _ := uuid.NewV7()
			err = st.RedriveOutbox(ctx, o, id.String(), opts.Failed, now)
			if err == nil {
				res.Redriven++
			}
		}
		switch {
		case errors.Is(err, store.ErrOutboxTaken), errors.Is(err, store.ErrOutboxNotFound), errors.Is(err, store.ErrClaimLost):
			res.Taken++
		case err != nil:
			errs = append(errs, fmt.Errorf("mail: re-drive outbox item %s: %w", o.Mail.ID, err))
		}
	}
	return res, errors.Join(errs...)
}

// redriveWait is how long an item that re-drives a mail for the n-th time
// waits before the next: after, doubled n times, at most maxRedriveWait.
func redriveWait(after time.Duration, n int) time.Duration {
	if n >= 16 || after<<n > maxRedriveWait || after<<n <= 0 {
		return max(after, maxRedriveWait)
	}
	return after << n
}

// giveUpOn marks o failed as "undelivered", with a history entry on its
// user, under a claim of its own so that a live delivery is not overtaken.
func giveUpOn(ctx context.Context, st *store.Store, o *store.Outbox, now time.Time) error {
	claim := "redrive-" + uuid.NewString()
	res, err := st.ClaimOutboxes(ctx, []string{o.Mail.ID}, claim, now, now.Add(defaultClaimFor))
	if err != nil {
		return err
	}
	if res[0].Err != nil {
		return res[0].Err
	}
	return st.MarkOutboxFailed(ctx, o.Mail, claim, ReasonUndelivered, &tilgang.Activity{
		At: now, Actor: "scheduler", Action: "mail.failed", Fields: []string{o.Mail.Kind}, Source: "scheduler",
	}, now)
}

// ReasonUndelivered is the reason of an item that was never sent within
// RedriveOptions.GiveUpAfter.
const ReasonUndelivered = "undelivered"
