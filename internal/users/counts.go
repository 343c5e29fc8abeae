package users

import (
	"context"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Counts returns how many users the organisation has, in all and per
// status, from the counters that every user write keeps exact: a read of
// a few small items, whatever the organisation's size.
func (s *Service) Counts(ctx context.Context, org *tilgang.Organisation) (tilgang.UserCounts, error) {
	return s.store.UserCounts(ctx, org.ID)
}
