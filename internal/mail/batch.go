package mail

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/time/rate"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Handle processes one stream batch: every record is an insert of an
// outbox item. It answers with the records to deliver again (the event
// source mapping reports batch item failures), so that a mail that fails
// for now is retried without resending the others.
//
// A batch of one item is delivered on its own (deliver). A larger one is
// claimed, read and marked sent a chunk at a time, with one DynamoDB
// transaction for many items (see batch); the at-most-once rules are the
// same item by item.
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
	for j, err := range m.deliverAll(ctx, ids, hints) {
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

// deliverAll delivers the outbox items ids; hints are their mails as the
// records show them. It returns, per item, nil when done with it, or why
// its records must be delivered again.
func (m *Mailer) deliverAll(ctx context.Context, ids []string, hints []tilgang.Mail) []error {
	errs := make([]error, len(ids))
	size := m.chunkSize()
	if len(ids) < 2 || size < 2 {
		// One at a time: ClaimOutbox returns the item it claims, so a lone
		// item costs a round trip less than a transaction and a read.
		sem := make(chan struct{}, m.workers)
		var wg sync.WaitGroup
		for i, id := range ids {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				errs[i] = m.deliver(ctx, id)
			})
		}
		wg.Wait()
		return errs
	}
	b := &batch{
		m:     m,
		errs:  errs,
		jobs:  make(chan *job, size),
		sent:  make(chan *job, len(ids)), // a worker never waits for the marker
		waits: make(chan struct{}, m.workers),
	}
	var workers, marker sync.WaitGroup
	for range m.workers {
		workers.Go(func() {
			for j := range b.jobs {
				b.send(ctx, j)
			}
		})
	}
	marker.Go(func() { b.mark(ctx) })
	for first := 0; first < len(ids); first += size {
		last := min(first+size, len(ids))
		b.chunk(ctx, first, ids[first:last], hints[first:last])
	}
	close(b.jobs)
	workers.Wait()
	close(b.sent)
	marker.Wait()
	b.waiting.Wait()
	return errs
}

// maxChunk is the most items a batch claims at once: a quarter of the
// event source mapping's batch of 100. The next chunk's claim and reads
// overlap this chunk's sends, and a cancelled transaction or a crash
// touches fewer items; DynamoDB charges by the item, not the transaction.
const maxChunk = 25

// chunkSize is how many items a batch claims at once: maxChunk, or fewer
// under a rate limit. Every mail must be sent within half its claim, and
// up to two chunks and the workers' mails are claimed and not yet sent (one
// chunk queued for the workers, the next being claimed); they must be able
// to go in a quarter of a claim. Below 2, items are claimed one by one, each
// just before its send.
func (m *Mailer) chunkSize() int {
	limit := m.limiter.Limit()
	if limit == rate.Inf {
		return maxChunk
	}
	return min(maxChunk, int((float64(limit)*m.claimFor.Seconds()/4-float64(m.workers))/2))
}

// batch is the delivery of a stream batch's items by chunks. A chunk is
// claimed in one transaction (store.ClaimOutboxes), and its items and
// their users are read in one transaction each, at once; its mails go to
// the workers, which build and send them. The marker marks sent what SES
// took, in one transaction for all that SES took while it wrote the last
// (group commit), so a sent mail waits for at most that transaction and its
// own before it is marked. The next chunk is claimed while the workers send
// one.
//
// An item that one of the chunk's transactions cannot claim is done
// (nothing to do), gone (nothing to do), or held by another delivery: that
// one is delivered on its own, which waits for the other delivery as a
// lone record's delivery does.
type batch struct {
	m       *Mailer
	errs    []error        // per item of the batch, as deliverAll returns
	jobs    chan *job      // claimed mails, for the workers
	sent    chan *job      // mails that SES took, for the marker
	waits   chan struct{}  // bounds the items delivered on their own
	waiting sync.WaitGroup // the items delivered on their own
}

// job is a claimed mail of a batch.
type job struct {
	i         int // the item's index in the batch
	mail      tilgang.Mail
	claim     string
	claimed   time.Time  // when the claim began
	users     UserReader // the chunk's users
	messageID string     // SES's, once it took the mail
}

// chunk claims and reads the items ids, which start at first in the batch,
// and queues their mails for the workers.
func (b *batch) chunk(ctx context.Context, first int, ids []string, hints []tilgang.Mail) {
	m := b.m
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < reserve {
		for k := range ids {
			b.errs[first+k] = errNoTime
		}
		return
	}
	claim, claimed, now := rand.Text(), time.Now(), m.now()
	res, err := m.store.ClaimOutboxes(ctx, ids, claim, now, now.Add(m.claimFor))
	if err != nil {
		all := make([]int, len(ids))
		for k := range all {
			all[k] = first + k
		}
		b.release(ctx, all, ids, claim, err)
		return
	}
	var mine []int // indexes in ids of the claimed items
	for k, r := range res {
		switch {
		case r.Err == nil:
			mine = append(mine, k)
		case errors.Is(r.Err, store.ErrOutboxNotFound):
			// Removed by TTL after two weeks; nothing to do.
			m.log.InfoContext(ctx, "outbox item not found; nothing to send", slog.String("outbox", ids[k]))
		case r.Item.Status.Done():
			// Done by an earlier delivery.
		default:
			b.alone(ctx, first+k, ids[k])
		}
	}
	if len(mine) == 0 {
		return
	}
	at, claimedIDs, claimedHints := make([]int, len(mine)), make([]string, len(mine)), make([]tilgang.Mail, len(mine))
	for n, k := range mine {
		at[n], claimedIDs[n], claimedHints[n] = first+k, ids[k], hints[k]
	}
	items, users, err := b.read(ctx, claimedIDs, claimedHints)
	if err != nil {
		b.release(ctx, at, claimedIDs, claim, err)
		return
	}
	for n, k := range mine {
		if items[n] == nil { // removed since the claim
			m.log.InfoContext(ctx, "outbox item not found; nothing to send", slog.String("outbox", ids[k]))
			continue
		}
		b.jobs <- &job{i: first + k, mail: items[n].Mail, claim: claim, claimed: claimed, users: users}
	}
}

// read reads the claimed items ids and, at the same time, the users that
// hints say they are to, and warms the organisation cache. A user that the
// items turn out not to be to, or that the read did not find, is read on
// its own when needed.
func (b *batch) read(ctx context.Context, ids []string, hints []tilgang.Mail) ([]*store.Outbox, UserReader, error) {
	m := b.m
	var (
		wg                 sync.WaitGroup
		items              []*store.Outbox
		users              []*tilgang.User
		itemsErr, usersErr error
	)
	wg.Go(func() { items, itemsErr = m.store.OutboxItems(ctx, ids) })
	wg.Go(func() { users, usersErr = m.store.MailUsers(ctx, hints) })
	orgs := map[string]bool{}
	for _, h := range hints {
		if h.OrgID != "" && !orgs[h.OrgID] {
			orgs[h.OrgID] = true
			wg.Go(func() { _, _ = m.organisation(ctx, h.OrgID) }) // build reports its errors
		}
	}
	wg.Wait()
	if itemsErr != nil {
		return nil, nil, itemsErr
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
	return items, r, nil
}

// alone delivers the item id, at i in the batch, on its own.
func (b *batch) alone(ctx context.Context, i int, id string) {
	b.waiting.Go(func() {
		b.waits <- struct{}{}
		defer func() { <-b.waits }()
		b.errs[i] = b.m.deliver(ctx, id)
	})
}

// send builds and sends the mail of j and hands it to the marker if SES
// took it.
func (b *batch) send(ctx context.Context, j *job) {
	messageID, sent, err := b.m.sendClaimed(ctx, j.mail, j.claim, j.claimed, j.users)
	if !sent {
		b.errs[j.i] = err
		return
	}
	j.messageID = messageID
	b.sent <- j
}

// mark marks sent the mails that SES took, as many at once as came while
// it wrote the last mark, until the workers are done.
func (b *batch) mark(ctx context.Context) {
	for j := range b.sent {
		group := []*job{j}
	more:
		for len(group) < store.MaxOutboxBatch {
			select {
			case j, ok := <-b.sent:
				if !ok {
					break more
				}
				group = append(group, j)
			default:
				break more
			}
		}
		b.markGroup(ctx, group)
	}
}

// markGroup marks the mails of group sent, in one transaction. The marks
// run even when the invocation's context ends, as deliver's does.
func (b *batch) markGroup(ctx context.Context, group []*job) {
	m := b.m
	markCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	at := m.now()
	var errs []error
	if len(group) > 1 {
		sent := make([]store.SentOutbox, len(group))
		for k, j := range group {
			sent[k] = store.SentOutbox{ID: j.mail.ID, Claim: j.claim, MessageID: j.messageID}
		}
		var err error
		if errs, err = m.store.MarkOutboxesSent(markCtx, sent, at); err != nil {
			// Whether or not the transaction was written, marking the items
			// one by one ends right: a mark by the claim that marked an item
			// sent already succeeds.
			m.log.WarnContext(ctx, "mails not marked sent at once; marking them one by one", slog.Int("mails", len(group)), slog.Any("error", err))
			errs = nil
		}
	}
	if errs == nil {
		errs = make([]error, len(group))
		for k, j := range group {
			errs[k] = m.store.MarkOutboxSent(markCtx, j.mail.ID, j.claim, j.messageID, at)
		}
	}
	for k, j := range group {
		b.errs[j.i] = m.marked(ctx, j.mail, j.messageID, errs[k])
	}
}

// release gives back the items ids, at the indexes at of the batch, after
// cause, so that the next delivery need not wait for the claim to expire.
// An item that claim does not hold (the claim transaction failed, and may
// or may not have been written) is left as it is. The releases share one
// markTimeout.
func (b *batch) release(ctx context.Context, at []int, ids []string, claim string, cause error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	for k, id := range ids {
		b.errs[at[k]] = cause
		if err := b.m.store.ReleaseOutbox(ctx, id, claim); err != nil && !errors.Is(err, store.ErrClaimLost) {
			b.errs[at[k]] = errors.Join(cause, err)
		}
	}
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
