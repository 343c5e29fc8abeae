package users

import (
	"context"
	"fmt"
	"sync"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// MaxBulkActivation is how many users one bulk activation may name.
const MaxBulkActivation = 1000

// bulkWorkers bounds the users activated at once by one bulk activation:
// enough to finish a thousand well within an API Gateway timeout, few
// enough not to crowd out other writers.
const bulkWorkers = 8

// BulkResult is the outcome for one user of a bulk activation.
type BulkResult struct {
	UserID string
	// Err is nil when the activation was sent. A *tilgang.Error says why
	// not (ErrIndividualOnly, tilgang.ErrUserNotFound, a status rule);
	// anything else is a failure of the system, for the log.
	Err error
}

// BulkActivate sends activation to each of org's users ids, as
// SendActivation does, except to users known by date of birth, who must
// be activated individually (ErrIndividualOnly). A repeated id is done and
// reported once; results keep the order of ids.
func (s *Service) BulkActivate(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, ids []string) ([]BulkResult, error) {
	if len(ids) == 0 {
		return nil, tilgang.Invalid("userIds", "activation.no_users", "name at least one user")
	}
	if len(ids) > MaxBulkActivation {
		return nil, tilgang.Invalid("userIds", "activation.too_many",
			fmt.Sprintf("at most %d users can be activated at once", MaxBulkActivation))
	}
	seen := make(map[string]bool, len(ids))
	var results []BulkResult
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			results = append(results, BulkResult{UserID: id})
		}
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(bulkWorkers, len(results)) {
		wg.Go(func() {
			for i := range next {
				_, results[i].Err = s.issueActivation(ctx, actor, org, results[i].UserID, issueBulk)
			}
		})
	}
	for i := range results {
		next <- i
	}
	close(next)
	wg.Wait()
	return results, nil
}
