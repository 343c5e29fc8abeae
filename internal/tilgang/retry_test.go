package tilgang_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/tilgang/tilgang/internal/tilgang"
)

func TestRetryStale(t *testing.T) {
	t.Parallel()
	errOther := errors.New("store is down")
	stale := fmt.Errorf("store: update user: %w", tilgang.ErrStale)
	tests := []struct {
		name      string
		results   []error // what the attempts return, in order; the last repeats
		wantCalls int
		wantValue int
		wantErr   error
	}{
		{"first attempt succeeds", []error{nil}, 1, 1, nil},
		{"succeeds after one stale write", []error{stale, nil}, 2, 2, nil},
		{"succeeds on the last attempt", []error{stale, stale, stale, nil}, tilgang.StaleRetries + 1, tilgang.StaleRetries + 1, nil},
		{"stale every time", []error{stale}, tilgang.StaleRetries + 1, 0, tilgang.ErrStale},
		{"another error at once", []error{errOther}, 1, 0, errOther},
		{"another error after a stale one", []error{stale, errOther}, 2, 0, errOther},
		{"a domain error is not retried", []error{tilgang.ErrUserNameTaken}, 1, 0, tilgang.ErrUserNameTaken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls := 0
			v, err := tilgang.RetryStale(context.Background(), func() (int, error) {
				err := tt.results[min(calls, len(tt.results)-1)]
				calls++
				if err != nil {
					return 0, err
				}
				return calls, nil
			})
			if calls != tt.wantCalls {
				t.Errorf("%d attempts, want %d", calls, tt.wantCalls)
			}
			if v != tt.wantValue {
				t.Errorf("value %d, want %d", v, tt.wantValue)
			}
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestRetryStaleKeepsTheCallersWrapping(t *testing.T) {
	t.Parallel()
	stale := fmt.Errorf("store: update user: %w", tilgang.ErrStale)
	_, err := tilgang.RetryStale(context.Background(), func() (struct{}, error) { return struct{}{}, stale })
	if err != stale {
		t.Fatalf("error %v, want the last attempt's %v", err, stale)
	}
	var e *tilgang.Error
	if !errors.As(err, &e) || e.Kind != tilgang.KindStale {
		t.Fatalf("errors.As gives %+v", e)
	}
}

func TestRetryStaleStopsWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	_, err := tilgang.RetryStale(ctx, func() (int, error) {
		calls++
		cancel() // the caller goes away while the first attempt runs
		return 0, tilgang.ErrStale
	})
	if calls != 1 {
		t.Errorf("%d attempts after the context ended, want 1", calls)
	}
	if !errors.Is(err, context.Canceled) || !errors.Is(err, tilgang.ErrStale) {
		t.Errorf("error %v, want both context.Canceled and ErrStale", err)
	}

	// A context that ends while an attempt succeeds does not undo it.
	ctx, cancel = context.WithCancel(context.Background())
	v, err := tilgang.RetryStale(ctx, func() (int, error) { cancel(); return 7, nil })
	if v != 7 || err != nil {
		t.Errorf("got %d, %v; want 7, nil", v, err)
	}
}
