package mail_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"golang.org/x/time/rate"

	"github.com/tilgang/tilgang/internal/mail"
	"github.com/tilgang/tilgang/internal/store"
)

// sendLog is a Sender that records when each SendEmail call begins.
type sendLog struct {
	mail.Sender
	mu    sync.Mutex
	times []time.Time
}

func (s *sendLog) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	s.mu.Lock()
	s.times = append(s.times, time.Now())
	s.mu.Unlock()
	return s.Sender.SendEmail(ctx, in, opts...)
}

// handleAtOnce delivers the batches to m at the same time and returns how
// many records each reports failed.
func handleAtOnce(t *testing.T, m *mail.Mailer, batches [][]events.DynamoDBEventRecord) []int {
	t.Helper()
	failed := make([]int, len(batches))
	var wg sync.WaitGroup
	for k, recs := range batches {
		wg.Go(func() { failed[k] = handle(t, context.Background(), m, batch(recs...)) })
	}
	wg.Wait()
	return failed
}

// TestSendRate: a Mailer never calls SendEmail more often than Config.Rate
// and Burst allow, within one batch and across batches delivered at once.
// From its start, the limiter lets at most Burst + Rate·d sends go in a
// span of d, so the k-th send (k from 1, in time order) comes no sooner
// than (k − Burst)/Rate after the Mailer was made. The times are taken
// when the calls begin, after the limiter let them go, so a goroutine
// that wakes late only makes a send look later: the check needs no slack.
// Spans that do not begin at the start are TestRateLimit's: there no send
// waits, and the count is exactly Burst.
func TestSendRate(t *testing.T) {
	t.Parallel()
	const (
		limit = 10 // sends a second
		burst = 2
		mails = 24
	)
	tests := []struct {
		name    string
		batches int // delivered at once to one Mailer
	}{
		{"one batch", 1},
		{"three batches at once", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "da")
			addrs, recs := e.createBatch(mails)
			ses := &sendLog{Sender: sesv2.NewFromConfig(e.cfg)}
			start := time.Now()
			m := e.mailer(func(p *mailerParts) { p.ses, p.cfg.Rate, p.cfg.Burst = ses, limit, burst })
			if failed := handleAtOnce(t, m, slices.Collect(slices.Chunk(recs, mails/tt.batches))); slices.Max(failed) != 0 {
				t.Fatalf("failed records per batch = %v, want none", failed)
			}
			e.checkSent(addrs, recs, 1)

			times := slices.SortedFunc(slices.Values(ses.times), time.Time.Compare)
			if len(times) != mails {
				t.Fatalf("%d sends, want %d", len(times), mails)
			}
			for i, at := range times {
				// A millisecond for the rounding of the limiter's float arithmetic.
				earliest := start.Add(time.Duration(float64(i+1-burst)/limit*float64(time.Second)) - time.Millisecond)
				if at.Before(earliest) {
					t.Errorf("send %d went %v after the start, before %v: the rate allows %d sends by then",
						i+1, at.Sub(start), earliest.Sub(start), burst+int(limit*at.Sub(start).Seconds()))
				}
			}
		})
	}
}

// TestRateLimit: at one send an hour, a Mailer sends Burst mails, however
// its batches come, and no more: the others cannot wait that long within
// their claims, so their records are reported for retry and their items are
// pending again, unsent.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		burst  int
		sizes  []int // records per batch
		atOnce bool  // the batches delivered at the same time, else one after another
	}{
		{"one batch after another", 1, []int{1, 1}, false},
		{"batches at once", 3, []int{3, 2, 3}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "da")
			n := 0
			for _, size := range tt.sizes {
				n += size
			}
			addrs, recs := e.createBatch(n)
			var batches [][]events.DynamoDBEventRecord
			for rest := recs; len(rest) > 0; rest = rest[len(batches[len(batches)-1]):] {
				batches = append(batches, rest[:tt.sizes[len(batches)]])
			}
			m := e.mailer(func(p *mailerParts) { p.cfg.Rate, p.cfg.Burst = rate.Every(time.Hour), tt.burst })
			failed := 0
			if tt.atOnce {
				for _, f := range handleAtOnce(t, m, batches) {
					failed += f
				}
			} else {
				for _, b := range batches {
					failed += handle(t, context.Background(), m, batch(b...))
				}
			}
			if failed != n-tt.burst {
				t.Errorf("%d records failed, want %d", failed, n-tt.burst)
			}
			sent := 0
			for i, a := range addrs {
				got := len(mailTo(t, a))
				switch st := e.outbox(recs[i]).Status; {
				case got == 1 && st == store.OutboxSent:
					sent++
				case got != 0 || st != store.OutboxPending:
					t.Errorf("record %d: %d messages, status %s; want 1 and sent, or none and pending", i, got, st)
				}
			}
			if sent != tt.burst {
				t.Errorf("%d mails sent, want %d", sent, tt.burst)
			}
		})
	}
}
