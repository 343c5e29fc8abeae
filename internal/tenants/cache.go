package tenants

import (
	"context"
	"sync"
	"time"

	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Authenticator resolves bearer tokens of one kind and remembers a
// successful answer for a short time. An identity provider sends its
// requests in bursts, and without the memory every request would pay two
// reads before its own work. The price: a revoked token, or a changed
// organisation setting, takes up to TTL to reach a warm function instance.
// Failed look-ups are never remembered. Build it with NewAuthenticator.
type Authenticator struct {
	svc  *Service
	kind tilgang.TokenKind
	ttl  time.Duration
	now  func() time.Time

	mu      sync.Mutex
	entries map[string]cached // by token hash
}

type cached struct {
	token   *tilgang.Token
	org     *tilgang.Organisation
	expires time.Time
}

// maxCached bounds the memory: an instance serves few organisations, and a
// flood of valid tokens only empties the cache.
const maxCached = 1000

// NewAuthenticator returns an authenticator of svc for tokens of kind that
// remembers answers for ttl (0: not at all).
func NewAuthenticator(svc *Service, kind tilgang.TokenKind, ttl time.Duration) *Authenticator {
	return &Authenticator{svc: svc, kind: kind, ttl: ttl, now: time.Now, entries: map[string]cached{}}
}

// Authenticate is Service.Authenticate with memory. The returned values are shared
// and must not be modified.
func (a *Authenticator) Authenticate(ctx context.Context, token string) (*tilgang.Token, *tilgang.Organisation, error) {
	key := secret.HashToken(token)
	now := a.now()
	a.mu.Lock()
	e, ok := a.entries[key]
	a.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.token, e.org, nil
	}
	t, org, err := a.svc.Authenticate(ctx, a.kind, token)
	if err != nil || a.ttl <= 0 {
		return t, org, err
	}
	a.mu.Lock()
	if len(a.entries) >= maxCached {
		clear(a.entries)
	}
	expires := now.Add(a.ttl)
	if !t.ExpiresAt.IsZero() && t.ExpiresAt.Before(expires) {
		expires = t.ExpiresAt // an expired token is refused at once, not after the TTL
	}
	a.entries[key] = cached{token: t, org: org, expires: expires}
	a.mu.Unlock()
	return t, org, nil
}
