package ratelimit

import (
	"context"
	"time"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Budget is the organisations' mail budget: how many mails the sending
// actions (resend, invite, bulk activation) of one organisation may ask
// for in a day (UTC). Unlike a rate limit it is counted exactly, one
// conditional write per action, and an action takes all its mails or none.
type Budget struct {
	counter Counter
	perDay  int64
	now     func() time.Time
}

// NewBudget returns a budget of perDay mails per organisation and day; 0
// or less is no budget.
func NewBudget(counter Counter, perDay int64, opts ...Option) *Budget {
	return &Budget{counter: counter, perDay: perDay, now: buildOptions(opts).now}
}

// Spend takes n mails of the organisation's budget for today, or none and
// *tilgang.LimitExceeded if fewer than n are left. The returned refund gives back
// mails the action then did not send (call it with 0 for none).
func (b *Budget) Spend(ctx context.Context, orgID string, n int) (refund func(ctx context.Context, n int) error, err error) {
	nothing := func(context.Context, int) error { return nil }
	if b == nil || b.perDay <= 0 || n <= 0 {
		return nothing, nil
	}
	now := b.now()
	day, end := windowOf(now, 24*time.Hour)
	k := store.OrgLimit(orgID, "mail", day)
	ok, err := b.counter.Take(ctx, k, int64(n), b.perDay, end)
	if err != nil {
		return nothing, err
	}
	if !ok {
		return nothing, &tilgang.LimitExceeded{Scope: tilgang.LimitMail, Limit: b.perDay, Window: 24 * time.Hour, RetryAfter: end.Sub(now)}
	}
	return func(ctx context.Context, m int) error {
		return b.counter.GiveBack(ctx, k, int64(min(m, n)))
	}, nil
}
