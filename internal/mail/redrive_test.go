package mail_test

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/tilgang/tilgang/internal/mail"
	"github.com/tilgang/tilgang/internal/scheduler"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
)

// streamDeliveries is how often the event source mapping delivers a
// record before it gives up: the first delivery and MaximumRetryAttempts
// (template.yaml).
const streamDeliveries = 1 + 8

// unreachableSES is an SES client whose endpoint refuses every connection,
// as SES does when it cannot be reached at all.
func unreachableSES(t *testing.T, e *env) *sesv2.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return sesv2.NewFromConfig(e.cfg, func(o *sesv2.Options) { o.BaseEndpoint = aws.String("http://" + addr) })
}

// TestPausedSESLosesNoMail: while SES cannot be reached, every delivery of
// the stream's records fails, as many times as the stream retries. Then
// SES is back, the scheduler runs, and every mail is sent exactly once:
// by the mailer from the re-driven item's record, while late deliveries
// of the old records and repeated ticks send nothing more.
func TestPausedSESLosesNoMail(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "da")
	const n = 5
	var to []string
	for range n {
		to = append(to, address())
		e.createUser(to[len(to)-1])
	}
	old := e.records(n)

	paused := e.mailer(func(p *mailerParts) { p.ses, p.cfg.SendAttempts = unreachableSES(t, e), 2 })
	for range streamDeliveries {
		if failed := handle(t, context.Background(), paused, batch(old...)); failed != n {
			t.Fatalf("while SES is paused %d records failed, want %d", failed, n)
		}
	}
	for _, rec := range old {
		if it := e.outbox(rec); it.Status != store.OutboxPending {
			t.Fatalf("after the stream's retries the item is %s, want pending", it.Status)
		}
	}

	// SES is back. The scheduler's tick before the items are due re-drives
	// nothing; the one after does, once.
	clock := testenv.NewClock(time.Now())
	sched := scheduler.New(e.st, clock.Now, slog.New(slog.DiscardHandler))
	if res, err := sched.RedriveMail(context.Background()); err != nil || res.Redriven != 0 {
		t.Fatalf("early tick: %+v, %v; want nothing re-driven", res, err)
	}
	clock.Advance(mail.DefaultRedriveAfter + time.Minute)
	for tick := range 2 { // the second tick finds nothing due: the new items are young
		if err := sched.Handle(context.Background(), events.EventBridgeEvent{}); err != nil {
			t.Fatalf("tick %d: %v", tick, err)
		}
	}
	for _, rec := range old {
		if it := e.outbox(rec); it.Status != store.OutboxSkipped {
			t.Errorf("old item is %s, want skipped (re-driven)", it.Status)
		}
	}

	// The stream delivers the new items' records, and late ones of the old
	// items, twice.
	all := e.records(2 * n)
	m := e.mailer()
	for range 2 {
		if failed := handle(t, context.Background(), m, batch(all...)); failed != 0 {
			t.Fatalf("%d records failed after SES came back", failed)
		}
	}
	for _, addr := range to {
		if got := mailTo(t, addr); len(got) != 1 {
			t.Errorf("SES has %d messages for one user, want exactly 1", len(got))
		}
	}
	if left, err := e.st.UndeliveredOutboxes(context.Background(), clock.Now().Add(time.Hour), false, 0); err != nil || len(left) != 0 {
		t.Errorf("undelivered after sending: %d items, %v; want none", len(left), err)
	}
}

// TestRedriveGivesUpAndOperatorRedrivesFailed: a mail still pending a week
// after it was first written is marked failed (undelivered), once; an
// operator's re-drive of failed mail writes it again, and the mailer sends
// it once.
func TestRedriveGivesUpAndOperatorRedrivesFailed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "da")
	to := address()
	e.createUser(to)
	old := e.record()
	later := time.Now().Add(mail.DefaultGiveUpAfter + time.Hour)
	for i, want := range []int{1, 0} {
		res, err := mail.Redrive(context.Background(), e.st, later, mail.RedriveOptions{})
		if err != nil || res.GivenUp != want || res.Redriven != 0 {
			t.Fatalf("run %d: %+v, %v; want %d given up", i, res, err, want)
		}
	}
	if it := e.outbox(old); it.Status != store.OutboxFailed || it.Reason != mail.ReasonUndelivered {
		t.Fatalf("item %s %q, want failed %q", it.Status, it.Reason, mail.ReasonUndelivered)
	}

	res, err := mail.Redrive(context.Background(), e.st, later, mail.RedriveOptions{Failed: true})
	if err != nil || res.Redriven != 1 {
		t.Fatalf("operator re-drive: %+v, %v", res, err)
	}
	// The mailer runs on the real clock, so the user's activation is still
	// open: the re-driven mail goes, once.
	recs := e.records(2)
	m := e.mailer()
	if n := handle(t, context.Background(), m, batch(recs...)); n != 0 {
		t.Fatalf("%d records failed", n)
	}
	if got := len(mailTo(t, to)); got != 1 {
		t.Errorf("SES has %d messages, want 1", got)
	}
	if res, err := mail.Redrive(context.Background(), e.st, later, mail.RedriveOptions{Failed: true}); err != nil || res.Redriven != 0 {
		t.Errorf("second operator re-drive: %+v, %v; want nothing", res, err)
	}
}
