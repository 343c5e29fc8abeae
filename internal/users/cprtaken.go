package users

import (
	"context"
	"errors"
	"log/slog"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Giving a user a CPR number (a new user by any door, or a first number
// for a user without one) answers whether another user of the
// organisation holds it: a CPR look-up, capped with the CSV import's
// look-ups by one daily allowance per organisation (SPEC §14; see
// tilgang.CPRLookupBudget). A number that is taken spends one look-up;
// once the day's are spent, every write that gives a CPR number is refused
// with cpr.lookup_limit, taken or not. The answer for a taken number,
// user.exists on field cpr, never names or links the user who holds it,
// and the log names the organisation and the asker only.

// DefaultCPRLookupsPerDay is an organisation's CPR look-ups a day, shared
// by the CSV import (csvimport.Options.CPRLookupsPerDay) and the writes
// that give users CPR numbers.
const DefaultCPRLookupsPerDay = 1000

// WithCPRLookupsPerDay sets the organisations' CPR look-ups a day (n ≥ 1;
// the default is DefaultCPRLookupsPerDay).
func WithCPRLookupsPerDay(n int) Option {
	return func(s *Service) {
		if n > 0 {
			s.cprPerDay = n
		}
	}
}

// cprLookups is the budget a write that gives a user number depends on,
// nil if it gives none.
func (s *Service) cprLookups(number cpr.Number) *tilgang.CPRLookupBudget {
	if number.IsZero() {
		return nil
	}
	return &tilgang.CPRLookupBudget{Day: tilgang.Today(s.now()), PerDay: s.cprPerDay}
}

// cprTaken is the answer to err, the error of a write that may have given
// a user a CPR number. A number another user holds spends one of org's
// look-ups of the day: it answers tilgang.ErrCPRTaken, or
// tilgang.ErrCPRLookupLimit if there was none left. That, and a number
// refused because the day's look-ups were spent before, are logged as
// warnings for the operator with the organisation and the asker, never the
// number or the user who holds it.
func (s *Service) cprTaken(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, err error) error {
	if errors.Is(err, tilgang.ErrCPRLookupLimit) {
		s.log.WarnContext(ctx, "CPR look-ups of the day spent: CPR number refused", slog.String("orgId", org.ID),
			slog.String("actor", actor.Name), slog.String("source", actor.Source))
		return err
	}
	if !errors.Is(err, tilgang.ErrCPRTaken) {
		return err
	}
	day := tilgang.Today(s.now())
	granted, rerr := s.store.ReserveCPRLookups(ctx, org.ID, day, 1, s.cprPerDay)
	s.log.WarnContext(ctx, "CPR number held by another user", slog.String("orgId", org.ID),
		slog.String("actor", actor.Name), slog.String("source", actor.Source), slog.Bool("lookupLeft", granted > 0))
	switch {
	case rerr != nil:
		// The count could not be taken: answer what the write found, as
		// the budget was not spent when it was written.
		s.log.ErrorContext(ctx, "CPR look-up not counted", slog.String("orgId", org.ID), slog.Any("error", rerr))
		return tilgang.ErrCPRTaken
	case granted == 0:
		return tilgang.ErrCPRLookupLimit
	}
	return tilgang.ErrCPRTaken
}
