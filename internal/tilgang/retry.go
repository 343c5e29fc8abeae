package tilgang

import (
	"context"
	"errors"
	"fmt"
)

// StaleRetries bounds how often RetryStale runs a step again after its write
// lost a race with another change of the same thing: a step runs at most
// StaleRetries+1 times. Each lost race means another change was written, so
// the bound is met only when more changes of one thing than this meet at
// once; the caller then gets ErrStale and may simply try again.
const StaleRetries = 3

// RetryStale runs step, which reads something, decides and writes
// conditionally on the version it read, and runs it again while it fails
// with ErrStale, at most StaleRetries more times. It returns step's last
// result: a value and nil, the first error that is not ErrStale, or, when
// every attempt was stale, the last ErrStale (wrapped as step wrapped it).
// Every attempt reads anew, so a step is judged on the thing as stored.
//
// There is no wait between attempts. ErrStale means a conditional write
// found a newer version: another write has committed, and the next
// attempt's strongly consistent read sees it, so an attempt at once works
// on the newer state and waiting would only add latency. (DynamoDB Local
// serialises writes, and in DynamoDB a committed write is what a
// consistent read returns.) Two transactions in flight on the same item at
// once are a different race, TransactionConflict, which the store retries
// itself with backoff before it ever returns.
//
// When ctx ends after a stale attempt, RetryStale stops and returns an
// error that is both ctx's error and the stale one.
func RetryStale[T any](ctx context.Context, step func() (T, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		v, err := step()
		if !errors.Is(err, ErrStale) || attempt == StaleRetries {
			return v, err
		}
		if cerr := ctx.Err(); cerr != nil {
			var zero T
			return zero, fmt.Errorf("%w after a stale write: %w", cerr, err)
		}
	}
}
