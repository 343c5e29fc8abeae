package users

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// HistoryQuery selects history entries (SPEC §4 History). The zero value
// gives the newest store.DefaultHistoryLimit entries, newest first.
type HistoryQuery struct {
	// From and To bound the time, both inclusive: a date YYYY-MM-DD means
	// that whole day in Europe/Copenhagen, an RFC 3339 time that instant.
	From, To string
	// Text keeps entries whose actor, action, field names or source
	// contain it, case-insensitively.
	Text string
	// ActorKind keeps entries by actors of one kind (tilgang.ActorKinds).
	ActorKind string
	// Sort is one of HistorySorts; "" is "-time", newest first.
	Sort   string
	Limit  int
	Cursor string // organisation history only
}

// HistorySorts are the orders a history can be read in; a leading "-"
// reverses. Sorting by action or actor orders the newest entries that the
// query selects (the page), which is what a table of them shows.
var HistorySorts = []string{"time", "-time", "action", "-action", "actor", "-actor"}

// History reads the history of org's user id. It outlives the user: a
// deleted user's history still reads, an id that never named a user of org
// is not found.
func (s *Service) History(ctx context.Context, org *tilgang.Organisation, id string, q HistoryQuery) (tilgang.HistoryPage, error) {
	parsed, err := uuid.Parse(id)
	if err != nil {
		return tilgang.HistoryPage{}, tilgang.ErrUserNotFound
	}
	id = parsed.String()
	f, err := historyFilter(q)
	if err != nil {
		return tilgang.HistoryPage{}, err
	}
	f.Cursor = ""
	page, err := s.store.UserHistory(ctx, org.ID, id, f)
	if err != nil {
		return tilgang.HistoryPage{}, err
	}
	if len(page.Entries) == 0 {
		// Only a user that exists has an empty history to show.
		if _, err := s.store.User(ctx, org.ID, id); err != nil {
			return tilgang.HistoryPage{}, err
		}
	}
	page.NextCursor = ""
	s.logUnreadableHistory(ctx, org, page)
	sortHistory(page.Entries, q.Sort)
	return page, nil
}

// OrgHistory reads the history of all org's users, a page at a time.
func (s *Service) OrgHistory(ctx context.Context, org *tilgang.Organisation, q HistoryQuery) (tilgang.HistoryPage, error) {
	f, err := historyFilter(q)
	if err != nil {
		return tilgang.HistoryPage{}, err
	}
	page, err := s.store.OrgHistory(ctx, org.ID, f)
	if err != nil {
		return tilgang.HistoryPage{}, err
	}
	s.logUnreadableHistory(ctx, org, page)
	sortHistory(page.Entries, q.Sort)
	return page, nil
}

func historyFilter(q HistoryQuery) (store.HistoryFilter, error) {
	f := store.HistoryFilter{Text: q.Text, ActorKind: q.ActorKind, Limit: q.Limit, Cursor: q.Cursor, Oldest: q.Sort == "time"}
	var errs []error
	if q.ActorKind != "" && !slices.Contains(tilgang.ActorKinds, q.ActorKind) {
		errs = append(errs, tilgang.Invalid("actorKind", "actor_kind.invalid", "actorKind is one of "+strings.Join(tilgang.ActorKinds, ", ")))
	}
	if q.Sort != "" && !slices.Contains(HistorySorts, q.Sort) {
		errs = append(errs, tilgang.Invalid("sort", "sort.invalid", "sort by one of "+strings.Join(HistorySorts, ", ")))
	}
	if q.Limit < 0 || q.Limit > tilgang.MaxHistoryPageSize {
		errs = append(errs, tilgang.Invalid("limit", "limit.invalid", "limit must be a number from 1 to 1000"))
	}
	var err error
	if f.From, err = historyBound("from", q.From, false); err != nil {
		errs = append(errs, err)
	}
	if f.To, err = historyBound("to", q.To, true); err != nil {
		errs = append(errs, err)
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		errs = append(errs, tilgang.Invalid("to", "range.invalid", "to is before from"))
	}
	return f, errors.Join(errs...)
}

// historyBound reads a bound of a history range; the end of a range given
// as a date is the last instant of that day in Copenhagen.
func historyBound(field, v string, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	day, err := time.ParseInLocation(time.DateOnly, v, tilgang.Copenhagen())
	if err != nil {
		return time.Time{}, tilgang.Invalid(field, "date.invalid", "give a date YYYY-MM-DD or an RFC 3339 time")
	}
	if end {
		return day.AddDate(0, 0, 1).Add(-time.Nanosecond), nil
	}
	return day, nil
}

// sortHistory orders a page of entries, which come newest or oldest first,
// by action or actor; entries that tie keep their time order.
func sortHistory(es []tilgang.HistoryEntry, by string) {
	key := func(e tilgang.HistoryEntry) string { return e.Action }
	switch strings.TrimPrefix(by, "-") {
	case "action":
	case "actor":
		key = func(e tilgang.HistoryEntry) string { return e.Actor }
	default:
		return // time: the store's order
	}
	desc := strings.HasPrefix(by, "-")
	slices.SortStableFunc(es, func(a, b tilgang.HistoryEntry) int {
		c := cmp.Compare(strings.ToLower(key(a)), strings.ToLower(key(b)))
		if desc {
			return -c
		}
		return c
	})
}

// logUnreadableHistory logs the entries of page that did not decode
// whole, by the organisation's and the user's id only.
func (s *Service) logUnreadableHistory(ctx context.Context, org *tilgang.Organisation, page tilgang.HistoryPage) {
	for _, e := range page.Entries {
		if e.Unreadable {
			s.log.WarnContext(ctx, "history entry unreadable", slog.String("orgId", org.ID), slog.String("userId", e.UserID))
		}
	}
}
