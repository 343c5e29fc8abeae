package mail_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/tilgang/tilgang/internal/mail"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// batchSize is the size of the batches of these tests: more than one chunk
// (25), so that the batch is claimed, read and marked in several
// transactions.
const batchSize = 30

// createBatch creates n users with activation and returns their addresses
// and the outbox records, in the same order.
func (e *env) createBatch(n int) ([]string, []events.DynamoDBEventRecord) {
	e.t.Helper()
	byUser := map[string]string{}
	for range n {
		to := address()
		byUser[e.createUser(to).ID] = to
	}
	recs := e.records(n)
	addrs := make([]string, n)
	for i, r := range recs {
		addrs[i] = byUser[r.Change.NewImage["userId"].String()]
	}
	return addrs, recs
}

// checkSent fails t unless every address has got one message and every
// item is marked sent, after claims claims, as the message SES took.
func (e *env) checkSent(addrs []string, recs []events.DynamoDBEventRecord, claims int) {
	e.t.Helper()
	for i, a := range addrs {
		got := mailTo(e.t, a)
		if len(got) != 1 {
			e.t.Errorf("record %d: SES has %d messages, want 1", i, len(got))
			continue
		}
		if it := e.outbox(recs[i]); it.Status != store.OutboxSent || it.MessageID != got[0].MessageID || it.Attempts != claims {
			e.t.Errorf("record %d: item = %+v, want sent as %s after %d claims", i, it, got[0].MessageID, claims)
		}
	}
}

// TestBatchSendsEachMailOnce delivers a batch of several chunks once, again,
// and at the same time to three mailers: every mail goes once, and no
// record is reported failed.
func TestBatchSendsEachMailOnce(t *testing.T) {
	t.Parallel()
	t.Run("again", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "da")
		addrs, recs := e.createBatch(batchSize)
		m := e.mailer()
		for i := range 2 {
			if n := handle(t, context.Background(), m, batch(recs...)); n != 0 {
				t.Fatalf("delivery %d: %d records failed", i+1, n)
			}
		}
		e.checkSent(addrs, recs, 1)
	})
	t.Run("concurrently", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "da")
		addrs, recs := e.createBatch(batchSize)
		failed := make([]int, 3)
		var wg sync.WaitGroup
		for i := range failed {
			// A claim that outlives any load on the machine: this is about
			// the others waiting for its holder, not about its expiry.
			m := e.mailer(func(p *mailerParts) { p.cfg.ClaimFor = time.Hour })
			wg.Go(func() { failed[i] = handle(t, context.Background(), m, batch(recs...)) })
		}
		wg.Wait()
		if slices.Max(failed) != 0 {
			t.Errorf("failed records per delivery = %v, want none: the others wait for the one that holds an item", failed)
		}
		e.checkSent(addrs, recs, 1)
	})
	t.Run("records repeated in the batch", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, "da")
		addrs, recs := e.createBatch(3)
		if n := handle(t, context.Background(), e.mailer(), batch(recs[0], recs[1], recs[0], recs[2], recs[1])); n != 0 {
			t.Fatalf("%d records failed", n)
		}
		e.checkSent(addrs, recs, 1)
	})
}

// startSignal is a Sender that closes started when the first mail is
// sent: by then the batch has claimed the items it could.
type startSignal struct {
	mail.Sender
	once    sync.Once
	started chan struct{}
}

func (s *startSignal) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	out, err := s.Sender.SendEmail(ctx, in, opts...)
	s.once.Do(func() { close(s.started) })
	return out, err
}

// TestBatchItemHeldElsewhere: an item of the batch is claimed by another
// delivery, so the claim transaction is cancelled. The others are claimed
// without it and sent once; the held item waits for the other delivery,
// and ends as that one leaves it: sent there (nothing to send here) or
// given back (sent here, once).
func TestBatchItemHeldElsewhere(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		finish   func(st *store.Store, id string) error // what the other delivery does
		mails    int                                    // messages to the held item's address
		attempts int                                    // its claims
	}{
		{"sent there", func(st *store.Store, id string) error {
			return st.MarkOutboxSent(context.Background(), id, "elsewhere", "msg-elsewhere", time.Now())
		}, 0, 1},
		{"given back", func(st *store.Store, id string) error {
			return st.ReleaseOutbox(context.Background(), id, "elsewhere")
		}, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "da")
			addrs, recs := e.createBatch(batchSize)
			const held = 7
			heldID := recs[held].Change.NewImage["id"].String()
			e.claimElsewhere(recs[held])
			ses := &startSignal{Sender: sesv2.NewFromConfig(e.cfg), started: make(chan struct{})}
			m := e.mailer(func(p *mailerParts) { p.ses = ses })
			failed := make(chan int, 1)
			go func() { failed <- handle(t, context.Background(), m, batch(recs...)) }()
			<-ses.started
			if err := tt.finish(e.st, heldID); err != nil {
				t.Fatal(err)
			}
			if n := <-failed; n != 0 {
				t.Fatalf("%d records failed", n)
			}
			others := slices.Delete(slices.Clone(addrs), held, held+1)
			otherRecs := slices.Delete(slices.Clone(recs), held, held+1)
			e.checkSent(others, otherRecs, 1)
			if got := len(mailTo(t, addrs[held])); got != tt.mails {
				t.Errorf("held item: SES has %d messages, want %d", got, tt.mails)
			}
			if it := e.outbox(recs[held]); it.Status != store.OutboxSent || it.Attempts != tt.attempts {
				t.Errorf("held item = %+v, want sent after %d claims", it, tt.attempts)
			}
		})
	}
}

// TestBatchWithDeletedUser: a mail to a user who is gone is skipped among
// the others of its batch, which are sent.
func TestBatchWithDeletedUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "da")
	const gone = 1
	var (
		addrs []string
		users []*tilgang.User
	)
	for range 4 {
		addrs = append(addrs, address())
		users = append(users, e.createUser(addrs[len(addrs)-1]))
	}
	if err := e.users.Delete(context.Background(), tilgang.Actor{Name: "test", Source: "admin"}, users[gone]); err != nil {
		t.Fatal(err)
	}
	recs := e.records(len(users))
	slices.SortFunc(recs, func(a, b events.DynamoDBEventRecord) int {
		id := func(r events.DynamoDBEventRecord) string { return r.Change.NewImage["userId"].String() }
		return slices.IndexFunc(users, func(u *tilgang.User) bool { return u.ID == id(a) }) -
			slices.IndexFunc(users, func(u *tilgang.User) bool { return u.ID == id(b) })
	})
	if n := handle(t, context.Background(), e.mailer(), batch(recs...)); n != 0 {
		t.Fatalf("%d records failed", n)
	}
	e.checkSent(slices.Delete(slices.Clone(addrs), gone, gone+1), slices.Delete(slices.Clone(recs), gone, gone+1), 1)
	if got := mailTo(t, addrs[gone]); len(got) != 0 {
		t.Errorf("the deleted user has %d messages, want none", len(got))
	}
	if it := e.outbox(recs[gone]); it.Status != store.OutboxSkipped || it.Reason != "user.gone" {
		t.Errorf("the deleted user's item = %s (%s), want skipped (user.gone)", it.Status, it.Reason)
	}
}

// TestBatchCrashAfterSESTookTheMails is TestCrashAfterSESTookTheMail for a
// batch: the mailer loses DynamoDB as soon as SES has taken the first mail,
// so no mail of the batch can be marked sent. Every record is reported; a
// redelivery while the claims live sends nothing; one after they expired
// sends every mail once more: a second time, the documented duplicate, for
// those SES took before the cut. (Which mails besides the first got to SES
// before the cut depends on how the workers were scheduled: each reads the
// store before it sends.)
func TestBatchCrashAfterSESTookTheMails(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "da")
	addrs, recs := e.createBatch(3)

	crashing := e.crashingMailer(t)
	if n := handle(t, context.Background(), crashing, batch(recs...)); n != len(recs) {
		t.Fatalf("%d records failed, want %d: no item could be marked sent", n, len(recs))
	}
	took := make([]int, len(addrs))
	for i, a := range addrs {
		took[i] = len(mailTo(t, a))
		if took[i] > 1 {
			t.Errorf("record %d: SES has %d messages, want at most 1", i, took[i])
		}
		if it := e.outbox(recs[i]); it.Status != store.OutboxSending {
			t.Errorf("record %d: status = %s, want sending (claimed, never marked)", i, it.Status)
		}
	}
	if slices.Max(took) == 0 {
		t.Fatal("SES took no mail before the cut")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second+300*time.Millisecond)
	defer cancel()
	if n := handle(t, ctx, e.mailer(), batch(recs...)); n != len(recs) {
		t.Errorf("redelivery within the claims: %d records failed, want %d", n, len(recs))
	}
	for i, a := range addrs {
		if got := len(mailTo(t, a)); got != took[i] {
			t.Errorf("after a redelivery within the claims, record %d: SES has %d messages, want %d", i, got, took[i])
		}
	}

	later := e.mailer(func(p *mailerParts) { p.cfg.Now = func() time.Time { return time.Now().Add(2 * time.Minute) } })
	if n := handle(t, context.Background(), later, batch(recs...)); n != 0 {
		t.Errorf("redelivery after the claims: %d records failed", n)
	}
	for i, a := range addrs {
		if got := len(mailTo(t, a)); got != took[i]+1 {
			t.Errorf("after the claims expired, record %d: SES has %d messages, want %d", i, got, took[i]+1)
		}
		if it := e.outbox(recs[i]); it.Status != store.OutboxSent || it.Attempts != 2 {
			t.Errorf("record %d: item = %+v, want sent after 2 claims", i, it)
		}
	}
}

// TestBatchWithoutDynamoDB: when the chunk cannot even be claimed, no mail
// is sent and every record is reported for a later delivery.
func TestBatchWithoutDynamoDB(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "da")
	addrs, recs := e.createBatch(3)
	proxy := newTCPProxy(t, strings.TrimPrefix(aws.ToString(e.db.Options().BaseEndpoint), "http://"))
	proxy.Cut()
	db := dynamodb.NewFromConfig(e.cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(proxy.URL())
		o.RetryMaxAttempts = 1
	})
	m := e.mailer(func(p *mailerParts) { p.st = store.New(db, e.table) })
	if n := handle(t, context.Background(), m, batch(recs...)); n != len(recs) {
		t.Errorf("%d records failed, want %d", n, len(recs))
	}
	for i, a := range addrs {
		if got := len(mailTo(t, a)); got != 0 {
			t.Errorf("record %d: SES has %d messages, want none", i, got)
		}
		if it := e.outbox(recs[i]); it.Status != store.OutboxPending {
			t.Errorf("record %d: status = %s, want pending", i, it.Status)
		}
	}
}

// TestBatchWithGoneItem: a record whose item is gone (removed by TTL) is
// done with, and the others of its batch are sent.
func TestBatchWithGoneItem(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "da")
	addrs, recs := e.createBatch(2)
	gone := events.DynamoDBEventRecord{EventName: "INSERT", Change: events.DynamoDBStreamRecord{SequenceNumber: "1", NewImage: map[string]events.DynamoDBAttributeValue{
		"type": events.NewStringAttribute(store.OutboxType), "id": events.NewStringAttribute("019abfad-5880-7c3e-8f21-6a9b0c1d2e3f"),
		"orgId": events.NewStringAttribute(e.org.ID), "userId": events.NewStringAttribute("019abfad-5880-7c3e-8f21-6a9b0c1d2e40")}}}
	if n := handle(t, context.Background(), e.mailer(), batch(recs[0], gone, recs[1])); n != 0 {
		t.Fatalf("%d records failed", n)
	}
	e.checkSent(addrs, recs, 1)
}
