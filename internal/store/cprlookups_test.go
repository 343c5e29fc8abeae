package store_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tilgang/tilgang/internal/testenv"
)

// TestCPRLookupsReservedWithinTheDay: concurrent reservations of one
// organisation's CPR look-ups never take more than the day allows, take
// all of it, and leave other organisations and days alone.
func TestCPRLookupsReservedWithinTheDay(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	const perDay = 100
	var granted atomic.Int64
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			n, err := st.ReserveCPRLookups(ctx, "o1", "2026-12-02", 30, perDay)
			if err != nil {
				t.Error(err)
			}
			granted.Add(int64(n))
		})
	}
	wg.Wait()
	if got := granted.Load(); got != perDay {
		t.Errorf("granted %d look-ups in all, want the day's %d", got, perDay)
	}
	for _, tc := range []struct {
		org, day   string
		want, got  int
		wantStored int
	}{
		{"o1", "2026-12-02", 5, 0, perDay},        // the day is used up
		{"o1", "2026-12-03", 500, perDay, perDay}, // a new day; never more than a day's
		{"o2", "2026-12-02", 40, 40, 40},          // another organisation
	} {
		n, err := st.ReserveCPRLookups(ctx, tc.org, tc.day, tc.want, perDay)
		if err != nil || n != tc.got {
			t.Errorf("%s %s: reserved %d (%v), want %d", tc.org, tc.day, n, err, tc.got)
		}
		if stored, err := st.CPRLookupsOn(ctx, tc.org, tc.day); err != nil || stored != tc.wantStored {
			t.Errorf("%s %s: count %d (%v), want %d", tc.org, tc.day, stored, err, tc.wantStored)
		}
	}
}
