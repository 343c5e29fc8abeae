// Package scheduler runs the periodic work: deactivation windows that start
// or end, expiry of activation links (SPEC §4), and the re-drive of outbox
// mail that the stream gave up on (SPEC §13, mail.Redrive).
//
// It never scans: every user write keeps a sparse schedule of the work its
// state will need, one partition per date (store/schedule.go), and a sweep
// reads the partitions from the last day it swept up to today. The status
// rules are the users package's; the scheduler only applies them when
// their day comes.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tilgang/tilgang/internal/mail"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// Scheduler handles the EventBridge schedule. Build it with New.
type Scheduler struct {
	store *store.Store
	now   func() time.Time
	log   *slog.Logger
}

// New returns a scheduler over st that reads the time from now and logs to
// log.
func New(st *store.Store, now func() time.Time, log *slog.Logger) *Scheduler {
	return &Scheduler{store: st, now: now, log: log}
}

// actor is who history names for the scheduler's changes.
var actor = tilgang.Actor{Name: "scheduler", Source: "scheduler", By: tilgang.By{Kind: tilgang.ActorSystem, Name: "scheduler"}}

// firstLookback is how far back the very first sweep reads: the schedule
// holds only days that were ahead when they were written, so a new
// deployment's first sweep needs no more than the days before it ran.
const firstLookback = 31

// Handle runs one tick: a sweep at the current time, then the re-drive of
// stuck mail. One failing does not keep the other from running.
func (s *Scheduler) Handle(ctx context.Context, ev events.EventBridgeEvent) error {
	n, sweepErr := s.Sweep(ctx, s.now())
	if sweepErr == nil {
		s.log.InfoContext(ctx, "scheduler swept", slog.Time("event", ev.Time), slog.Int("changes", n))
	}
	_, mailErr := s.RedriveMail(ctx)
	return errors.Join(sweepErr, mailErr)
}

// RedriveMail writes again, as new outbox items, the mail that is still
// pending well after the stream's retries (mail.Redrive with its defaults),
// so that the mailer sends it once SES takes mail again.
func (s *Scheduler) RedriveMail(ctx context.Context) (mail.RedriveResult, error) {
	res, err := mail.Redrive(ctx, s.store, s.now(), mail.RedriveOptions{})
	if res.Redriven+res.GivenUp > 0 || err != nil {
		s.log.WarnContext(ctx, "scheduler: undelivered mail", slog.Int("redriven", res.Redriven), slog.Int("givenUp", res.GivenUp),
			slog.Int("notDue", res.NotDue), slog.Int("taken", res.Taken), slog.Bool("more", res.More), slog.Any("error", err))
	}
	return res, err
}

// Sweep does the work that is due at now and returns how many users it
// changed. It is idempotent, and two sweeps at once do each change once:
// every change is conditional on the user's version and on its schedule
// entry, and the loser reads again or finds the work done.
//
// The sweep mark moves to the first day with work left undone, or to
// today, and only from the day this sweep read (store.SetSweptThrough).
// Of sweeps that read the same mark, the first to finish moves it, and
// that sweep swept every day it passes without an error; a slower sweep
// leaves the mark alone, so it cannot pass a day the first one failed on.
func (s *Scheduler) Sweep(ctx context.Context, now time.Time) (int, error) {
	today := tilgang.Today(now)
	read, err := s.store.SweptThrough(ctx)
	if err != nil {
		return 0, err
	}
	from := read
	switch {
	case from == "":
		from = tilgang.Today(now.AddDate(0, 0, -firstLookback))
	case from > today:
		from = today // a clock that went back: nothing of the future is due
	}
	changed, mark := 0, today
	var errs []error
	for day := from; day <= today; day = store.NextDay(day) {
		due, err := s.store.DueOn(ctx, day)
		if err != nil {
			errs = append(errs, err)
			mark = min(mark, day)
			continue
		}
		for _, d := range due {
			done, err := s.do(ctx, d, now)
			if done {
				changed++
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("scheduler: %s of user %s on %s: %w", d.Work, d.UserID, d.Day, err))
				mark = min(mark, day) // try the day again next time
			}
		}
	}
	moved, err := s.store.SetSweptThrough(ctx, read, mark)
	if err != nil {
		errs = append(errs, err)
	} else if !moved && mark > read {
		s.log.InfoContext(ctx, "scheduler: another sweep moved the mark first", slog.String("read", read), slog.String("reached", mark))
	}
	return changed, errors.Join(errs...)
}

// do does one entry's work if the user's state still asks for it and
// reports whether it changed the user. An entry that asks for nothing any
// more is dropped; one that is not due yet (a link that expires later
// today) is kept for the next sweep.
func (s *Scheduler) do(ctx context.Context, d store.Due, now time.Time) (bool, error) {
	return tilgang.RetryStale(ctx, func() (bool, error) {
		old, err := s.store.User(ctx, d.OrgID, d.UserID)
		if errors.Is(err, tilgang.ErrUserNotFound) {
			return false, s.store.DropDue(ctx, d) // deleted meanwhile
		}
		if err != nil {
			return false, err
		}
		u := old.Clone()
		var c tilgang.Change
		switch d.Work {
		case store.WorkStart, store.WorkEnd:
			if action := users.ApplyWindow(u, tilgang.Today(now)); action != "" {
				c.Activity = actor.Activity(action, []string{"deactivation", "status"})
			}
		case store.WorkExpire:
			if u.Activation != nil && now.Before(u.Activation.ExpiresAt) && tilgang.Today(u.Activation.ExpiresAt) == d.Day {
				return false, nil // later today
			}
			if users.ExpireActivation(u, now) {
				c.Activity = actor.Activity(users.ActionActivationExpired, []string{"activation"})
			}
		}
		if c.Activity.Action == "" {
			return false, s.store.DropDue(ctx, d)
		}
		err = s.store.ApplyDue(ctx, old, u, c, d)
		switch {
		case err == nil:
			s.log.InfoContext(ctx, "scheduled change", slog.String("org", d.OrgID), slog.String("user", d.UserID), slog.String("action", c.Activity.Action))
			return true, nil
		case errors.Is(err, store.ErrDueDone):
			return false, nil // another sweep did it
		}
		return false, err
	})
}
