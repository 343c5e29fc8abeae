package mail

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// maxChunk is the most items a delivery claims at once: a quarter of the
// event source mapping's batch of 100, so that the next chunk's claim and
// reads overlap this chunk's sends, and a cancelled transaction or a crash
// touches fewer items.
//
// A transaction saves round trips, not capacity: DynamoDB bills two write
// units for each item that a transaction writes and two read units for
// each that it reads, twice what single writes and reads of the same items
// cost. Claiming, reading and marking in transactions therefore doubles
// what a mail's DynamoDB calls cost (four write and four read units rather
// than two and two), however the batch is cut into chunks. The mailer pays
// that for one round trip per chunk instead of one per mail, not for
// atomicity: every item stands on its own condition, and a transaction
// that some items cancel is written again without them. A transaction of
// one item buys nothing: a mark of one mail is a single write (markGroup),
// while a chunk of one is still claimed and read in transactions of one.
const maxChunk = 25

// chunkSize is how many items a delivery claims at once: maxChunk, or
// fewer under a rate limit. Every mail must be sent within half its claim,
// and up to two chunks and the workers' mails are claimed and not yet sent
// (one chunk queued for the workers, the next being claimed); they must be
// able to go in a quarter of a claim. At least one.
func (m *Mailer) chunkSize() int {
	limit := m.limiter.Limit()
	if limit == rate.Inf {
		return maxChunk
	}
	return max(1, min(maxChunk, int((float64(limit)*m.claimFor.Seconds()/4-float64(m.workers))/2)))
}

// deliver delivers the outbox items ids, distinct; hints are their mails
// as the stream records show them. It returns, per item, nil when done
// with it, or why its records must be delivered again.
//
// The items are claimed a chunk at a time, in one transaction
// (store.ClaimOutboxes), and read with their users in one transaction
// each, at once; their mails go to the workers, which build and send them.
// The marker marks sent what SES took, in one transaction for all that SES
// took while it wrote the last (group commit), so a sent mail waits for at
// most that transaction and its own before it is marked. The next chunk is
// claimed while the workers send one. An item that another delivery holds
// is claimed again after all the chunks, until that delivery ends (wait).
func (m *Mailer) deliver(ctx context.Context, ids []string, hints []tilgang.Mail) []error {
	size := m.chunkSize()
	b := &batch{
		m:     m,
		size:  size,
		ids:   ids,
		hints: hints,
		errs:  make([]error, len(ids)),
		jobs:  make(chan *job, size),
		sent:  make(chan *job, len(ids)), // a worker never waits for the marker
	}
	var workers, marker sync.WaitGroup
	for range min(m.workers, len(ids)) {
		workers.Go(func() {
			for j := range b.jobs {
				b.send(ctx, j)
			}
		})
	}
	marker.Go(func() { b.mark(ctx) })
	all := make([]int, len(ids))
	for i := range all {
		all[i] = i
	}
	b.wait(ctx, b.claimAll(ctx, all))
	close(b.jobs)
	workers.Wait()
	close(b.sent)
	marker.Wait()
	return b.errs
}

// batch is one delivery of a stream batch's items.
type batch struct {
	m     *Mailer
	size  int            // of a chunk, m.chunkSize()
	ids   []string       // the items
	hints []tilgang.Mail // per item, its mail as its stream record shows it
	errs  []error        // per item, as deliver returns
	jobs  chan *job      // claimed mails, for the workers
	sent  chan *job      // mails that SES took, for the marker
}

// job is a claimed mail of a batch.
type job struct {
	i         int // the item's index in the batch
	mail      tilgang.Mail
	claim     string
	claimed   time.Time  // when the claim began
	users     UserReader // the chunk's users
	states    mailStates // the chunk's mail states
	messageID string     // SES's, once it took the mail
}

// claimAll claims the items at (indexes in the batch) a chunk at a time
// and returns those that other deliveries hold.
func (b *batch) claimAll(ctx context.Context, at []int) []int {
	var held []int
	for chunk := range slices.Chunk(at, b.size) {
		held = append(held, b.claim(ctx, chunk)...)
	}
	return held
}

// wait waits for the items held, which other deliveries hold, as a
// delivery that finds an item claimed must: it claims them again, with
// pauses that grow to pollMax, until each is claimed here, done or gone
// (that delivery marked it, gave it back, or its claim expired), or the
// invocation runs short of time.
func (b *batch) wait(ctx context.Context, held []int) {
	for pause := 50 * time.Millisecond; len(held) > 0; pause = min(2*pause, pollMax) {
		if err := sleep(ctx, pause); err != nil {
			for _, i := range held {
				b.errs[i] = err
			}
			return
		}
		held = b.claimAll(ctx, held)
	}
}

// claim claims the items at (indexes in the batch, at most a chunk) in one
// transaction, reads them and their users, and queues their mails for the
// workers. It returns those that other deliveries hold; an item that is
// done (by an earlier delivery) or gone (removed by TTL after two weeks)
// needs nothing more.
func (b *batch) claim(ctx context.Context, at []int) (held []int) {
	m := b.m
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < reserve {
		for _, i := range at {
			b.errs[i] = errNoTime
		}
		return nil
	}
	ids := make([]string, len(at))
	for k, i := range at {
		ids[k] = b.ids[i]
	}
	claim, claimed, now := rand.Text(), time.Now(), m.now()
	res, err := m.store.ClaimOutboxes(ctx, ids, claim, now, now.Add(m.claimFor))
	if err != nil {
		// The transaction may have been written: give every item back.
		b.release(ctx, claim, err, at...)
		return nil
	}
	var mine []int // indexes in the batch of the claimed items
	for k, r := range res {
		switch {
		case r.Err == nil:
			mine = append(mine, at[k])
		case errors.Is(r.Err, store.ErrOutboxNotFound):
			m.log.InfoContext(ctx, "outbox item not found; nothing to send", slog.String("outbox", ids[k]))
		case !r.Item.Status.Done():
			held = append(held, at[k])
		}
	}
	if len(mine) == 0 {
		return held
	}
	items, users, states, err := b.read(ctx, mine)
	if err != nil {
		b.release(ctx, claim, err, mine...)
		return held
	}
	for k, i := range mine {
		if items[k] == nil { // removed since the claim
			m.log.InfoContext(ctx, "outbox item not found; nothing to send", slog.String("outbox", b.ids[i]))
			continue
		}
		b.jobs <- &job{i: i, mail: items[k].Mail, claim: claim, claimed: claimed, users: users, states: states}
	}
	return held
}

// read reads the claimed items at and, at the same time, the users that
// their hints say they are to, and warms the organisation cache. A user
// that the items turn out not to be to, or that the read did not find, is
// read on its own when needed.
func (b *batch) read(ctx context.Context, at []int) ([]*store.Outbox, UserReader, mailStates, error) {
	m := b.m
	ids, hints := make([]string, len(at)), make([]tilgang.Mail, len(at))
	for k, i := range at {
		ids[k], hints[k] = b.ids[i], b.hints[i]
	}
	var (
		wg                            sync.WaitGroup
		items                         []*store.Outbox
		users                         []*tilgang.User
		states                        mailStates
		itemsErr, usersErr, statesErr error
	)
	targets := make([]tilgang.MailTarget, 0, len(hints))
	for _, h := range hints {
		if t := h.Target(); !t.IsZero() {
			targets = append(targets, t)
		}
	}
	wg.Go(func() { items, itemsErr = m.store.OutboxItems(ctx, ids) })
	wg.Go(func() { users, usersErr = m.store.MailUsers(ctx, hints) })
	wg.Go(func() { states, statesErr = m.store.MailStates(ctx, targets) })
	orgs := map[string]bool{}
	for _, h := range hints {
		if h.OrgID != "" && !orgs[h.OrgID] {
			orgs[h.OrgID] = true
			wg.Go(func() { _, _ = m.organisation(ctx, h.OrgID) }) // build reports its errors
		}
	}
	wg.Wait()
	if itemsErr != nil {
		return nil, nil, nil, itemsErr
	}
	if statesErr != nil {
		m.log.WarnContext(ctx, "mail states of a chunk not read at once; reading them one by one", slog.Any("error", statesErr))
	}
	r := readUsers{users: map[userKey]*tilgang.User{}, next: m.users}
	if usersErr != nil {
		m.log.WarnContext(ctx, "users of a chunk not read at once; reading them one by one", slog.Any("error", usersErr))
	}
	for _, u := range users {
		if u != nil {
			r.users[userKey{u.OrgID, u.ID}] = u
		}
	}
	return items, r, states, nil
}

// userKey names a user.
type userKey struct{ orgID, id string }

// readUsers is a UserReader over the users that a chunk read at once. A
// user that it does not hold is read through next, so that reading at
// once changes no outcome.
type readUsers struct {
	users map[userKey]*tilgang.User
	next  UserReader
}

func (r readUsers) Get(ctx context.Context, org *tilgang.Organisation, id string) (*tilgang.User, error) {
	if u, ok := r.users[userKey{org.ID, id}]; ok {
		return u, nil
	}
	return r.next.Get(ctx, org, id)
}
