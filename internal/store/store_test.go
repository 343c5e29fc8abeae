package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var ctx = context.Background()

func newUser(org, id, userName string) *tilgang.User {
	return &tilgang.User{ID: id, OrgID: org, UserName: userName, Email: userName + "@example.dk",
		FirstName: "Anna", LastName: "Hansen", Status: tilgang.StatusImported}
}

func change(action string) tilgang.Change {
	return tilgang.Change{Activity: tilgang.Activity{Actor: "test", Source: "test", Action: action}}
}

func TestCreateGetAndUniqueness(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	u := newUser("o1", "u1", "Anna")
	u.ExternalID = "ext-1"
	u.CPR = tilgang.SealedCPR{Lookup: "hash-1", Sealed: []byte{1, 2}}
	if err := st.CreateUser(ctx, u, change("user.created")); err != nil {
		t.Fatal(err)
	}
	if u.Version != 1 || u.CreatedAt.IsZero() {
		t.Fatalf("version %d, created %v", u.Version, u.CreatedAt)
	}
	got, err := st.User(ctx, "o1", "u1")
	if err != nil || got.UserName != "Anna" || got.CPR.Lookup != "hash-1" {
		t.Fatalf("User = %+v, %v", got, err)
	}
	for _, look := range []func() (*tilgang.User, error){
		func() (*tilgang.User, error) { return st.UserByUserName(ctx, "o1", "aNNA") },
		func() (*tilgang.User, error) { return st.UserByExternalID(ctx, "o1", "ext-1") },
		func() (*tilgang.User, error) { return st.UserByCPRLookup(ctx, "o1", "hash-1") },
	} {
		if got, err := look(); err != nil || got.ID != "u1" {
			t.Errorf("look-up = %v, %v", got, err)
		}
	}
	tests := []struct {
		name string
		edit func(*tilgang.User)
		want error
	}{
		{"userName in other case", func(u *tilgang.User) { u.UserName = "ANNA" }, tilgang.ErrUserNameTaken},
		{"externalId", func(u *tilgang.User) { u.ExternalID = "ext-1" }, tilgang.ErrExternalIDTaken},
		{"CPR", func(u *tilgang.User) { u.CPR = tilgang.SealedCPR{Lookup: "hash-1"} }, tilgang.ErrCPRTaken},
	}
	for i, tt := range tests {
		other := newUser("o1", fmt.Sprint("other-", i), fmt.Sprint("other-", i))
		tt.edit(other)
		if err := st.CreateUser(ctx, other, change("user.created")); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	// The same names are free in another organisation, and the first
	// organisation's user is not found there.
	if err := st.CreateUser(ctx, newUser("o2", "u1", "anna"), change("user.created")); err != nil {
		t.Fatalf("other organisation: %v", err)
	}
	if _, err := st.User(ctx, "o3", "u1"); !errors.Is(err, tilgang.ErrUserNotFound) {
		t.Fatalf("foreign id: %v", err)
	}
}

func TestConcurrentCreatesOfOneUserName(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	var wg sync.WaitGroup
	errs := make([]error, 30)
	for i := range errs {
		wg.Go(func() {
			name := "Same.Name"
			if i%2 == 0 {
				name = "same.name"
			}
			errs[i] = st.CreateUser(ctx, newUser("o1", fmt.Sprint("u", i), name), change("user.created"))
		})
	}
	wg.Wait()
	if created := succeeded(t, errs, tilgang.ErrUserNameTaken); created != 1 {
		t.Fatalf("%d users created, want 1", created)
	}
}

// succeeded counts the nil errors of concurrent writes and fails the test
// for any error other than the expected refusal.
func succeeded(t *testing.T, errs []error, refusal error) int {
	t.Helper()
	n := 0
	for _, err := range errs {
		switch {
		case err == nil:
			n++
		case !errors.Is(err, refusal):
			t.Errorf("unexpected error: %v", err)
		}
	}
	return n
}

func TestUpdateMovesGuardsAndChecksVersion(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	old := newUser("o1", "u1", "first")
	if err := st.CreateUser(ctx, old, change("user.created")); err != nil {
		t.Fatal(err)
	}
	u := old.Clone()
	u.UserName, u.ExternalID = "second", "e2"
	if err := st.UpdateUser(ctx, old, u, change("user.updated")); err != nil {
		t.Fatal(err)
	}
	if u.Version != 2 {
		t.Fatalf("version %d, want 2", u.Version)
	}
	if _, err := st.UserByUserName(ctx, "o1", "first"); !errors.Is(err, tilgang.ErrUserNotFound) {
		t.Errorf("old userName still found: %v", err)
	}
	if got, err := st.UserByExternalID(ctx, "o1", "e2"); err != nil || got.UserName != "second" {
		t.Errorf("new externalId: %v, %v", got, err)
	}
	// A write based on version 1 is stale now.
	stale := old.Clone()
	stale.FirstName = "Late"
	if err := st.UpdateUser(ctx, old, stale, change("user.updated")); !errors.Is(err, tilgang.ErrStale) {
		t.Fatalf("stale update: %v", err)
	}
	// The old userName can be taken by someone else now.
	if err := st.CreateUser(ctx, newUser("o1", "u2", "first"), change("user.created")); err != nil {
		t.Fatalf("freed userName: %v", err)
	}
	// Moving onto a taken userName fails with the uniqueness error.
	taken := u.Clone()
	taken.UserName = "FIRST"
	if err := st.UpdateUser(ctx, u, taken, change("user.updated")); !errors.Is(err, tilgang.ErrUserNameTaken) {
		t.Fatalf("taken userName: %v", err)
	}
}

func TestDeleteFreesGuardsAndKeepsHistory(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	u := newUser("o1", "u1", "gone")
	u.CPR = tilgang.SealedCPR{Lookup: "h", Sealed: []byte{1}}
	if err := st.CreateUser(ctx, u, change("user.created")); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteUser(ctx, u, change("user.deleted")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.User(ctx, "o1", "u1"); !errors.Is(err, tilgang.ErrUserNotFound) {
		t.Fatalf("deleted user: %v", err)
	}
	again := newUser("o1", "u2", "gone")
	again.CPR = tilgang.SealedCPR{Lookup: "h", Sealed: []byte{1}}
	if err := st.CreateUser(ctx, again, change("user.created")); err != nil {
		t.Fatalf("reuse of userName and CPR: %v", err)
	}
	hist, err := st.History(ctx, "o1", "u1", store.HistoryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Action != "user.deleted" || hist[1].Action != "user.created" {
		t.Fatalf("history = %+v", hist)
	}
}

func TestListPagesFiltersAndRejectsForeignCursors(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	for i := range 25 {
		u := newUser("o1", fmt.Sprint("u", i), fmt.Sprintf("user%02d", i))
		if i%5 == 0 {
			u.FirstName = "Søren"
			u.Status = tilgang.StatusActive
		}
		if err := st.CreateUser(ctx, u, change("user.created")); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CreateUser(ctx, newUser("o2", "x", "user00"), change("user.created")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		query tilgang.UserQuery
		want  int
	}{
		{"all", tilgang.UserQuery{Limit: 10}, 25},
		{"by status", tilgang.UserQuery{Status: tilgang.StatusActive, Limit: 2}, 5},
		{"by text", tilgang.UserQuery{Text: "SØREN", Limit: 2}, 5},
		{"text and status", tilgang.UserQuery{Text: "user1", Status: tilgang.StatusImported, Limit: 3}, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var names []string
			q := tt.query
			for pages := 0; ; pages++ {
				page, err := st.Users(ctx, "o1", q)
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Users) > q.Limit {
					t.Fatalf("page of %d, limit %d", len(page.Users), q.Limit)
				}
				for _, u := range page.Users {
					names = append(names, u.UserName)
				}
				if page.NextCursor == "" {
					break
				}
				if pages > 30 {
					t.Fatal("no end of pages")
				}
				q.Cursor = page.NextCursor
				if _, err := st.Users(ctx, "o2", q); !errors.Is(err, tilgang.ErrBadCursor) {
					t.Fatalf("another organisation used the cursor: %v", err)
				}
			}
			if len(names) != tt.want {
				t.Fatalf("got %d users %v, want %d", len(names), names, tt.want)
			}
			for i := 1; i < len(names); i++ {
				if names[i-1] >= names[i] {
					t.Fatalf("not in userName order: %v", names)
				}
			}
		})
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	for _, id := range []string{"t1", "t2"} {
		if err := st.CreateToken(ctx, &tilgang.Token{ID: id, OrgID: "o1", Name: id, Kind: tilgang.TokenAdmin, Hash: "hash-" + id}); err != nil {
			t.Fatal(err)
		}
	}
	if tok, err := st.TokenByHash(ctx, "hash-t2"); err != nil || tok.ID != "t2" || tok.OrgID != "o1" {
		t.Fatalf("TokenByHash = %+v, %v", tok, err)
	}
	if list, err := st.Tokens(ctx, "o1"); err != nil || len(list) != 2 {
		t.Fatalf("Tokens = %v, %v", list, err)
	}
	if err := st.DeleteToken(ctx, "o2", "t1"); !errors.Is(err, tilgang.ErrTokenNotFound) {
		t.Fatalf("another organisation revoked a token: %v", err)
	}
	if err := st.DeleteToken(ctx, "o1", "t1"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.TokenByHash(ctx, "hash-t1"); !errors.Is(err, tilgang.ErrTokenNotFound) {
		t.Fatalf("revoked token still works: %v", err)
	}
}

func TestOrganisationVersions(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	o := &tilgang.Organisation{ID: "o1", Name: "A", IAL: 3, Language: "da"}
	if err := st.CreateOrganisation(ctx, o); err != nil {
		t.Fatal(err)
	}
	a, _ := st.Organisation(ctx, "o1")
	b, _ := st.Organisation(ctx, "o1")
	a.Name = "A2"
	if err := st.UpdateOrganisation(ctx, a); err != nil {
		t.Fatal(err)
	}
	b.Name = "B2"
	if err := st.UpdateOrganisation(ctx, b); !errors.Is(err, tilgang.ErrStale) {
		t.Fatalf("stale organisation update: %v", err)
	}
}
