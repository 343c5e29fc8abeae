package users

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/google/uuid"

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

// ErrBadUserID is the result for an entry of a bulk activation that is not
// a user id (a UUID).
var ErrBadUserID = &tilgang.Error{Kind: tilgang.KindInvalid, Code: "user.id_invalid", Field: "userIds",
	Message: "not a user id: give a UUID"}

// BulkActivate sends activation to each of org's users ids, as
// SendActivation does, except to users known by date of birth, who must
// be activated individually (ErrIndividualOnly). An id is a UUID in any
// spelling that uuid.Parse reads (upper case, without hyphens, in braces,
// as a URN); results name it in its canonical form. One user named in
// several spellings is done and reported once, so it gets one mail; an
// entry that is no UUID gets ErrBadUserID, once per distinct entry.
// Results keep the order of ids.
func (s *Service) BulkActivate(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, ids []string) ([]BulkResult, error) {
	if len(ids) == 0 {
		return nil, tilgang.Invalid("userIds", "activation.no_users", "name at least one user")
	}
	if len(ids) > MaxBulkActivation {
		return nil, tilgang.Invalid("userIds", "activation.too_many",
			fmt.Sprintf("at most %d users can be activated at once", MaxBulkActivation))
	}
	results := distinctIDs(ids)
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
		if results[i].Err == nil {
			next <- i
		}
	}
	close(next)
	wg.Wait()
	return results, nil
}

// distinctIDs returns one result per distinct user id of ids, in their
// order, by the parsed UUID: de-duplicating the raw strings would let one
// user named in several spellings be mailed once per spelling. An entry
// that is no UUID gets ErrBadUserID (once per distinct entry) and is not
// looked up.
func distinctIDs(ids []string) []BulkResult {
	seen := make(map[string]bool, len(ids))
	var results []BulkResult
	for _, raw := range ids {
		id, err := uuid.Parse(strings.TrimSpace(raw))
		key, res := id.String(), BulkResult{UserID: id.String()}
		if err != nil {
			key, res = "\x00"+raw, BulkResult{UserID: raw, Err: ErrBadUserID}
		}
		if !seen[key] {
			seen[key] = true
			results = append(results, res)
		}
	}
	return results
}
