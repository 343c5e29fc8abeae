package store_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestUsersInStatusesMergesInUserNameOrder pages through users of several
// statuses with every page size, following NextCursor, and expects exactly
// the users of those statuses in userName order; an unfiltered list's
// cursor continues it, and another organisation's cursor is refused.
func TestUsersInStatusesMergesInUserNameOrder(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	statuses := []tilgang.Status{tilgang.StatusImported, tilgang.StatusActive, tilgang.StatusDeactivated}
	var all []*tilgang.User
	for i := range 23 {
		u := newUser("o1", fmt.Sprint("u", i), fmt.Sprintf("user%02d", i))
		u.Status = statuses[(i*i)%3] // uneven runs of each status
		if err := st.CreateUser(ctx, u, change("user.created")); err != nil {
			t.Fatal(err)
		}
		all = append(all, u)
	}
	if err := st.CreateUser(ctx, newUser("o2", "x", "user00"), change("user.created")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		statuses []tilgang.Status
	}{
		{"one status", statuses[2:]},
		{"two statuses", statuses[:2]},
		{"every status", tilgang.Statuses},
		{"a status nobody has", []tilgang.Status{tilgang.StatusAwaitingApproval}},
		{"no status", []tilgang.Status{}},
	}
	for _, tt := range tests {
		var want []string
		for _, u := range all {
			if slices.Contains(tt.statuses, u.Status) {
				want = append(want, u.UserName)
			}
		}
		for _, limit := range []int{1, 2, 5, 100} {
			t.Run(fmt.Sprintf("%s, pages of %d", tt.name, limit), func(t *testing.T) {
				t.Parallel()
				var got []string
				cursor := ""
				for pages := 0; ; pages++ {
					page, err := st.UsersInStatuses(ctx, "o1", tt.statuses, cursor, limit)
					if err != nil {
						t.Fatal(err)
					}
					if len(page.Users) > limit || len(page.Unreadable) > 0 {
						t.Fatalf("page of %d (%d unreadable), limit %d", len(page.Users), len(page.Unreadable), limit)
					}
					for _, u := range page.Users {
						got = append(got, u.UserName)
					}
					if page.NextCursor == "" {
						break
					}
					if pages > 30 {
						t.Fatal("no end of pages")
					}
					cursor = page.NextCursor
					if _, err := st.UsersInStatuses(ctx, "o2", tt.statuses, cursor, limit); !errors.Is(err, tilgang.ErrBadCursor) {
						t.Fatalf("another organisation used the cursor: %v", err)
					}
				}
				if !slices.Equal(got, want) {
					t.Fatalf("got %v, want %v", got, want)
				}
			})
		}
	}
	t.Run("an unfiltered list's cursor continues a status list", func(t *testing.T) {
		t.Parallel()
		page, err := st.UsersInStatuses(ctx, "o1", tilgang.Statuses, store.CursorAfter(all[9]), 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Users) != 13 || page.Users[0].UserName != "user10" || page.NextCursor != "" {
			t.Fatalf("after user09: %d users from %s, cursor %q", len(page.Users), page.Users[0].UserName, page.NextCursor)
		}
	})
}
