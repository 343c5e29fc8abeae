package scheduler_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/scheduler"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var ctx = context.Background()

var admin = tilgang.Actor{Name: "admin token test", Source: "admin"}

// copenhagen returns a wall-clock time in Copenhagen.
func copenhagen(day string, hour, min int) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, day, tilgang.Copenhagen())
	if err != nil {
		panic(err)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), hour, min, 0, 0, tilgang.Copenhagen())
}

type fixture struct {
	st    *store.Store
	svc   *users.Service
	sched *scheduler.Scheduler
	clock *testenv.Clock
	org   *tilgang.Organisation
}

func newFixture(t *testing.T, start time.Time) *fixture {
	t.Helper()
	st := testenv.Store(t)
	vault, err := cpr.NewVault(testenv.CPRKey)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := secret.NewCodes(testenv.CPRKey)
	if err != nil {
		t.Fatal(err)
	}
	c := testenv.NewClock(start)
	f := &fixture{st: st, clock: c, svc: users.New(st, vault, codes, testenv.Links(t), users.WithClock(c.Now)),
		sched: scheduler.New(st, c.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	f.org = &tilgang.Organisation{Name: "Firma A/S", CVR: "11111111", IAL: 3}
	if _, err := tenants.New(st).Provision(ctx, f.org); err != nil {
		t.Fatal(err)
	}
	return f
}

// activeUser creates a user and activates it.
func (f *fixture) activeUser(t *testing.T, email string) *tilgang.User {
	t.Helper()
	created, err := f.svc.Create(ctx, admin, f.org, users.NewRequest{User: &tilgang.User{FirstName: "A", LastName: "B", Email: email}, Activate: true})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := f.svc.ActivationToken(created.User)
	if err != nil {
		t.Fatal(err)
	}
	u, err := f.svc.CompleteActivation(ctx, tok, "")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// sweepAt runs a sweep at now and returns the user's status after it.
func (f *fixture) sweepAt(t *testing.T, now time.Time, id string) tilgang.Status {
	t.Helper()
	f.clock.Set(now)
	if err := f.sched.Handle(ctx, events.EventBridgeEvent{Time: now.UTC()}); err != nil {
		t.Fatalf("sweep at %v: %v", now, err)
	}
	u, err := f.svc.Get(ctx, f.org, id)
	if err != nil {
		t.Fatal(err)
	}
	return u.Status
}

func (f *fixture) actions(t *testing.T, id string) []string {
	t.Helper()
	page, err := f.svc.History(ctx, f.org, id, users.HistoryQuery{Sort: "time"})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range page.Entries {
		out = append(out, e.Actor+" "+e.Action)
	}
	return out
}

// A one-day window on the days daylight saving time starts and ends (and
// on an ordinary day): deactivated at once, still at 23:59 Copenhagen
// time, active again at 00:00 the next day and not a minute before.
func TestOneDayWindowEndsAtCopenhagenMidnight(t *testing.T) {
	t.Parallel()
	for _, day := range []string{"2026-03-29", "2026-10-25", "2026-11-26"} {
		t.Run(day, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, copenhagen(day, 9, 0))
			u := f.activeUser(t, "anna@example.dk")
			got, err := f.svc.DeactivateUser(ctx, admin, f.org, u.ID, tilgang.Deactivation{From: day, To: day})
			if err != nil || got.Status != tilgang.StatusDeactivated {
				t.Fatalf("deactivate: %+v, %v", got, err)
			}
			steps := []struct {
				at   time.Time
				want tilgang.Status
			}{
				{copenhagen(day, 9, 15), tilgang.StatusDeactivated},
				{copenhagen(day, 23, 59), tilgang.StatusDeactivated},
				{copenhagen(day, 23, 59).Add(59 * time.Second), tilgang.StatusDeactivated},
				{copenhagen(store.NextDay(day), 0, 0), tilgang.StatusActive},
				{copenhagen(store.NextDay(day), 0, 15), tilgang.StatusActive},
			}
			for _, s := range steps {
				if status := f.sweepAt(t, s.at, u.ID); status != s.want {
					t.Fatalf("at %v (UTC %v): %s, want %s", s.at, s.at.UTC(), status, s.want)
				}
			}
			want := []string{"admin token test user.created", "the user user.activated", "admin token test user.deactivated", "scheduler user.reactivated"}
			if got := f.actions(t, u.ID); !slices.Equal(got, want) {
				t.Fatalf("history = %q, want %q", got, want)
			}
		})
	}
}

func TestFutureWindowStartsOnItsDay(t *testing.T) {
	t.Parallel()
	f := newFixture(t, copenhagen("2026-03-27", 14, 0))
	u := f.activeUser(t, "bo@example.dk")
	got, err := f.svc.DeactivateUser(ctx, admin, f.org, u.ID, tilgang.Deactivation{From: "2026-03-29", To: "2026-03-30"})
	if err != nil || got.Status != tilgang.StatusActive {
		t.Fatalf("future window: %+v, %v", got, err)
	}
	steps := []struct {
		at   time.Time
		want tilgang.Status
	}{
		{copenhagen("2026-03-28", 12, 0), tilgang.StatusActive},
		{copenhagen("2026-03-28", 23, 59), tilgang.StatusActive},
		{copenhagen("2026-03-29", 0, 0), tilgang.StatusDeactivated},
		{copenhagen("2026-03-29", 3, 30), tilgang.StatusDeactivated}, // after the clocks went forward
		{copenhagen("2026-03-30", 23, 59), tilgang.StatusDeactivated},
		{copenhagen("2026-03-31", 0, 0), tilgang.StatusActive},
	}
	for _, s := range steps {
		if status := f.sweepAt(t, s.at, u.ID); status != s.want {
			t.Fatalf("at %v: %s, want %s", s.at, status, s.want)
		}
	}
	want := []string{"admin token test user.created", "the user user.activated", "admin token test deactivation.scheduled",
		"scheduler user.deactivated", "scheduler user.reactivated"}
	if got := f.actions(t, u.ID); !slices.Equal(got, want) {
		t.Fatalf("history = %q, want %q", got, want)
	}
}

// A sweep after days without one still does what those days held, and a
// window that changed before its day does what the new window says.
func TestSweepCatchesUpAndIgnoresStaleEntries(t *testing.T) {
	t.Parallel()
	f := newFixture(t, copenhagen("2026-05-01", 10, 0))
	moved := f.activeUser(t, "moved@example.dk")
	withdrawn := f.activeUser(t, "withdrawn@example.dk")
	for _, u := range []*tilgang.User{moved, withdrawn} {
		if _, err := f.svc.DeactivateUser(ctx, admin, f.org, u.ID, tilgang.Deactivation{From: "2026-05-03", To: "2026-05-04"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.DeactivateUser(ctx, admin, f.org, moved.ID, tilgang.Deactivation{From: "2026-05-10"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ReactivateUser(ctx, admin, f.org, withdrawn.ID); err != nil {
		t.Fatal(err)
	}
	if status := f.sweepAt(t, copenhagen("2026-05-09", 12, 0), moved.ID); status != tilgang.StatusActive {
		t.Fatalf("moved window started early: %s", status)
	}
	if status := f.sweepAt(t, copenhagen("2026-05-11", 12, 0), moved.ID); status != tilgang.StatusDeactivated {
		t.Fatalf("moved window did not start: %s", status)
	}
	if status := f.sweepAt(t, copenhagen("2026-05-11", 12, 15), withdrawn.ID); status != tilgang.StatusActive {
		t.Fatalf("withdrawn window: %s", status)
	}
	if n := len(f.actions(t, withdrawn.ID)); n != 4 {
		t.Fatalf("withdrawn user's history: %q", f.actions(t, withdrawn.ID))
	}
	if day, err := f.st.SweptThrough(ctx); err != nil || day != "2026-05-11" {
		t.Fatalf("sweep mark = %q, %v", day, err)
	}
}

func TestConcurrentSweepsApplyEachChangeOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, copenhagen("2026-06-01", 10, 0))
	var ids []string
	for _, email := range []string{"a@example.dk", "b@example.dk", "c@example.dk"} {
		u := f.activeUser(t, email)
		if _, err := f.svc.DeactivateUser(ctx, admin, f.org, u.ID, tilgang.Deactivation{From: "2026-06-02", To: "2026-06-02"}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	for _, at := range []time.Time{copenhagen("2026-06-02", 0, 5), copenhagen("2026-06-03", 0, 5)} {
		const sweeps = 4
		counts := make([]int, sweeps)
		errs := make([]error, sweeps)
		var wg sync.WaitGroup
		for i := range sweeps {
			wg.Go(func() { counts[i], errs[i] = f.sched.Sweep(ctx, at) })
		}
		wg.Wait()
		total := 0
		for i := range sweeps {
			if errs[i] != nil {
				t.Fatalf("sweep %d: %v", i, errs[i])
			}
			total += counts[i]
		}
		if total != len(ids) {
			t.Fatalf("at %v: %d changes, want %d (%v)", at, total, len(ids), counts)
		}
	}
	for _, id := range ids {
		want := []string{"admin token test user.created", "the user user.activated", "admin token test deactivation.scheduled",
			"scheduler user.deactivated", "scheduler user.reactivated"}
		if got := f.actions(t, id); !slices.Equal(got, want) {
			t.Fatalf("history of %s = %q", id, got)
		}
	}
}

func TestExpiredActivationStaysExpired(t *testing.T) {
	t.Parallel()
	start := copenhagen("2026-07-01", 12, 0)
	f := newFixture(t, start)
	created, err := f.svc.Create(ctx, admin, f.org, users.NewRequest{
		User: &tilgang.User{FirstName: "D", LastName: "E", Email: "dina@example.dk", DateOfBirth: "1985-06-15"}, Activate: true})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := f.svc.ActivationToken(created.User)
	if err != nil {
		t.Fatal(err)
	}
	expires := created.User.Activation.ExpiresAt

	// Earlier on the day of expiry the entry is kept for a later sweep.
	if n, err := f.sched.Sweep(ctx, expires.Add(-time.Minute)); err != nil || n != 0 {
		t.Fatalf("sweep before expiry: %d, %v", n, err)
	}
	for range 2 {
		if n, err := f.sched.Sweep(ctx, expires.Add(time.Minute)); err != nil || n > 1 {
			t.Fatalf("sweep after expiry: %d, %v", n, err)
		}
	}
	u, err := f.svc.Get(ctx, f.org, created.User.ID)
	if err != nil || u.Activation == nil || u.Activation.CodeHash != "" || u.Status != tilgang.StatusPendingActivation {
		t.Fatalf("after expiry: %+v, %v", u, err)
	}
	f.clock.Set(expires.Add(time.Minute))
	if _, err := f.svc.OpenActivation(ctx, tok); !errors.Is(err, tilgang.ErrLinkExpired) {
		t.Fatalf("open an expired link: %v", err)
	}
	if _, err := f.svc.CompleteActivation(ctx, tok, created.ActivationCode); !errors.Is(err, tilgang.ErrLinkExpired) {
		t.Fatalf("complete an expired link: %v", err)
	}
	got := f.actions(t, u.ID)
	if want := []string{"admin token test user.created", "scheduler activation.expired"}; !slices.Equal(got, want) {
		t.Fatalf("history = %q, want %q", got, want)
	}
}

// onLog is a slog.Handler that calls do on the first record whose message
// is msg: a way into the middle of a sweep, between its read of the mark
// and its write.
type onLog struct {
	msg  string
	once *sync.Once
	do   func()
}

func (h onLog) Enabled(context.Context, slog.Level) bool { return true }
func (h onLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h onLog) WithGroup(string) slog.Handler            { return h }

func (h onLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.once.Do(h.do)
	}
	return nil
}

// A sweep that another sweep overtook leaves the mark to it: when the
// other one failed on a day and marked it to be swept again, the slower
// sweep, which read the mark before, does not move the mark past that day.
func TestSweepLeavesTheMarkOfAFailedSweep(t *testing.T) {
	t.Parallel()
	f := newFixture(t, copenhagen("2026-08-01", 10, 0))
	if _, err := f.sched.Sweep(ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	u := f.activeUser(t, "anna@example.dk")
	if _, err := f.svc.DeactivateUser(ctx, admin, f.org, u.ID, tilgang.Deactivation{From: "2026-08-03", To: "2026-08-03"}); err != nil {
		t.Fatal(err)
	}

	// While this sweep does the window's start on 2026-08-03, another
	// sweep that read the same mark fails on 2026-08-02 and marks it.
	var other error
	hook := onLog{msg: "scheduled change", once: &sync.Once{}, do: func() {
		_, other = f.st.SetSweptThrough(ctx, "2026-08-01", "2026-08-02")
	}}
	slow := scheduler.New(f.st, f.clock.Now, slog.New(hook))
	if n, err := slow.Sweep(ctx, copenhagen("2026-08-03", 0, 5)); err != nil || n != 1 {
		t.Fatalf("sweep: %d changes, %v", n, err)
	}
	if other != nil {
		t.Fatal(other)
	}
	if day, err := f.st.SweptThrough(ctx); err != nil || day != "2026-08-02" {
		t.Fatalf("mark = %q, %v; want the failed day 2026-08-02, to be swept again", day, err)
	}
	// The next sweep reads from the failed day and moves the mark on.
	if status := f.sweepAt(t, copenhagen("2026-08-03", 0, 10), u.ID); status != tilgang.StatusDeactivated {
		t.Fatalf("status %s", status)
	}
	if day, err := f.st.SweptThrough(ctx); err != nil || day != "2026-08-03" {
		t.Fatalf("mark after the next sweep = %q, %v", day, err)
	}
}

// A clock that went back does not move the mark back: the days after
// today were swept already.
func TestSweepNeverMovesTheMarkBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t, copenhagen("2026-09-10", 10, 0))
	if _, err := f.sched.Sweep(ctx, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sched.Sweep(ctx, copenhagen("2026-09-08", 10, 0)); err != nil {
		t.Fatal(err)
	}
	if day, err := f.st.SweptThrough(ctx); err != nil || day != "2026-09-10" {
		t.Fatalf("mark = %q, %v; want it kept at 2026-09-10", day, err)
	}
}
