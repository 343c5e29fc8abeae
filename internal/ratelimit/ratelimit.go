// Package ratelimit holds the request limits of the HTTP doors (SCIM, admin
// API, pages), per organisation and per source, and the organisations'
// mail budgets (SPEC §14).
//
// Lambda instances share no memory, so every count lives in the table
// (store.Take: one conditional ADD on a counter item per organisation or
// source and window). To spare a write per request, a warm instance
// reserves a few requests at a time (chunkOf: 2 % of the limit, at most
// 50) and serves them from memory; reserved requests count at once, so no
// window ever lets more than its limit through, and an instance that dies
// with reserved requests only makes its window stricter. Once a window is
// spent, the instance answers from memory until the window ends.
package ratelimit

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Counter is the shared count; *store.Store is one.
type Counter interface {
	Take(ctx context.Context, k store.LimitKey, n, limit int64, expires time.Time) (bool, error)
	GiveBack(ctx context.Context, k store.LimitKey, n int64) error
}

// Rate is a limit of Requests per window of length Per. Requests ≤ 0 is
// no limit.
type Rate struct {
	Requests int64
	Per      time.Duration
}

// PerMinute is n requests a minute.
func PerMinute(n int64) Rate { return Rate{Requests: n, Per: time.Minute} }

// Limiter limits one door's requests ("scim", "admin", "web") per
// organisation and per source. Its methods are safe for concurrent use.
type Limiter struct {
	counter     Counter
	use         string
	org, source Rate
	now         func() time.Time
	log         *slog.Logger

	mu    sync.Mutex
	slots map[string]*slot
}

// slot is what an instance knows of one counter in its current window.
type slot struct {
	window int64
	left   int64 // reserved and not yet used
	spent  bool  // the window's limit is reached
}

// maxSlots bounds the memory of a limiter that sees many sources: past it,
// slots of past windows go, and if that is not enough, all of them (which
// only costs reads of the table).
const maxSlots = 10_000

// Option configures a Limiter or a Budget.
type Option func(*options)

type options struct{ now func() time.Time }

// WithClock reads the time from now instead of time.Now (tests).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

func buildOptions(opts []Option) options {
	o := options{now: time.Now}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// New returns the limiter of use with the given rates per organisation and
// per source.
func New(counter Counter, use string, org, source Rate, log *slog.Logger, opts ...Option) *Limiter {
	o := buildOptions(opts)
	return &Limiter{counter: counter, use: use, org: org, source: source, now: o.now, log: log, slots: map[string]*slot{}}
}

// Source counts a request of r's source and returns *tilgang.LimitExceeded beyond its
// limit. Call it before authentication, so that guessing tokens is limited
// too.
func (l *Limiter) Source(r *http.Request) error {
	src := SourceOf(r)
	return l.allow(r.Context(), "s"+src, tilgang.LimitSource, l.source, func(w int64) store.LimitKey {
		return store.SourceLimit(src, l.use, w)
	})
}

// Org counts a request of the organisation (from the caller's token or
// link, never from the request) and returns *tilgang.LimitExceeded beyond its limit.
func (l *Limiter) Org(ctx context.Context, orgID string) error {
	return l.allow(ctx, "o"+orgID, tilgang.LimitOrganisation, l.org, func(w int64) store.LimitKey {
		return store.OrgLimit(orgID, l.use, w)
	})
}

// chunkOf is how many requests an instance reserves at a time under a
// limit: 2 %, at least 1 and at most 50. An instance may end a window
// with up to a chunk less one unused, which the window then refuses early.
func chunkOf(limit int64) int64 { return min(max(limit/50, 1), 50) }

func (l *Limiter) allow(ctx context.Context, local, scope string, rate Rate, keyOf func(window int64) store.LimitKey) error {
	if rate.Requests <= 0 || rate.Per <= 0 {
		return nil
	}
	now := l.now()
	window, end := windowOf(now, rate.Per)
	exceeded := func() error {
		return &tilgang.LimitExceeded{Scope: scope, Limit: rate.Requests, Window: rate.Per, RetryAfter: end.Sub(now)}
	}

	l.mu.Lock()
	s := l.slot(local, window)
	switch {
	case s.left > 0:
		s.left--
		l.mu.Unlock()
		return nil
	case s.spent:
		l.mu.Unlock()
		return exceeded()
	}
	l.mu.Unlock()

	k := keyOf(window)
	chunk := chunkOf(rate.Requests)
	ok, err := l.counter.Take(ctx, k, chunk, rate.Requests, end)
	if err == nil && !ok && chunk > 1 { // near the limit: one at a time
		chunk = 1
		ok, err = l.counter.Take(ctx, k, 1, rate.Requests, end)
	}
	if err != nil {
		// Fail open: the table failing is no reason to refuse the
		// request, which needs the table anyway; API Gateway's
		// throttling still holds.
		l.log.WarnContext(ctx, "rate limit not counted", slog.String("use", l.use), slog.String("scope", scope), slog.Any("error", err))
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	s = l.slot(local, window)
	if !ok {
		s.spent = true
		return exceeded()
	}
	s.left += chunk - 1
	return nil
}

// slot returns the slot of local in window, making a fresh one for a new
// window. l.mu must be held.
func (l *Limiter) slot(local string, window int64) *slot {
	s := l.slots[local]
	if s != nil && s.window == window {
		return s
	}
	if len(l.slots) >= maxSlots {
		for k, old := range l.slots {
			if old.window < window {
				delete(l.slots, k)
			}
		}
		if len(l.slots) >= maxSlots {
			clear(l.slots)
		}
	}
	s = &slot{window: window}
	l.slots[local] = s
	return s
}

// windowOf returns the index of the fixed window of length per that holds
// t (counted from the epoch) and the time it ends.
func windowOf(t time.Time, per time.Duration) (int64, time.Time) {
	w := t.UnixNano() / int64(per)
	return w, time.Unix(0, (w+1)*int64(per))
}
