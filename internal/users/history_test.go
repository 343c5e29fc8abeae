package users_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

func TestHistoryQueries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bo := f.create(t, "bo@example.dk", cprBo, "", true).User
	if _, err := f.svc.SendActivation(ctx, admin, f.org, bo.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.DeactivateUser(ctx, tilgang.Actor{Name: "admin token Zed", Source: "admin"}, f.org, bo.ID, tilgang.Deactivation{}); err != nil {
		t.Fatal(err)
	}
	anna := f.create(t, "anna@example.dk", cprAnna, "", false).User

	actions := func(q users.HistoryQuery, org *tilgang.Organisation, id string) []string {
		t.Helper()
		var page, err = f.svc.OrgHistory(ctx, org, q)
		if id != "" {
			page, err = f.svc.History(ctx, org, id, q)
		}
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		var out []string
		for _, e := range page.Entries {
			out = append(out, e.Action)
		}
		return out
	}
	tests := []struct {
		name string
		q    users.HistoryQuery
		id   string
		want []string
	}{
		{"newest first", users.HistoryQuery{}, bo.ID, []string{"user.deactivated", "activation.sent", "user.created"}},
		{"oldest first", users.HistoryQuery{Sort: "time"}, bo.ID, []string{"user.created", "activation.sent", "user.deactivated"}},
		{"by action", users.HistoryQuery{Sort: "action"}, bo.ID, []string{"activation.sent", "user.created", "user.deactivated"}},
		{"by actor, reversed", users.HistoryQuery{Sort: "-actor"}, bo.ID, []string{"user.deactivated", "activation.sent", "user.created"}},
		{"text, any case", users.HistoryQuery{Text: "ZED"}, bo.ID, []string{"user.deactivated"}},
		{"limit", users.HistoryQuery{Limit: 1}, bo.ID, []string{"user.deactivated"}},
		{"today", users.HistoryQuery{From: "2000-01-01", To: "2999-12-31"}, bo.ID, []string{"user.deactivated", "activation.sent", "user.created"}},
		{"before any", users.HistoryQuery{To: "2001-01-01T00:00:00Z"}, bo.ID, nil},
		{"organisation", users.HistoryQuery{Sort: "time"}, "", []string{"user.created", "activation.sent", "user.deactivated", "user.created"}},
		{"organisation, text", users.HistoryQuery{Text: "status"}, "", []string{"user.deactivated", "activation.sent"}},
		{"another organisation", users.HistoryQuery{}, "", nil},
	}
	for _, tt := range tests {
		org := f.org
		if tt.name == "another organisation" {
			org = f.other
		}
		if got := actions(tt.q, org, tt.id); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}

	// Organisation history names the users.
	page, err := f.svc.OrgHistory(ctx, f.org, users.HistoryQuery{Limit: 1})
	if err != nil || len(page.Entries) != 1 || page.Entries[0].UserID != anna.ID || page.NextCursor == "" {
		t.Fatalf("first page: %+v, %v", page, err)
	}

	// Bad queries, all problems at once.
	_, err = f.svc.OrgHistory(ctx, f.org, users.HistoryQuery{Sort: "name", From: "yesterday", Limit: 5000})
	if got := len(tilgang.Problems(err)); got != 3 {
		t.Fatalf("bad query: %d problems: %v", got, err)
	}
	_, err = f.svc.History(ctx, f.org, bo.ID, users.HistoryQuery{From: "2026-12-02", To: "2026-12-01"})
	wantCode(t, err, "range.invalid")

	// Another organisation's user, and no user, are not found; a deleted
	// user's history stays.
	for _, id := range []string{uuid.NewString(), "junk"} {
		if _, err := f.svc.History(ctx, f.org, id, users.HistoryQuery{}); !errors.Is(err, tilgang.ErrUserNotFound) {
			t.Errorf("history of %s: %v", id, err)
		}
	}
	if _, err := f.svc.History(ctx, f.other, bo.ID, users.HistoryQuery{}); !errors.Is(err, tilgang.ErrUserNotFound) {
		t.Errorf("history from another organisation: %v", err)
	}
	if err := f.svc.Delete(ctx, admin, f.user(t, bo.ID)); err != nil {
		t.Fatal(err)
	}
	if got := actions(users.HistoryQuery{}, f.org, bo.ID); len(got) != 4 || got[0] != "user.deleted" {
		t.Fatalf("history of a deleted user: %q", got)
	}
}
