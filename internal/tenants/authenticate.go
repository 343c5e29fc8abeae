package tenants

import (
	"context"
	"errors"
	"fmt"

	tilgang "github.com/tilgang/tilgang/internal"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/store"
)

// ErrUnauthenticated means the bearer token is missing, unknown, revoked,
// of the wrong kind, or belongs to an organisation that no longer exists.
// Callers answer 401 and say no more.
var ErrUnauthenticated = errors.New("tenants: missing or invalid token")

// Authenticate resolves a bearer token of kind to the token and its
// organisation: two key look-ups. Any other error is the store's and means
// the caller should answer 5xx, not tell the client to drop its token.
func Authenticate(ctx context.Context, st *store.Store, kind tilgang.TokenKind, token string) (*tilgang.Token, *tilgang.Organisation, error) {
	if token == "" {
		return nil, nil, ErrUnauthenticated
	}
	t, err := st.TokenByHash(ctx, secret.HashToken(token))
	switch {
	case errors.Is(err, tilgang.ErrTokenNotFound):
		return nil, nil, ErrUnauthenticated
	case err != nil:
		return nil, nil, fmt.Errorf("tenants: token look-up: %w", err)
	case t.Kind != kind:
		return nil, nil, ErrUnauthenticated
	}
	org, err := st.Organisation(ctx, t.OrgID)
	switch {
	case errors.Is(err, tilgang.ErrOrgNotFound):
		return nil, nil, ErrUnauthenticated // a token left over from a removed organisation
	case err != nil:
		return nil, nil, fmt.Errorf("tenants: organisation %s of token: %w", t.OrgID, err)
	}
	return t, org, nil
}
