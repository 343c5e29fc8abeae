package users

import (
	"errors"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// FuzzHistoryQuery feeds arbitrary query parameters to the history's
// parser. It must never panic; it either accepts a range whose end is not
// before its start, or says why with invalid-input errors only (a 400,
// never a 500).
func FuzzHistoryQuery(f *testing.F) {
	for _, s := range []struct{ from, to, sort string }{
		{"2026-11-26", "2026-11-26", "-time"}, {"2026-03-29", "", "action"}, {"", "2026-10-25T02:30:00+01:00", "-actor"},
		{"2026-02-30", "x", "name"}, {"2026-11-27", "2026-11-26", ""}, {"+002026-11-26", "2026-11-26T24:00:00Z", "time "},
	} {
		f.Add(s.from, s.to, s.sort, 200)
	}
	f.Fuzz(func(t *testing.T, from, to, sort string, limit int) {
		q := HistoryQuery{From: from, To: to, Sort: sort, Limit: limit}
		got, err := historyFilter(q)
		if err != nil {
			if len(tilgang.Problems(err)) == 0 {
				t.Fatalf("error is no problem: %v", err)
			}
			for _, p := range tilgang.Problems(err) {
				if p.Kind != tilgang.KindInvalid {
					t.Fatalf("problem of kind %d: %v", p.Kind, p)
				}
			}
			return
		}
		if !got.From.IsZero() && !got.To.IsZero() && got.To.Before(got.From) {
			t.Fatalf("accepted %q..%q as %v..%v", from, to, got.From, got.To)
		}
		if got.Oldest != (sort == "time") {
			t.Fatalf("sort %q read as oldest=%v", sort, got.Oldest)
		}
	})
}

// FuzzDeactivationWindow feeds arbitrary window dates to the checks of a
// deactivation. It must never panic; a window it accepts is two real
// dates written YYYY-MM-DD, not in the past, in order, and it changes the
// user as SPEC §4 says.
func FuzzDeactivationWindow(f *testing.F) {
	for _, s := range []struct{ from, to string }{
		{"2026-11-26", "2026-11-26"}, {"2026-11-27", ""}, {"2026-11-25", ""}, {"2026-02-29", ""},
		{"2028-02-29", "2028-03-01"}, {"2026-11-26 ", ""}, {"２026-11-26", ""}, {"2026-11-26", "2026-11-2"},
	} {
		f.Add(s.from, s.to)
	}
	const today = "2026-11-26"
	f.Fuzz(func(t *testing.T, from, to string) {
		err := errors.Join(checkDate("from", from), checkDate("to", to))
		u := &tilgang.User{Status: tilgang.StatusActive}
		if err == nil {
			err = ScheduleDeactivation(u, tilgang.Deactivation{From: from, To: to}, today)
		}
		if err != nil {
			var e *tilgang.Error
			if !errors.As(err, &e) || e.Kind != tilgang.KindInvalid {
				t.Fatalf("error %v is not invalid input", err)
			}
			if u.Status != tilgang.StatusActive || u.Deactivation != nil {
				t.Fatalf("a refused window changed the user: %+v", u)
			}
			return
		}
		for _, d := range []string{from, to} {
			if p, perr := time.Parse(time.DateOnly, d); d != "" && (perr != nil || p.Format(time.DateOnly) != d) {
				t.Fatalf("accepted date %q", d)
			}
		}
		if from < today || (to != "" && to < from) {
			t.Fatalf("accepted window %q..%q on %s", from, to, today)
		}
		if wantNow := from == today; (u.Status == tilgang.StatusDeactivated) != wantNow || u.Deactivation == nil {
			t.Fatalf("window %q..%q gave %+v", from, to, u)
		}
	})
}
