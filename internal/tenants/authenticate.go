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
// a token that opens nothing. Any other error is the store's and means
// the caller should answer 5xx, not tell the client to drop its token.
func (s *Service) Authenticate(ctx context.Context, kind tilgang.TokenKind, token string) (*tilgang.Token, *tilgang.Organisation, error) {
	if token == "" {
		return nil, nil, tilgang.ErrUnauthenticated
	}
	t, err := s.store.TokenByHash(ctx, secret.HashToken(token))
	switch {
	case errors.Is(err, tilgang.ErrTokenNotFound):
		return nil, nil, tilgang.ErrUnauthenticated
	case err != nil:
		return nil, nil, fmt.Errorf("tenants: token look-up: %w", err)
	case t.Kind != kind:
		return nil, nil, tilgang.ErrUnauthenticated
	}
	org, err := s.store.Organisation(ctx, t.OrgID)
	switch {
	case errors.Is(err, tilgang.ErrOrgNotFound):
		return nil, nil, tilgang.ErrUnauthenticated // a token left over from a removed organisation
	case err != nil:
		return nil, nil, fmt.Errorf("tenants: organisation %s of token: %w", t.OrgID, err)
	}
	return t, org, nil
}
