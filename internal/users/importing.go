package users

import (
	"context"
	"fmt"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// The CSV import applies each row with the row's result recorded in the
// same transaction (tilgang.Change.Row), so that a row is applied once
// however often its file is delivered.

// ByCPR finds org's user with CPR number n, with two key look-ups.
func (s *Service) ByCPR(ctx context.Context, org *tilgang.Organisation, n cpr.Number) (*tilgang.User, error) {
	if !s.vault.CanLookup() {
		return nil, fmt.Errorf("users: find a user by CPR number: %w", cpr.ErrNoKey)
	}
	return s.store.UserByCPRLookup(ctx, org.ID, s.vault.Lookup(org.ID, n))
}

// UpdateRow is Update for an import row: row is recorded with the change,
// or alone when nothing changes.
func (s *Service) UpdateRow(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, old, u *tilgang.User, p Profile, row *tilgang.ImportRow) error {
	return s.update(ctx, actor, org, old, u, "", p, row)
}

// DeleteRow is Delete for an import row.
func (s *Service) DeleteRow(ctx context.Context, actor tilgang.Actor, u *tilgang.User, row *tilgang.ImportRow) error {
	return s.store.DeleteUser(ctx, u, tilgang.Change{Activity: activity(actor, "user.deleted", nil), Row: row})
}
