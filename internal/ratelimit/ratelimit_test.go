package ratelimit_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/ratelimit"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// counting counts the calls that reach the table.
type counting struct {
	ratelimit.Counter
	takes atomic.Int64
}

func (c *counting) Take(ctx context.Context, k store.LimitKey, n, limit int64, expires time.Time) (bool, error) {
	c.takes.Add(1)
	return c.Counter.Take(ctx, k, n, limit, expires)
}

// failing is a table that is down.
type failing struct{ ratelimit.Counter }

func (failing) Take(context.Context, store.LimitKey, int64, int64, time.Time) (bool, error) {
	return false, errors.New("table down")
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// at is a time well inside a minute, so that a test's requests share a
// window.
var at = time.Date(2026, 12, 2, 10, 0, 5, 0, time.UTC)

func TestLimitHoldsAcrossInstances(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	clock := testenv.NewClock(at)
	const limit = 200 // reserved 4 at a time
	a := ratelimit.New(st, "scim", ratelimit.PerMinute(limit), ratelimit.Rate{}, discard, ratelimit.WithClock(clock.Now))
	b := ratelimit.New(st, "scim", ratelimit.PerMinute(limit), ratelimit.Rate{}, discard, ratelimit.WithClock(clock.Now))
	ctx := context.Background()
	allowed := 0
	for i := range 300 {
		l := a
		if i%3 == 0 {
			l = b
		}
		err := l.Org(ctx, "org-1")
		var e *tilgang.LimitExceeded
		switch {
		case err == nil:
			allowed++
		case errors.As(err, &e):
			if e.Scope != tilgang.LimitOrganisation || e.RetryAfter != 55*time.Second {
				t.Fatalf("refusal %+v, want the organisation's, 55 s before the window ends", e)
			}
		default:
			t.Fatal(err)
		}
	}
	// Reserved requests count at once: never more than the limit, and
	// at most a chunk less per instance.
	if allowed > limit || allowed < limit-2*3 {
		t.Errorf("two instances let %d of 300 requests through, want %d or a few fewer", allowed, limit)
	}
	// Another organisation and the next window start afresh.
	if err := a.Org(ctx, "org-2"); err != nil {
		t.Errorf("another organisation: %v", err)
	}
	clock.Advance(time.Minute)
	if err := a.Org(ctx, "org-1"); err != nil {
		t.Errorf("the next minute: %v", err)
	}
}

func TestWarmInstanceSparesWrites(t *testing.T) {
	t.Parallel()
	c := &counting{Counter: testenv.Store(t)}
	clock := testenv.NewClock(at)
	l := ratelimit.New(c, "admin", ratelimit.PerMinute(1000), ratelimit.PerMinute(3), discard, ratelimit.WithClock(clock.Now))
	ctx := context.Background()
	for range 100 {
		if err := l.Org(ctx, "org-1"); err != nil {
			t.Fatal(err)
		}
	}
	// 2 % of 1,000 at a time: 5 writes for 100 requests.
	if got := c.takes.Load(); got != 5 {
		t.Errorf("100 requests under a limit of 1,000 made %d writes, want 5", got)
	}
	// A spent window is answered from memory.
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.1:4711"
	for range 3 {
		if err := l.Source(r); err != nil {
			t.Fatal(err)
		}
	}
	before := c.takes.Load()
	for range 5 {
		if err := l.Source(r); err == nil {
			t.Fatal("a source beyond its limit was let through")
		}
	}
	if got := c.takes.Load() - before; got != 1 {
		t.Errorf("5 refused requests made %d writes, want 1 (the first finds the window spent)", got)
	}
}

func TestLimiterFailsOpen(t *testing.T) {
	t.Parallel()
	l := ratelimit.New(failing{}, "web", ratelimit.PerMinute(1), ratelimit.PerMinute(1), discard)
	for range 3 {
		if err := l.Org(context.Background(), "org-1"); err != nil {
			t.Fatalf("a table error refused the request: %v", err)
		}
	}
}

func TestBudget(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	clock := testenv.NewClock(time.Date(2026, 12, 2, 23, 0, 0, 0, time.UTC))
	b := ratelimit.NewBudget(st, 5, ratelimit.WithClock(clock.Now))
	ctx := context.Background()
	refund, err := b.Spend(ctx, "org-1", 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Spend(ctx, "org-1", 2); err == nil {
		t.Fatal("2 mails with 1 left were granted")
	} else if e := (*tilgang.LimitExceeded)(nil); !errors.As(err, &e) || e.Scope != tilgang.LimitMail || e.RetryAfter != time.Hour {
		t.Fatalf("refusal %v, want the mail budget's, an hour before the day ends", err)
	}
	if err := refund(ctx, 3); err != nil { // 3 of the 4 were not sent
		t.Fatal(err)
	}
	if _, err := b.Spend(ctx, "org-1", 4); err != nil {
		t.Errorf("4 mails after a refund of 3: %v", err)
	}
	if _, err := b.Spend(ctx, "org-2", 5); err != nil {
		t.Errorf("another organisation's budget: %v", err)
	}
	clock.Advance(time.Hour)
	if _, err := b.Spend(ctx, "org-1", 5); err != nil {
		t.Errorf("the next day: %v", err)
	}
	if _, err := b.Spend(ctx, "org-1", 6); err == nil {
		t.Error("more mails than the whole budget were granted")
	}
}
