package csvimport_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/testenv"
)

// TestImportPaced: an import starts its rows at Options.RowsPerSecond
// after a first second's worth, on the clock it is given (the test's
// sleep moves it), and still applies every row.
func TestImportPaced(t *testing.T) {
	t.Parallel()
	const rows, rate = 120, 40
	start := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	clock := testenv.NewClock(start)
	var mu sync.Mutex
	var slept time.Duration
	sleeps := 0
	f := newFixture(t, nil, csvimport.Options{Workers: 4, RowsPerSecond: rate, Now: clock.Now,
		Sleep: func(_ context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			slept += d
			sleeps++
			clock.Advance(d)
			return nil
		}})
	f.handle(f.put("tempo.csv", generate(rows)))
	if n := len(f.users()); n != rows {
		t.Fatalf("%d users, want %d", n, rows)
	}
	// 40 rows at once, then 80 at 25 ms: the last starts 2 s after the first.
	want := time.Duration(rows-rate) * time.Second / rate
	if elapsed := clock.Now().Sub(start); elapsed != want || slept != want {
		t.Errorf("elapsed %v, slept %v in %d sleeps; want %v", elapsed, slept, sleeps, want)
	}
	if sleeps != rows-rate {
		t.Errorf("%d sleeps, want one per row after the first %d: %d", sleeps, rate, rows-rate)
	}
}

// TestImportUnpaced: a negative RowsPerSecond never sleeps.
func TestImportUnpaced(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, csvimport.Options{RowsPerSecond: -1, Sleep: func(context.Context, time.Duration) error {
		t.Error("an unpaced import slept")
		return nil
	}})
	f.handle(f.put("fri.csv", generate(60)))
	if n := len(f.users()); n != 60 {
		t.Fatalf("%d users, want 60", n)
	}
}
