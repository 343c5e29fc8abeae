package store_test

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// schedule returns the work on each of days, as "day work" lines.
func schedule(t *testing.T, st *store.Store, days ...string) []string {
	t.Helper()
	var out []string
	for _, day := range days {
		due, err := st.DueOn(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range due {
			out = append(out, d.Day+" "+d.Work)
		}
	}
	slices.Sort(out)
	return out
}

func TestScheduleFollowsEveryUserWrite(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	days := []string{"2026-12-01", "2026-12-02", "2026-12-04", "2026-12-06", "2026-12-20"}
	u := newUser("o1", "u1", "anna")
	u.Status = tilgang.StatusPendingActivation
	u.Deactivation = &tilgang.Deactivation{From: "2026-12-01", To: "2026-12-03"}
	u.Activation = &tilgang.Activation{LinkID: "l1", ExpiresAt: time.Date(2026, 12, 20, 12, 0, 0, 0, time.UTC)}
	if err := st.CreateUser(ctx, u, change("user.created")); err != nil {
		t.Fatal(err)
	}
	want := []string{"2026-12-01 start", "2026-12-04 end", "2026-12-20 expire"}
	if got := schedule(t, st, days...); !slices.Equal(got, want) {
		t.Fatalf("after create: %q, want %q", got, want)
	}

	steps := []struct {
		name string
		edit func(u *tilgang.User)
		want []string
	}{
		{"window moved", func(u *tilgang.User) { u.Deactivation = &tilgang.Deactivation{From: "2026-12-02", To: "2026-12-05"} },
			[]string{"2026-12-02 start", "2026-12-06 end", "2026-12-20 expire"}},
		{"window started", func(u *tilgang.User) { u.Status = tilgang.StatusDeactivated },
			[]string{"2026-12-06 end", "2026-12-20 expire"}},
		{"activated and reactivated", func(u *tilgang.User) {
			u.Status, u.Deactivation, u.Activation = tilgang.StatusActive, nil, nil
		}, nil},
	}
	for _, step := range steps {
		next := u.Clone()
		step.edit(next)
		if err := st.UpdateUser(ctx, u, next, change("user.updated")); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		u = next
		if got := schedule(t, st, days...); !slices.Equal(got, step.want) {
			t.Fatalf("%s: %q, want %q", step.name, got, step.want)
		}
	}
}

func TestApplyDueDoesTheWorkOnce(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	u := newUser("o1", "u1", "anna")
	u.Status = tilgang.StatusActive
	u.Deactivation = &tilgang.Deactivation{From: "2026-12-01", To: "2026-12-01"}
	if err := st.CreateUser(ctx, u, change("user.created")); err != nil {
		t.Fatal(err)
	}
	d := store.Due{Day: "2026-12-01", OrgID: "o1", UserID: "u1", Work: store.WorkStart}

	const runs = 4
	errs := make([]error, runs)
	var wg sync.WaitGroup
	for i := range runs {
		wg.Go(func() {
			next := u.Clone()
			next.Status, next.StatusBeforeDeactivation = tilgang.StatusDeactivated, tilgang.StatusActive
			errs[i] = st.ApplyDue(ctx, u, next, change("user.deactivated"), d)
		})
	}
	wg.Wait()
	done := 0
	for _, err := range errs {
		switch {
		case err == nil:
			done++
		case errors.Is(err, tilgang.ErrStale), errors.Is(err, store.ErrDueDone):
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if done != 1 {
		t.Fatalf("%d runs did the work, want 1 (%v)", done, errs)
	}
	if ok, err := st.IsDue(ctx, d); err != nil || ok {
		t.Fatalf("entry still due: %v, %v", ok, err)
	}
	if got := schedule(t, st, "2026-12-01", "2026-12-02"); !slices.Equal(got, []string{"2026-12-02 end"}) {
		t.Fatalf("schedule = %q", got)
	}
	page, err := st.UserHistory(ctx, "o1", "u1", store.HistoryFilter{})
	if err != nil || len(page.Entries) != 2 {
		t.Fatalf("history = %+v, %v", page, err)
	}
}

func TestSweepMark(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	if day, err := st.SweptThrough(ctx); err != nil || day != "" {
		t.Fatalf("fresh mark = %q, %v", day, err)
	}
	// Each step moves the mark from what a sweep read (read) to day; the
	// mark moves only forward, and only from the value it still holds.
	steps := []struct {
		name      string
		read, day string
		moved     bool
		want      string
	}{
		{"first sweep", "", "2026-03-29", true, "2026-03-29"},
		{"another first sweep, after it", "", "2026-03-30", false, "2026-03-29"},
		{"backward", "2026-03-29", "2026-03-28", false, "2026-03-29"},
		{"nowhere", "2026-03-29", "2026-03-29", false, "2026-03-29"},
		{"forward", "2026-03-29", "2026-04-02", true, "2026-04-02"},
		// A sweep that read the mark before the last move, and swept
		// from there: another sweep moved it meanwhile, maybe to a lower
		// day than this one reached, so it is left alone.
		{"from an old read, forward", "2026-03-29", "2026-04-05", false, "2026-04-02"},
		{"from an old read, backward", "2026-03-29", "2026-03-31", false, "2026-04-02"},
	}
	for _, s := range steps {
		moved, err := st.SetSweptThrough(ctx, s.read, s.day)
		if err != nil || moved != s.moved {
			t.Fatalf("%s: moved %v, %v; want %v", s.name, moved, err, s.moved)
		}
		if day, err := st.SweptThrough(ctx); err != nil || day != s.want {
			t.Fatalf("%s: mark = %q, %v; want %q", s.name, day, err, s.want)
		}
	}
}

// TestSweepMarkMovesOnceFromOneRead has sweeps that read the same mark
// move it at once: one of them moves it, and the others leave it alone,
// whatever days they reached.
func TestSweepMarkMovesOnceFromOneRead(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	if _, err := st.SetSweptThrough(ctx, "", "2026-05-01"); err != nil {
		t.Fatal(err)
	}
	days := []string{"2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05", "2026-05-06", "2026-05-07"}
	moved := make([]bool, len(days))
	errs := make([]error, len(days))
	var wg sync.WaitGroup
	for i, day := range days {
		wg.Go(func() { moved[i], errs[i] = st.SetSweptThrough(ctx, "2026-05-01", day) })
	}
	wg.Wait()
	winner := ""
	for i := range days {
		if errs[i] != nil {
			t.Fatalf("%s: %v", days[i], errs[i])
		}
		if moved[i] {
			if winner != "" {
				t.Fatalf("both %s and %s moved the mark from one read", winner, days[i])
			}
			winner = days[i]
		}
	}
	if day, err := st.SweptThrough(ctx); err != nil || winner == "" || day != winner {
		t.Fatalf("mark = %q, %v; the sweep that moved it reached %q", day, err, winner)
	}
}

func TestNextDayCountsDatesAcrossDST(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"2026-03-28": "2026-03-29", "2026-03-29": "2026-03-30", "2026-10-25": "2026-10-26",
		"2026-12-31": "2027-01-01", "2028-02-28": "2028-02-29",
	} {
		if got := store.NextDay(in); got != want {
			t.Errorf("NextDay(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestOrgHistoryPagesFiltersAndStaysInItsOrganisation(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	for _, u := range []*tilgang.User{newUser("o1", "u1", "anna"), newUser("o1", "u2", "bo"), newUser("o2", "u3", "carl")} {
		c := change("user.created")
		c.Activity.Actor = "admin token " + u.UserName
		if err := st.CreateUser(ctx, u, c); err != nil {
			t.Fatal(err)
		}
		next := u.Clone()
		next.Phone = "12345678"
		if err := st.UpdateUser(ctx, u, next, tilgang.Change{Activity: tilgang.Activity{Actor: "SCIM", Action: "user.updated", Fields: []string{"phone"}}}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := st.OrgHistory(ctx, "o1", store.HistoryFilter{})
	if err != nil || len(all.Entries) != 4 || all.NextCursor != "" {
		t.Fatalf("history of o1 = %+v, %v", all, err)
	}
	for i, e := range all.Entries {
		if e.UserID != "u1" && e.UserID != "u2" {
			t.Errorf("entry of another organisation: %+v", e)
		}
		if i > 0 && e.At.After(all.Entries[i-1].At) {
			t.Errorf("not newest first: %+v", all.Entries)
		}
	}

	// Pages of one, oldest first, walk the same entries in reverse.
	var walked []tilgang.HistoryEntry
	f := store.HistoryFilter{Limit: 1, Oldest: true}
	for {
		page, err := st.OrgHistory(ctx, "o1", f)
		if err != nil {
			t.Fatal(err)
		}
		walked = append(walked, page.Entries...)
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	if len(walked) != 4 || walked[0].At != all.Entries[3].At {
		t.Fatalf("walked %+v", walked)
	}

	tests := []struct {
		text string
		want int
	}{{"PHONE", 2}, {"admin token bo", 1}, {"user.", 4}, {"carl", 0}}
	for _, tt := range tests {
		page, err := st.OrgHistory(ctx, "o1", store.HistoryFilter{Text: tt.text})
		if err != nil || len(page.Entries) != tt.want {
			t.Errorf("q=%q: %d entries (%v), want %d", tt.text, len(page.Entries), err, tt.want)
		}
	}

	// o1's cursor does not open o2's history, nor a user's.
	first, err := st.OrgHistory(ctx, "o1", store.HistoryFilter{Limit: 1})
	if err != nil || first.NextCursor == "" {
		t.Fatalf("first page: %+v, %v", first, err)
	}
	if _, err := st.OrgHistory(ctx, "o2", store.HistoryFilter{Cursor: first.NextCursor}); !errors.Is(err, tilgang.ErrBadCursor) {
		t.Errorf("o1's cursor in o2: %v", err)
	}
	if _, err := st.UserHistory(ctx, "o1", "u1", store.HistoryFilter{Cursor: first.NextCursor}); !errors.Is(err, tilgang.ErrBadCursor) {
		t.Errorf("organisation cursor in a user's history: %v", err)
	}
}
