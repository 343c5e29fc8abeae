package tenants

import (
	"context"
	"errors"
	"fmt"

	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Authenticate resolves a bearer token of kind to the token and its
// organisation: two key look-ups. It returns tilgang.ErrUnauthenticated for
// a token that opens nothing, an expired one included: it is refused as an
// unknown one is, and so is every token of a disabled organisation. Any
// other error is the store's and means the caller should answer 5xx, not
// tell the client to drop its token.
//
// A token that opens the request has its use recorded (LastUsedAt) when
// the record is older than tilgang.TokenUseResolution: at most one write
// per token and hour, not one per request.
func (s *Service) Authenticate(ctx context.Context, kind tilgang.TokenKind, token string) (*tilgang.Token, *tilgang.Organisation, error) {
	if token == "" {
		return nil, nil, tilgang.ErrUnauthenticated
	}
	now := s.now().UTC()
	t, err := s.store.TokenByHash(ctx, secret.HashToken(token))
	switch {
	case errors.Is(err, tilgang.ErrTokenNotFound):
		return nil, nil, tilgang.ErrUnauthenticated
	case err != nil:
		return nil, nil, fmt.Errorf("tenants: token look-up: %w", err)
	case t.Kind != kind, t.ExpiredAt(now):
		return nil, nil, tilgang.ErrUnauthenticated
	}
	org, err := s.store.Organisation(ctx, t.OrgID)
	switch {
	case errors.Is(err, tilgang.ErrOrgNotFound):
		return nil, nil, tilgang.ErrUnauthenticated // a token left over from a removed organisation
	case err != nil:
		return nil, nil, fmt.Errorf("tenants: organisation %s of token: %w", t.OrgID, err)
	case org.Disabled():
		return nil, nil, tilgang.ErrUnauthenticated // an operator disabled it (SPEC §13)
	}
	if now.Sub(t.LastUsedAt) >= tilgang.TokenUseResolution {
		if err := s.store.TouchToken(ctx, t.Hash, now, tilgang.TokenUseResolution); err != nil {
			// The request goes on: the record is bookkeeping, and the next
			// request tries again, as the stored time has not moved.
			return t, org, nil
		}
		t.LastUsedAt = now
	}
	return t, org, nil
}
