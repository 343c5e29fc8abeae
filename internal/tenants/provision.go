// Package tenants sets up organisations with their first credentials. The
// product has no public API for this: operators run it, and make dev seeds
// its demo organisations with it.
package tenants

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Credentials are the secrets of a new organisation's first tokens. They
// exist only here; the store keeps their hashes.
type Credentials struct {
	SCIMToken  string
	AdminToken string
}

// Provision stores org (giving it an id if it has none) with one SCIM token
// and one admin token holding every admin role.
func Provision(ctx context.Context, st *store.Store, org *tilgang.Organisation) (Credentials, error) {
	if org.ID == "" {
		org.ID = uuid.NewString()
	}
	if org.Language == "" {
		org.Language = tilgang.Languages[0]
	}
	if err := st.CreateOrganisation(ctx, org); err != nil {
		return Credentials{}, fmt.Errorf("tenants: create organisation: %w", err)
	}
	var c Credentials
	for _, t := range []struct {
		kind  tilgang.TokenKind
		name  string
		roles []string
		out   *string
	}{
		{tilgang.TokenSCIM, "initial SCIM token", nil, &c.SCIMToken},
		{tilgang.TokenAdmin, "initial admin token", tilgang.AdminRoles, &c.AdminToken},
	} {
		plain, hash := secret.NewToken(t.kind.Prefix())
		id, _ := uuid.NewV7()
		tok := &tilgang.Token{ID: id.String(), OrgID: org.ID, Name: t.name, Kind: t.kind, Roles: t.roles, Hash: hash}
		if err := st.CreateToken(ctx, tok); err != nil {
			return Credentials{}, fmt.Errorf("tenants: create %s: %w", t.name, err)
		}
		*t.out = plain
	}
	return c, nil
}
