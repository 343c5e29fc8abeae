package tenants

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Credentials are the secrets of a new organisation's first tokens. They
// exist only here; the store keeps their hashes.
type Credentials struct {
	SCIMToken  string
	AdminToken string
}

// Provision stores org (giving it an id if it has none, and the first of
// tilgang.Languages if it has no language) with one SCIM token and one
// admin token holding every admin role.
func (s *Service) Provision(ctx context.Context, org *tilgang.Organisation) (Credentials, error) {
	if org.ID == "" {
		org.ID = uuid.NewString()
	}
	if org.Language == "" {
		org.Language = tilgang.Languages[0]
	}
	if err := s.store.CreateOrganisation(ctx, org); err != nil {
		return Credentials{}, fmt.Errorf("tenants: create organisation: %w", err)
	}
	var c Credentials
	for _, t := range []struct {
		req TokenRequest
		out *string
	}{
		{TokenRequest{Name: "initial SCIM token", Kind: tilgang.TokenSCIM}, &c.SCIMToken},
		{TokenRequest{Name: "initial admin token", Kind: tilgang.TokenAdmin, Roles: tilgang.AdminRoles}, &c.AdminToken},
	} {
		minted, err := s.mint(ctx, org.ID, t.req)
		if err != nil {
			return Credentials{}, fmt.Errorf("tenants: create %s: %w", t.req.Name, err)
		}
		*t.out = minted.Secret
	}
	return c, nil
}
