package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

func newGroup(org, id, name string) *tilgang.Group {
	return &tilgang.Group{ID: id, OrgID: org, DisplayName: name}
}

// createUsers stores users org's ids through the store.
func createUsers(t *testing.T, st *store.Store, org string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if err := st.CreateUser(ctx, newUser(org, id, "name-"+id), change("user.created")); err != nil {
			t.Fatal(err)
		}
	}
}

func createGroup(t *testing.T, st *store.Store, g *tilgang.Group, members ...string) *tilgang.Group {
	t.Helper()
	if err := st.CreateGroup(ctx, g, members); err != nil {
		t.Fatalf("create group %s: %v", g.DisplayName, err)
	}
	return g
}

// members lists all of g's members, page by page.
func members(t *testing.T, st *store.Store, g *tilgang.Group, limit int) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for range 1000 {
		page, err := st.Members(ctx, g, limit, cursor)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, page.UserIDs...)
		if cursor = page.NextCursor; cursor == "" {
			return ids
		}
	}
	t.Fatal("no end of member pages")
	return nil
}

func TestGroupCreateAndLookUps(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	g := newGroup("o1", "g1", "Økonomi Team")
	g.ExternalID = "ext-G1"
	createGroup(t, st, g)
	if g.Version != 1 || g.CreatedAt.IsZero() || !g.UpdatedAt.Equal(g.CreatedAt) {
		t.Fatalf("created group: %+v", g)
	}
	got, err := st.Group(ctx, "o1", "g1")
	if err != nil || *got != *g {
		t.Fatalf("Group = %+v, %v; want %+v", got, err, g)
	}
	tests := []struct {
		name string
		look func() (*tilgang.Group, error)
		want error
	}{
		{"displayName as given", func() (*tilgang.Group, error) { return st.GroupByDisplayName(ctx, "o1", "Økonomi Team") }, nil},
		{"displayName in other case, spaced", func() (*tilgang.Group, error) { return st.GroupByDisplayName(ctx, "o1", "  øKONOMI team ") }, nil},
		{"displayName in full-width letters (NFKC)", func() (*tilgang.Group, error) { return st.GroupByDisplayName(ctx, "o1", "Økonomi Ｔｅａｍ") }, nil},
		{"externalId", func() (*tilgang.Group, error) { return st.GroupByExternalID(ctx, "o1", "ext-G1") }, nil},
		{"externalId compares exactly", func() (*tilgang.Group, error) { return st.GroupByExternalID(ctx, "o1", "EXT-G1") }, tilgang.ErrGroupNotFound},
		{"another name", func() (*tilgang.Group, error) { return st.GroupByDisplayName(ctx, "o1", "Økonomi") }, tilgang.ErrGroupNotFound},
		{"a name longer than any key", func() (*tilgang.Group, error) { return st.GroupByDisplayName(ctx, "o1", strings.Repeat("x", 3000)) }, tilgang.ErrGroupNotFound},
		{"another organisation by id", func() (*tilgang.Group, error) { return st.Group(ctx, "o2", "g1") }, tilgang.ErrGroupNotFound},
		{"another organisation by name", func() (*tilgang.Group, error) { return st.GroupByDisplayName(ctx, "o2", "Økonomi Team") }, tilgang.ErrGroupNotFound},
		{"another organisation by externalId", func() (*tilgang.Group, error) { return st.GroupByExternalID(ctx, "o2", "ext-G1") }, tilgang.ErrGroupNotFound},
	}
	for _, tt := range tests {
		got, err := tt.look()
		if !errors.Is(err, tt.want) || (tt.want == nil && got.ID != "g1") {
			t.Errorf("%s: %+v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestGroupUniqueness(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	first := newGroup("o1", "g1", "Finance é")
	first.ExternalID = "ext-1"
	createGroup(t, st, first)
	createUsers(t, st, "o1", "u1")
	tests := []struct {
		name    string
		group   *tilgang.Group
		members []string
		want    error
	}{
		{"displayName in other case", newGroup("o1", "g2", "FINANCE É"), nil, tilgang.ErrGroupNameTaken},
		{"displayName with a ligature (NFKC)", newGroup("o1", "g2", "ﬁnance é"), nil, tilgang.ErrGroupNameTaken},
		{"displayName decomposed (NFC)", newGroup("o1", "g2", "Finance e\u0301"), nil, tilgang.ErrGroupNameTaken},
		{"displayName, with members", newGroup("o1", "g2", "finance é"), []string{"u1"}, tilgang.ErrGroupNameTaken},
		{"externalId", &tilgang.Group{ID: "g2", OrgID: "o1", DisplayName: "Other", ExternalID: "ext-1"}, nil, tilgang.ErrGroupExternalIDTaken},
		{"externalId, with members", &tilgang.Group{ID: "g2", OrgID: "o1", DisplayName: "Other", ExternalID: "ext-1"}, []string{"u1"}, tilgang.ErrGroupExternalIDTaken},
		{"id", newGroup("o1", "g1", "Other"), nil, &tilgang.Error{Code: "group.exists", Field: "id"}},
		{"id, with members", newGroup("o1", "g1", "Other"), []string{"u1"}, &tilgang.Error{Code: "group.exists", Field: "id"}},
		{"unknown member", newGroup("o1", "g2", "Other"), []string{"u1", "nobody"}, tilgang.ErrUnknownMember},
	}
	for _, tt := range tests {
		err := st.CreateGroup(ctx, tt.group, tt.members)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
		if tt.group.Version != 0 {
			t.Errorf("%s: version %d after a failed create", tt.name, tt.group.Version)
		}
	}
	// No refused create left a group, a guard or a membership behind.
	if groups, err := st.GroupsOfUser(ctx, "o1", "u1"); err != nil || len(groups) != 0 {
		t.Errorf("u1's groups after refused creates: %v, %v", groups, err)
	}
	if got := members(t, st, first, 0); len(got) != 0 {
		t.Errorf("g1's members after refused creates: %v", got)
	}
	if n, err := st.CountGroups(ctx, "o1"); err != nil || n != 1 {
		t.Errorf("CountGroups = %d, %v; want 1", n, err)
	}
	// The same values are free in another organisation, and a group may
	// share its name with a user.
	other := &tilgang.Group{ID: "g1", OrgID: "o2", DisplayName: "finance é", ExternalID: "ext-1"}
	createGroup(t, st, other)
	createGroup(t, st, newGroup("o1", "g3", "name-u1"))
}

func TestConcurrentCreatesOfOneDisplayName(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			name := "Same Group"
			if i%2 == 0 {
				name = "SAME group"
			}
			errs[i] = st.CreateGroup(ctx, newGroup("o1", fmt.Sprint("g", i), name), nil)
		})
	}
	wg.Wait()
	if created := succeeded(t, errs, tilgang.ErrGroupNameTaken); created != 1 {
		t.Fatalf("%d groups created, want 1", created)
	}
}

func TestReplaceGroupMovesGuards(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	old := newGroup("o1", "g1", "Sales")
	old.ExternalID = "e1"
	createGroup(t, st, old)
	createGroup(t, st, newGroup("o1", "g2", "Taken"))

	// A change of case only keeps the guard.
	cased := *old
	cased.DisplayName = "SALES"
	if err := st.ReplaceGroup(ctx, old, &cased); err != nil || cased.Version != 2 {
		t.Fatalf("case change: %v, version %d", err, cased.Version)
	}
	renamed := cased
	renamed.DisplayName, renamed.ExternalID = "Sales DK", ""
	if err := st.ReplaceGroup(ctx, &cased, &renamed); err != nil {
		t.Fatal(err)
	}
	if got, err := st.GroupByDisplayName(ctx, "o1", "sales dk"); err != nil || got.Version != 3 || got.ExternalID != "" {
		t.Fatalf("renamed group: %+v, %v", got, err)
	}
	for _, look := range []func() (*tilgang.Group, error){
		func() (*tilgang.Group, error) { return st.GroupByDisplayName(ctx, "o1", "sales") },
		func() (*tilgang.Group, error) { return st.GroupByExternalID(ctx, "o1", "e1") },
	} {
		if _, err := look(); !errors.Is(err, tilgang.ErrGroupNotFound) {
			t.Errorf("old value still found: %v", err)
		}
	}
	// The old name and externalId are free for another group.
	freed := newGroup("o1", "g3", "sales")
	freed.ExternalID = "e1"
	createGroup(t, st, freed)

	tests := []struct {
		name string
		old  *tilgang.Group
		edit func(*tilgang.Group)
		want error
	}{
		{"stale version", old, func(g *tilgang.Group) { g.DisplayName = "Late" }, tilgang.ErrStale},
		{"onto a taken name", &renamed, func(g *tilgang.Group) { g.DisplayName = "taken" }, tilgang.ErrGroupNameTaken},
		{"onto a taken externalId", &renamed, func(g *tilgang.Group) { g.ExternalID = "e1" }, tilgang.ErrGroupExternalIDTaken},
	}
	for _, tt := range tests {
		g := *tt.old
		tt.edit(&g)
		if err := st.ReplaceGroup(ctx, tt.old, &g); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
		if g.Version != tt.old.Version {
			t.Errorf("%s: version %d after a failed replace, want %d", tt.name, g.Version, tt.old.Version)
		}
	}
}

func TestMembersAddRemoveReplace(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	createUsers(t, st, "o1", "u1", "u2", "u3", "u4", "u5")
	createUsers(t, st, "o2", "foreign")
	g := createGroup(t, st, newGroup("o1", "g1", "Staff"))

	type result struct{ added, removed []string }
	steps := []struct {
		name    string
		do      func() (result, error)
		want    result
		err     error
		members []string // after the step
		bumped  bool     // the version moved
	}{
		{name: "add, with a repeat",
			do: func() (result, error) {
				a, err := st.AddMembers(ctx, g, []string{"u2", "u1", "u2"})
				return result{added: a}, err
			},
			want: result{added: []string{"u2", "u1"}}, members: []string{"u1", "u2"}, bumped: true},
		{name: "add a member again and a new one",
			do: func() (result, error) {
				a, err := st.AddMembers(ctx, g, []string{"u1", "u3"})
				return result{added: a}, err
			},
			want: result{added: []string{"u3"}}, members: []string{"u1", "u2", "u3"}, bumped: true},
		{name: "add members only: a no-op",
			do: func() (result, error) {
				a, err := st.AddMembers(ctx, g, []string{"u3", "u1"})
				return result{added: a}, err
			},
			members: []string{"u1", "u2", "u3"}},
		{name: "add nobody",
			do:      func() (result, error) { a, err := st.AddMembers(ctx, g, nil); return result{added: a}, err },
			members: []string{"u1", "u2", "u3"}},
		{name: "add another organisation's user: nothing written",
			do: func() (result, error) {
				a, err := st.AddMembers(ctx, g, []string{"u4", "foreign"})
				return result{added: a}, err
			},
			err:     tilgang.ErrUnknownMember,
			members: []string{"u1", "u2", "u3"}},
		{name: "add ids that cannot be keys",
			do: func() (result, error) {
				a, err := st.AddMembers(ctx, g, []string{"", strings.Repeat("u", 2000)})
				return result{added: a}, err
			},
			err: tilgang.ErrUnknownMember, members: []string{"u1", "u2", "u3"}},
		{name: "remove a member and a non-member",
			do: func() (result, error) {
				r, err := st.RemoveMembers(ctx, g, []string{"u2", "u5", "nobody", ""})
				return result{removed: r}, err
			},
			want: result{removed: []string{"u2"}}, members: []string{"u1", "u3"}, bumped: true},
		{name: "remove again: a no-op",
			do: func() (result, error) {
				r, err := st.RemoveMembers(ctx, g, []string{"u2"})
				return result{removed: r}, err
			},
			members: []string{"u1", "u3"}},
		{name: "replace",
			do: func() (result, error) {
				a, r, err := st.ReplaceMembers(ctx, g, []string{"u5", "u3", "u4", "u5"})
				return result{a, r}, err
			},
			want: result{added: []string{"u5", "u4"}, removed: []string{"u1"}}, members: []string{"u3", "u4", "u5"}, bumped: true},
		{name: "replace with the same: a no-op",
			do: func() (result, error) {
				a, r, err := st.ReplaceMembers(ctx, g, []string{"u4", "u5", "u3"})
				return result{a, r}, err
			},
			members: []string{"u3", "u4", "u5"}},
		{name: "replace with another organisation's user: nothing written",
			do: func() (result, error) {
				a, r, err := st.ReplaceMembers(ctx, g, []string{"u1", "foreign"})
				return result{a, r}, err
			},
			err:     tilgang.ErrUnknownMember,
			members: []string{"u3", "u4", "u5"}},
		{name: "replace with none",
			do:   func() (result, error) { a, r, err := st.ReplaceMembers(ctx, g, nil); return result{a, r}, err },
			want: result{removed: []string{"u3", "u4", "u5"}}, bumped: true},
	}
	for _, s := range steps {
		before := g.Version
		got, err := s.do()
		if !errors.Is(err, s.err) {
			t.Fatalf("%s: err = %v, want %v", s.name, err, s.err)
		}
		if !slices.Equal(got.added, s.want.added) || !slices.Equal(got.removed, s.want.removed) {
			t.Errorf("%s: added %q, removed %q; want %q, %q", s.name, got.added, got.removed, s.want.added, s.want.removed)
		}
		if m := members(t, st, g, 2); !slices.Equal(m, s.members) {
			t.Errorf("%s: members %q, want %q", s.name, m, s.members)
		}
		stored, err := st.Group(ctx, "o1", "g1")
		if err != nil {
			t.Fatal(err)
		}
		if want := before + map[bool]int64{true: 1}[s.bumped]; stored.Version != want || g.Version != want {
			t.Errorf("%s: version stored %d, in hand %d; want %d", s.name, stored.Version, g.Version, want)
		}
		if s.bumped && !stored.UpdatedAt.After(stored.CreatedAt) {
			t.Errorf("%s: updatedAt %v not moved", s.name, stored.UpdatedAt)
		}
	}
	// The refusal names the ids that are no users.
	_, err := st.AddMembers(ctx, g, []string{"u1", "foreign", "ghost"})
	var e *tilgang.Error
	if !errors.As(err, &e) || e.Field != "members" || !strings.Contains(e.Message, `"foreign"`) || !strings.Contains(e.Message, `"ghost"`) {
		t.Errorf("unknown members: %v", err)
	}
}

func TestHasMembersAndGroupsOfUser(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	createUsers(t, st, "o1", "u1", "u2", "u3")
	b := createGroup(t, st, newGroup("o1", "gb", "beta"), "u1", "u2")
	a := createGroup(t, st, newGroup("o1", "gz", "Alpha"), "u1")
	createGroup(t, st, newGroup("o1", "ga", "Gamma"), "u1", "u3")
	if got, err := st.HasMembers(ctx, b, []string{"u3", "u2", "nobody", "u1", "u2", ""}); err != nil || !slices.Equal(got, []string{"u2", "u1"}) {
		t.Errorf("HasMembers = %q, %v", got, err)
	}
	tests := []struct {
		user string
		want []tilgang.GroupRef
	}{
		{"u1", []tilgang.GroupRef{{ID: "gz", DisplayName: "Alpha"}, {ID: "gb", DisplayName: "beta"}, {ID: "ga", DisplayName: "Gamma"}}},
		{"u2", []tilgang.GroupRef{{ID: "gb", DisplayName: "beta"}}},
		{"u3", []tilgang.GroupRef{{ID: "ga", DisplayName: "Gamma"}}},
		{"nobody", nil},
	}
	for _, tt := range tests {
		got := eventually(t, func() ([]tilgang.GroupRef, error) { return st.GroupsOfUser(ctx, "o1", tt.user) },
			func(got []tilgang.GroupRef) bool { return slices.Equal(got, tt.want) })
		if !slices.Equal(got, tt.want) {
			t.Errorf("GroupsOfUser(%s) = %v, want %v", tt.user, got, tt.want)
		}
	}
	// A rename shows at once: the names are read from the groups.
	renamed := *a
	renamed.DisplayName = "Zeta"
	if err := st.ReplaceGroup(ctx, a, &renamed); err != nil {
		t.Fatal(err)
	}
	if got, err := st.GroupsOfUser(ctx, "o1", "u1"); err != nil || len(got) != 3 || got[2] != (tilgang.GroupRef{ID: "gz", DisplayName: "Zeta"}) {
		t.Errorf("after rename: %v, %v", got, err)
	}
	if got, err := st.GroupsOfUser(ctx, "o2", "u1"); err != nil || len(got) != 0 {
		t.Errorf("another organisation's view of u1: %v, %v", got, err)
	}
}

// eventually calls read until ok accepts its result, for reads of GSI2,
// which DynamoDB (and DynamoDB Local) update a moment after the table.
func eventually[T any](t *testing.T, read func() (T, error), ok func(T) bool) T {
	t.Helper()
	var got T
	for range 50 {
		var err error
		if got, err = read(); err != nil {
			t.Fatal(err)
		}
		if ok(got) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return got
}

func TestDeleteUserLeavesItsGroups(t *testing.T) {
	t.Parallel()
	db, table := testenv.Table(t)
	st := store.New(db, table)
	createUsers(t, st, "o1", "u1", "u2")
	g1 := createGroup(t, st, newGroup("o1", "g1", "One"), "u1", "u2")
	g2 := createGroup(t, st, newGroup("o1", "g2", "Two"), "u1")
	eventually(t, func() ([]tilgang.GroupRef, error) { return st.GroupsOfUser(ctx, "o1", "u1") },
		func(got []tilgang.GroupRef) bool { return len(got) == 2 })
	u, err := st.User(ctx, "o1", "u1")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteUser(ctx, u, change("user.deleted")); err != nil {
		t.Fatal(err)
	}
	for _, g := range []*tilgang.Group{g1, g2} {
		if hasItem(t, db, table, "ORG#o1#GROUP#"+g.ID, "MEMBER#u1") {
			t.Errorf("%s: membership of the deleted user left", g.ID)
		}
		stored, err := st.Group(ctx, "o1", g.ID)
		if err != nil || stored.Version != 2 {
			t.Errorf("%s after its member's deletion: %+v, %v; want version 2", g.ID, stored, err)
		}
	}
	if got := members(t, st, g1, 0); !slices.Equal(got, []string{"u2"}) {
		t.Errorf("g1's members: %q", got)
	}
	if err := st.LeaveGroups(ctx, "o1", "u1"); err != nil {
		t.Errorf("LeaveGroups again: %v", err)
	}
}

// TestReadersSkipMembershipsOfDeletedUsers plants what a DeleteUser that
// failed after its transaction leaves: a membership of a user that is gone.
func TestReadersSkipMembershipsOfDeletedUsers(t *testing.T) {
	t.Parallel()
	db, table := testenv.Table(t)
	st := store.New(db, table)
	createUsers(t, st, "o1", "u1")
	g := createGroup(t, st, newGroup("o1", "g1", "One"), "u1")
	putItem(t, db, table, map[string]types.AttributeValue{
		"PK": s("ORG#o1#GROUP#g1"), "SK": s("MEMBER#gone"), "GSI2PK": s("ORG#o1#USERGROUPS#gone"), "GSI2SK": s("g1"),
		"type": s("member"), "groupId": s("g1"), "userId": s("gone"),
	})
	if got := members(t, st, g, 1); !slices.Equal(got, []string{"u1"}) {
		t.Errorf("Members = %q, want only u1", got)
	}
	if got, err := st.HasMembers(ctx, g, []string{"gone", "u1"}); err != nil || !slices.Equal(got, []string{"u1"}) {
		t.Errorf("HasMembers = %q, %v", got, err)
	}
	// The identity provider, which may still list it, can remove it; so
	// can a full replace, and finishing the deletion.
	if removed, err := st.RemoveMembers(ctx, g, []string{"gone"}); err != nil || !slices.Equal(removed, []string{"gone"}) {
		t.Errorf("RemoveMembers = %q, %v", removed, err)
	}
	if hasItem(t, db, table, "ORG#o1#GROUP#g1", "MEMBER#gone") {
		t.Error("membership still there")
	}
}

func TestDeleteGroupRemovesItsMemberships(t *testing.T) {
	t.Parallel()
	db, table := testenv.Table(t)
	st := store.New(db, table)
	ids := make([]string, 60)
	for i := range ids {
		ids[i] = fmt.Sprintf("u%02d", i)
	}
	createUsers(t, st, "o1", ids...)
	g := newGroup("o1", "g1", "Doomed")
	g.ExternalID = "x1"
	createGroup(t, st, g, ids...)
	keep := createGroup(t, st, newGroup("o1", "g2", "Kept"), "u00")
	stale := *g
	if _, err := st.AddMembers(ctx, g, []string{"u00"}); err != nil { // a no-op: no version change
		t.Fatal(err)
	}
	if _, err := st.RemoveMembers(ctx, g, []string{"u59"}); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteGroup(ctx, &stale); !errors.Is(err, tilgang.ErrStale) {
		t.Fatalf("delete at an old version: %v", err)
	}
	if err := st.DeleteGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Group(ctx, "o1", "g1"); !errors.Is(err, tilgang.ErrGroupNotFound) {
		t.Fatalf("deleted group: %v", err)
	}
	if items := dump(t, db, table); strings.Contains(items, "ORG#o1#GROUP#g1") {
		t.Errorf("items of the deleted group left: %s", items)
	}
	got := eventually(t, func() ([]tilgang.GroupRef, error) { return st.GroupsOfUser(ctx, "o1", "u00") },
		func(got []tilgang.GroupRef) bool { return len(got) == 1 })
	if len(got) != 1 || got[0].ID != keep.ID {
		t.Errorf("u00's groups after the delete: %v", got)
	}
	// Its name and externalId are free again.
	again := newGroup("o1", "g3", "doomed")
	again.ExternalID = "x1"
	createGroup(t, st, again)
	if m := members(t, st, again, 0); len(m) != 0 {
		t.Errorf("new group of the old name has members %q", m)
	}
}

func TestGroupTenantIsolation(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	createUsers(t, st, "oA", "a1", "a2")
	createUsers(t, st, "oB", "b1")
	ga := createGroup(t, st, newGroup("oA", "ga", "Shared Name"), "a1")
	gb := createGroup(t, st, newGroup("oB", "gb", "Shared Name"))
	// What organisation B can name of A's group: its id, under B.
	asB := &tilgang.Group{ID: ga.ID, OrgID: "oB", DisplayName: ga.DisplayName, Version: ga.Version}
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"read A's group", func() error { _, err := st.Group(ctx, "oB", "ga"); return err }, tilgang.ErrGroupNotFound},
		{"add to A's group", func() error { _, err := st.AddMembers(ctx, asB, []string{"b1"}); return err }, tilgang.ErrGroupNotFound},
		{"remove from A's group", func() error { _, err := st.RemoveMembers(ctx, asB, []string{"a1"}); return err }, tilgang.ErrGroupNotFound},
		{"replace A's group's members", func() error { _, _, err := st.ReplaceMembers(ctx, asB, []string{"b1"}); return err }, tilgang.ErrGroupNotFound},
		{"add A's user to B's group", func() error { _, err := st.AddMembers(ctx, gb, []string{"a2"}); return err }, tilgang.ErrUnknownMember},
		{"create a group with A's user", func() error { return st.CreateGroup(ctx, newGroup("oB", "gb2", "x"), []string{"a1"}) }, tilgang.ErrUnknownMember},
		{"delete A's group", func() error { return st.DeleteGroup(ctx, asB) }, tilgang.ErrStale},
	}
	for _, tt := range tests {
		if err := tt.do(); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if m := members(t, st, asB, 0); len(m) != 0 {
		t.Errorf("B lists A's group's members: %q", m)
	}
	if got, err := st.HasMembers(ctx, asB, []string{"a1"}); err != nil || len(got) != 0 {
		t.Errorf("B asks A's group's members: %q, %v", got, err)
	}
	if m := members(t, st, ga, 0); !slices.Equal(m, []string{"a1"}) {
		t.Errorf("A's group's members: %q", m)
	}
	page, err := st.Groups(ctx, "oB", 0, "")
	if err != nil || len(page.Groups) != 1 || page.Groups[0].ID != "gb" {
		t.Errorf("B's groups: %+v, %v", page, err)
	}
}

func TestGroupsPagesAndCount(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	var want []string
	for i := range 25 {
		name := fmt.Sprintf("Group %02d", i)
		if i%2 == 0 {
			name = strings.ToUpper(name)
		}
		createGroup(t, st, newGroup("o1", fmt.Sprint("g", i), name))
		want = append(want, fmt.Sprint("g", i))
	}
	createGroup(t, st, newGroup("o2", "other", "Group 00x"))
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		page, err := st.Groups(ctx, "o1", 10, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Groups) > 10 {
			t.Fatalf("page of %d", len(page.Groups))
		}
		for _, g := range page.Groups {
			got = append(got, g.ID)
		}
		if cursor = page.NextCursor; cursor == "" || pages > 5 {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("groups in pages: %q, want %q (displayName order, case folded)", got, want)
	}
	if n, err := st.CountGroups(ctx, "o1"); err != nil || n != 25 {
		t.Errorf("CountGroups = %d, %v", n, err)
	}
	g := newGroup("o1", "g0", "x")
	for _, bad := range []string{"!!", "e30", "bm90IGpzb24"} {
		if _, err := st.Groups(ctx, "o1", 10, bad); !errors.Is(err, tilgang.ErrBadCursor) {
			t.Errorf("Groups cursor %q: %v", bad, err)
		}
		if _, err := st.Members(ctx, g, 10, bad+"!"); !errors.Is(err, tilgang.ErrBadCursor) {
			t.Errorf("Members cursor %q: %v", bad, err)
		}
	}
}

// TestLargeGroupCostsWhatTheChangeNames builds a group of 10,000 members
// and checks, by counting the client's calls and the capacity DynamoDB
// reports, that reading the group and changing one member read nothing of
// the others.
func TestLargeGroupCostsWhatTheChangeNames(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a group of 10,000 members")
	}
	t.Parallel()
	db, table := testenv.Table(t)
	n := testenv.LargeGroup()
	ids := seedUsers(t, db, table, "o1", n+1)
	st := store.New(db, table)
	g := createGroup(t, st, newGroup("o1", "g1", "Everyone"))
	for i := 0; i < n; i += n / 4 {
		if added, err := st.AddMembers(ctx, g, ids[i:i+n/4]); err != nil || len(added) != n/4 {
			t.Fatalf("add: %d added, %v", len(added), err)
		}
	}
	cst, calls := countingClient(t, table)
	measure := func(name string, do func() error) map[string]float64 {
		t.Helper()
		calls.reset()
		if err := do(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return calls.snapshot()
	}
	// Read units: an item of at most 4 KB costs 1 consistently; a
	// membership read among thousands would cost far more.
	tests := []struct {
		name     string
		do       func() error
		calls    map[string]float64
		maxUnits float64 // read and write capacity together
	}{
		{"read the group", func() error { _, err := cst.Group(ctx, "o1", "g1"); return err },
			map[string]float64{"GetItem": 1}, 1},
		{"add one member", func() error { _, err := cst.AddMembers(ctx, g, ids[n:]); return err },
			map[string]float64{"BatchGetItem": 1, "Query": 1, "BatchWriteItem": 1, "UpdateItem": 1}, 7},
		{"add a member again", func() error { _, err := cst.AddMembers(ctx, g, ids[:1]); return err },
			map[string]float64{"BatchGetItem": 1, "Query": 1}, 3},
		// Two ids far apart: their range holds thousands of members, so the
		// Query stops at two and the memberships are read by key.
		{"ask for two members", func() error { _, err := cst.HasMembers(ctx, g, []string{ids[5], ids[n]}); return err },
			map[string]float64{"Query": 1, "BatchGetItem": 2}, 5},
		{"remove one member", func() error { _, err := cst.RemoveMembers(ctx, g, ids[n:]); return err },
			map[string]float64{"GetItem": 1, "Query": 1, "BatchWriteItem": 1, "UpdateItem": 1}, 7},
		{"remove 100 members", func() error { _, err := cst.RemoveMembers(ctx, g, ids[1000:1100]); return err },
			map[string]float64{"GetItem": 1, "Query": 1, "BatchWriteItem": 4, "UpdateItem": 1}, 220},
		{"add them again", func() error { _, err := cst.AddMembers(ctx, g, ids[1000:1100]); return err },
			map[string]float64{"BatchGetItem": 2, "Query": 1, "BatchWriteItem": 4, "UpdateItem": 1}, 320},
		{"a page of 100 members", func() error { _, err := cst.Members(ctx, g, 100, ""); return err },
			map[string]float64{"Query": 1, "BatchGetItem": 1}, 110},
	}
	for _, tt := range tests {
		got := measure(tt.name, tt.do)
		units := got["units"]
		t.Logf("%s: %v", tt.name, got)
		delete(got, "units")
		if !mapsEqual(got, tt.calls) {
			t.Errorf("%s: calls %v, want %v", tt.name, got, tt.calls)
		}
		if units == 0 {
			t.Errorf("%s: no consumed capacity reported; the check proves nothing", tt.name)
		}
		if units > tt.maxUnits {
			t.Errorf("%s: %.1f capacity units, want at most %.1f", tt.name, units, tt.maxUnits)
		}
	}
	if all := members(t, st, g, 1000); len(all) != n {
		t.Fatalf("%d members, want %d", len(all), n)
	}
	// A full replace may read every member: keep half.
	added, removed, err := st.ReplaceMembers(ctx, g, ids[:n/2])
	if err != nil || len(added) != 0 || len(removed) != n/2 {
		t.Fatalf("replace: %d added, %d removed, %v", len(added), len(removed), err)
	}
	if err := st.DeleteGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	if m := members(t, st, g, 1000); len(m) != 0 {
		t.Fatalf("%d members left after the delete", len(m))
	}
}

func mapsEqual(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// callCounter counts a client's calls by operation and adds up the
// capacity DynamoDB reports as consumed ("units").
type callCounter struct {
	mu sync.Mutex
	n  map[string]float64
}

func (c *callCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n = map[string]float64{}
}

func (c *callCounter) snapshot() map[string]float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]float64, len(c.n))
	for k, v := range c.n {
		out[k] = v
	}
	return out
}

// countingClient is a store on table whose client asks DynamoDB for the
// consumed capacity of every call and counts both.
func countingClient(t *testing.T, table string) (*store.Store, *callCounter) {
	c := &callCounter{n: map[string]float64{}}
	total := types.ReturnConsumedCapacityTotal
	count := middleware.InitializeMiddlewareFunc("countCalls", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		switch p := in.Parameters.(type) {
		case *dynamodb.GetItemInput:
			p.ReturnConsumedCapacity = total
		case *dynamodb.BatchGetItemInput:
			p.ReturnConsumedCapacity = total
		case *dynamodb.BatchWriteItemInput:
			p.ReturnConsumedCapacity = total
		case *dynamodb.UpdateItemInput:
			p.ReturnConsumedCapacity = total
		case *dynamodb.QueryInput:
			p.ReturnConsumedCapacity = total
		}
		out, md, err := next.HandleInitialize(ctx, in)
		var used []types.ConsumedCapacity
		switch r := out.Result.(type) {
		case *dynamodb.GetItemOutput:
			used = append(used, deref(r.ConsumedCapacity)...)
		case *dynamodb.BatchGetItemOutput:
			used = r.ConsumedCapacity
		case *dynamodb.BatchWriteItemOutput:
			used = r.ConsumedCapacity
		case *dynamodb.UpdateItemOutput:
			used = append(used, deref(r.ConsumedCapacity)...)
		case *dynamodb.QueryOutput:
			used = append(used, deref(r.ConsumedCapacity)...)
		}
		c.mu.Lock()
		c.n[awsmiddleware.GetOperationName(ctx)]++
		for _, u := range used {
			if u.CapacityUnits != nil {
				c.n["units"] += *u.CapacityUnits
			}
		}
		c.mu.Unlock()
		return out, md, err
	})
	db := dynamodb.NewFromConfig(testenv.AWS(t), func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error { return s.Initialize.Add(count, middleware.After) })
	})
	return store.New(db, table), c
}

func deref(c *types.ConsumedCapacity) []types.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []types.ConsumedCapacity{*c}
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func putItem(t *testing.T, db *dynamodb.Client, table string, item map[string]types.AttributeValue) {
	t.Helper()
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
}

func hasItem(t *testing.T, db *dynamodb.Client, table, pk, sk string) bool {
	t.Helper()
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item != nil
}

func seedUsers(tb testing.TB, db *dynamodb.Client, table, org string, n int) []string {
	tb.Helper()
	ids := testenv.SeedUsers(tb, db, table, org, n)
	if _, err := store.New(db, table).User(ctx, org, ids[n-1]); err != nil {
		tb.Fatalf("seeded user: %v", err)
	}
	return ids
}
