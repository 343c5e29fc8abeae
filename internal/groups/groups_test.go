package groups_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/groups"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var ctx = context.Background()

var client = tilgang.Actor{Name: "SCIM client Entra", Source: "scim"}

// Roles the tests map groups to.
var (
	reader    = tilgang.Role{Role: "reader"}
	userAdmin = tilgang.Role{Role: tilgang.RoleUserAdmin}
)

// fixture is the groups service on a fresh table with two organisations:
// org maps group "Readers" (by name) and "Admins" (by name) to roles,
// other maps nothing.
type fixture struct {
	st    *store.Store
	users *users.Service
	svc   *groups.Service
	logs  *testenv.Logs
	org   *tilgang.Organisation
	other *tilgang.Organisation
}

func newFixture(t *testing.T, maxAdmins int) *fixture {
	t.Helper()
	f := &fixture{st: testenv.Store(t), logs: &testenv.Logs{}}
	vault, err := cpr.NewVault(testenv.CPRKey)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := secret.NewCodes(testenv.CPRKey)
	if err != nil {
		t.Fatal(err)
	}
	f.users = users.New(f.st, vault, codes, testenv.Links(t))
	f.svc = groups.New(f.st, f.users, groups.WithLogger(f.logs.Logger()))
	f.org = &tilgang.Organisation{Name: "Firma A/S", CVR: "11111111", IAL: 3, Language: "da", MaxAdmins: maxAdmins,
		GroupRoles: []tilgang.GroupRole{
			{Group: "readers", Role: reader.Role},
			{Group: "Other readers", Role: reader.Role},
			{Group: "Admins", Role: userAdmin.Role},
			{Group: "Admins", Role: reader.Role},
		}}
	f.other = &tilgang.Organisation{Name: "Firma B ApS", CVR: "22222222", IAL: 3, Language: "en"}
	for _, o := range []*tilgang.Organisation{f.org, f.other} {
		if _, err := tenants.New(f.st).Provision(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// user creates a user of org as an identity provider would.
func (f *fixture) user(t *testing.T, org *tilgang.Organisation, userName string) string {
	t.Helper()
	created, err := f.users.Create(ctx, client, org, users.NewRequest{User: &tilgang.User{UserName: userName}, Profile: users.SCIMProfile})
	if err != nil {
		t.Fatal(err)
	}
	return created.User.ID
}

// group creates a group of org with members.
func (f *fixture) group(t *testing.T, org *tilgang.Organisation, name string, members ...string) *tilgang.Group {
	t.Helper()
	g := &tilgang.Group{DisplayName: name}
	if err := f.svc.Create(ctx, client, org, g, members); err != nil {
		t.Fatal(err)
	}
	return g
}

// update changes g's members as m says and returns g as stored.
func (f *fixture) update(t *testing.T, g *tilgang.Group, m tilgang.MemberChange) *tilgang.Group {
	t.Helper()
	next := *g
	if err := f.svc.Update(ctx, client, f.org, g, &next, m); err != nil {
		t.Fatal(err)
	}
	return &next
}

func (f *fixture) roles(t *testing.T, id string) []tilgang.Role {
	t.Helper()
	u, err := f.users.Get(ctx, f.org, id)
	if err != nil {
		t.Fatal(err)
	}
	return u.Roles
}

// history lists the actions of id's history, oldest first, with the fields
// of each ("user.created", "role.granted roles").
func (f *fixture) history(t *testing.T, id string) []string {
	t.Helper()
	page, err := f.users.History(ctx, f.org, id, users.HistoryQuery{Sort: "time"})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range page.Entries {
		if e.Actor != client.Name || e.Source != client.Source {
			t.Errorf("entry %s by %q/%q", e.Action, e.Actor, e.Source)
		}
		out = append(out, strings.TrimSpace(e.Action+" "+strings.Join(e.Fields, ",")))
	}
	return out
}

func wantRoles(t *testing.T, f *fixture, id string, want ...tilgang.Role) {
	t.Helper()
	if got := f.roles(t, id); !equalSets(got, want) {
		t.Errorf("user %s has roles %v, want %v", id, got, want)
	}
}

func equalSets(a, b []tilgang.Role) bool {
	if len(a) != len(b) {
		return false
	}
	for _, r := range a {
		if !slices.Contains(b, r) {
			return false
		}
	}
	return true
}

func wantHistory(t *testing.T, f *fixture, id string, want ...string) {
	t.Helper()
	if got := f.history(t, id); !slices.Equal(got, want) {
		t.Errorf("history of %s: %q, want %q", id, got, want)
	}
}

func TestMembershipGrantsAndRevokes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	anna, bo := f.user(t, f.org, "anna"), f.user(t, f.org, "bo")

	g := f.group(t, f.org, "Readers", anna, bo)
	for _, id := range []string{anna, bo} {
		wantRoles(t, f, id, reader)
		wantHistory(t, f, id, "user.created", "role.granted roles")
	}

	// Removing bo takes the role; anna keeps it.
	g = f.update(t, g, tilgang.MemberChange{Remove: []string{bo}})
	wantRoles(t, f, bo)
	wantHistory(t, f, bo, "user.created", "role.granted roles", "role.revoked roles")
	wantRoles(t, f, anna, reader)

	// Adding bo again gives it back; adding a member again changes nothing.
	g = f.update(t, g, tilgang.MemberChange{Add: []string{bo, anna}})
	wantRoles(t, f, bo, reader)
	wantHistory(t, f, anna, "user.created", "role.granted roles")

	// A replace of all members: anna leaves, bo stays.
	f.update(t, g, tilgang.MemberChange{Replace: true, Members: []string{bo}})
	wantRoles(t, f, anna)
	wantRoles(t, f, bo, reader)

	// A group without a mapping gives nothing.
	carl := f.user(t, f.org, "carl")
	f.group(t, f.org, "Unmapped", carl)
	wantRoles(t, f, carl)
	wantHistory(t, f, carl, "user.created")
}

func TestUpdateReturnsStoredVersion(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	anna := f.user(t, f.org, "anna")
	g := f.group(t, f.org, "Readers")

	next := &tilgang.Group{DisplayName: "  Readers 2 ", ExternalID: "ext-1"}
	if err := f.svc.Update(ctx, client, f.org, g, next, tilgang.MemberChange{Add: []string{anna}}); err != nil {
		t.Fatal(err)
	}
	stored, err := f.svc.Get(ctx, f.org, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if *next != *stored || next.Version != g.Version+2 || next.DisplayName != "Readers 2" {
		t.Fatalf("after update %+v, stored %+v (was version %d)", next, stored, g.Version)
	}

	// No change: no write, g is the stored group.
	same := *stored
	if err := f.svc.Update(ctx, client, f.org, stored, &same, tilgang.MemberChange{Add: []string{anna}}); err != nil || same != *stored {
		t.Fatalf("no-op update: %+v, %v; stored %+v", same, err, stored)
	}

	// A rename made on a version that member changes moved meanwhile.
	if _, err := f.st.AddMembers(ctx, stored, []string{f.user(t, f.org, "bo")}); err != nil {
		t.Fatal(err)
	}
	renamed := *g // the version before both member changes
	renamed.DisplayName = "Readers 3"
	renamed.ExternalID = "ext-1"
	old := *next
	if err := f.svc.Update(ctx, client, f.org, &old, &renamed, tilgang.MemberChange{}); err != nil {
		t.Fatal(err)
	}
	if renamed.DisplayName != "Readers 3" || renamed.Version != stored.Version+1 {
		t.Fatalf("renamed: %+v", renamed)
	}

	// A rename after someone else's rename is stale.
	late := old
	late.DisplayName = "Readers 4"
	if err := f.svc.Update(ctx, client, f.org, &old, &late, tilgang.MemberChange{}); !errors.Is(err, tilgang.ErrStale) {
		t.Fatalf("rename of a renamed group: %v", err)
	}
}

func TestAnotherGroupKeepsTheRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	anna := f.user(t, f.org, "anna")
	readers := f.group(t, f.org, "Readers", anna)
	other := f.group(t, f.org, "Other readers", anna)
	wantHistory(t, f, anna, "user.created", "role.granted roles") // the second grant changed nothing

	f.update(t, readers, tilgang.MemberChange{Remove: []string{anna}})
	wantRoles(t, f, anna, reader)

	// Leaving the last group that gives it takes it (here by deleting it).
	if err := f.svc.Delete(ctx, client, f.org, other); err != nil {
		t.Fatal(err)
	}
	wantRoles(t, f, anna)
	wantHistory(t, f, anna, "user.created", "role.granted roles", "role.revoked roles")
}

func TestLicenceRefusesAdminRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1)
	anna, bo := f.user(t, f.org, "anna"), f.user(t, f.org, "bo")
	g := f.group(t, f.org, "Admins")

	next := *g
	if err := f.svc.Update(ctx, client, f.org, g, &next, tilgang.MemberChange{Add: []string{anna, bo}}); err != nil {
		t.Fatalf("the SCIM request must not fail: %v", err)
	}
	members, err := f.svc.HasMembers(ctx, f.org, &next, []string{anna, bo})
	if err != nil || len(members) != 2 {
		t.Fatalf("members %q, %v", members, err)
	}
	// Members are updated in parallel: either may be the one refused.
	admin, refused := anna, bo
	if !slices.Contains(f.roles(t, anna), userAdmin) {
		admin, refused = bo, anna
	}
	wantRoles(t, f, admin, userAdmin, reader)
	wantHistory(t, f, admin, "user.created", "role.granted roles")
	// The role that is no admin role is given alone.
	wantRoles(t, f, refused, reader)
	wantHistory(t, f, refused, "user.created", "role.granted roles", "role.refused roles")
	// Logged for operators, without personal data.
	if logs := f.logs.String(); strings.Count(logs, "organisation.max_admins") != 1 || !strings.Contains(logs, refused) ||
		strings.Contains(logs, "anna") || strings.Contains(logs, `"bo"`) {
		t.Errorf("logs: %s", logs)
	}

	// Deleting the group takes the roles, freeing the licence.
	if err := f.svc.Delete(ctx, client, f.org, &next); err != nil {
		t.Fatal(err)
	}
	wantRoles(t, f, admin)
	wantRoles(t, f, refused)
	wantHistory(t, f, admin, "user.created", "role.granted roles", "role.revoked roles")
	if _, err := f.svc.Get(ctx, f.org, g.ID); !errors.Is(err, tilgang.ErrGroupNotFound) {
		t.Fatalf("deleted group: %v", err)
	}
	f.group(t, f.org, "admins", refused)
	wantRoles(t, f, refused, userAdmin, reader)
}

func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	anna := f.user(t, f.org, "anna")
	g := f.group(t, f.org, "Readers", anna)
	theirs := f.group(t, f.other, "Theirs")

	if _, err := f.svc.Get(ctx, f.other, g.ID); !errors.Is(err, tilgang.ErrGroupNotFound) {
		t.Errorf("Get: %v", err)
	}
	if _, err := f.svc.ByDisplayName(ctx, f.other, "Readers"); !errors.Is(err, tilgang.ErrGroupNotFound) {
		t.Errorf("ByDisplayName: %v", err)
	}
	next := *g
	next.DisplayName = "Taken over"
	if err := f.svc.Update(ctx, client, f.other, g, &next, tilgang.MemberChange{Remove: []string{anna}}); !errors.Is(err, tilgang.ErrGroupNotFound) {
		t.Errorf("Update: %v", err)
	}
	if err := f.svc.Delete(ctx, client, f.other, g); !errors.Is(err, tilgang.ErrGroupNotFound) {
		t.Errorf("Delete: %v", err)
	}
	if _, err := f.svc.Members(ctx, f.other, g, "", 0); !errors.Is(err, tilgang.ErrGroupNotFound) {
		t.Errorf("Members: %v", err)
	}
	if _, err := f.svc.HasMembers(ctx, f.other, g, []string{anna}); !errors.Is(err, tilgang.ErrGroupNotFound) {
		t.Errorf("HasMembers: %v", err)
	}
	if refs, err := f.svc.OfUser(ctx, f.other, anna); err != nil || len(refs) != 0 {
		t.Errorf("OfUser: %v, %v", refs, err)
	}
	// B cannot make A's users members of its groups.
	next = *theirs
	if err := f.svc.Update(ctx, client, f.other, theirs, &next, tilgang.MemberChange{Add: []string{anna}}); !errors.Is(err, tilgang.ErrUnknownMember) {
		t.Errorf("add A's user: %v", err)
	}
	if err := f.svc.Create(ctx, client, f.other, &tilgang.Group{DisplayName: "Grab"}, []string{anna}); !errors.Is(err, tilgang.ErrUnknownMember) {
		t.Errorf("create with A's user: %v", err)
	}
	// A's group is as it was.
	stored, err := f.svc.Get(ctx, f.org, g.ID)
	if err != nil || *stored != *g {
		t.Fatalf("A's group: %+v, %v", stored, err)
	}
	if n, err := f.svc.Count(ctx, f.other); err != nil || n != 1 {
		t.Errorf("B's count: %d, %v", n, err)
	}
	page, err := f.svc.Page(ctx, f.other, "", 0)
	if err != nil || len(page.Groups) != 1 || page.Groups[0].ID != theirs.ID {
		t.Errorf("B's page: %+v, %v", page, err)
	}
	wantRoles(t, f, anna, reader)
}

func TestValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	long := strings.Repeat("é", groups.MaxLength+1)
	type problem struct{ field, code string }
	tests := []struct {
		name       string
		display    string
		externalID string
		want       []problem
	}{
		{"missing displayName", "", "", []problem{{"displayName", "field.required"}}},
		{"blank displayName", " \t ", "", []problem{{"displayName", "field.required"}}},
		{"long displayName", long, "", []problem{{"displayName", "field.too_long"}}},
		{"control character", "Readers\x07", "", []problem{{"displayName", "text.control"}}},
		{"newline", "Read\ners", "", []problem{{"displayName", "text.control"}}},
		{"invalid UTF-8", "Read\xffers", "", []problem{{"displayName", "field.invalid"}}},
		{"line separator", "Read\u2028ers", "", []problem{{"displayName", "text.control"}}},
		{"bidi override", "\u202esredaeR", "", []problem{{"displayName", "text.control"}}},
		{"long externalId", "Readers", long, []problem{{"externalId", "field.too_long"}}},
		{"control in externalId", "Readers", "a\x00b", []problem{{"externalId", "text.control"}}},
		{"all at once", "", long, []problem{{"displayName", "field.required"}, {"externalId", "field.too_long"}}},
	}
	g := f.group(t, f.org, "Valid")
	for _, tt := range tests {
		check := func(op string, err error) {
			t.Helper()
			var got []problem
			for _, p := range tilgang.Problems(err) {
				if p.Kind != tilgang.KindInvalid {
					t.Errorf("%s, %s: kind %v", tt.name, op, p.Kind)
				}
				got = append(got, problem{p.Field, p.Code})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s, %s: %v, want %v", tt.name, op, got, tt.want)
			}
		}
		check("create", f.svc.Create(ctx, client, f.org, &tilgang.Group{DisplayName: tt.display, ExternalID: tt.externalID}, nil))
		next := &tilgang.Group{DisplayName: tt.display, ExternalID: tt.externalID}
		check("update", f.svc.Update(ctx, client, f.org, g, next, tilgang.MemberChange{}))
	}
	if n, err := f.svc.Count(ctx, f.org); err != nil || n != 1 {
		t.Fatalf("count after refused creates: %d, %v", n, err)
	}
	// At the limit is fine; a name is unique as names fold.
	if err := f.svc.Create(ctx, client, f.org, &tilgang.Group{DisplayName: long[2:], ExternalID: long[2:]}, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Create(ctx, client, f.org, &tilgang.Group{DisplayName: " VALID "}, nil); !errors.Is(err, tilgang.ErrGroupNameTaken) {
		t.Fatalf("taken name: %v", err)
	}
	if _, err := f.svc.Get(ctx, f.org, "not-a-uuid"); !errors.Is(err, tilgang.ErrGroupNotFound) {
		t.Fatalf("bad id: %v", err)
	}
	if _, err := f.svc.ByDisplayName(ctx, f.org, long); !errors.Is(err, tilgang.ErrGroupNotFound) {
		t.Fatalf("long name: %v", err)
	}
}

func TestAnonymousUserGetsNoAdminRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0)
	f.org.AllowAnonymous = true
	created, err := f.users.Create(ctx, client, f.org, users.NewRequest{User: &tilgang.User{UserName: "anon", Anonymous: true}, Profile: users.SCIMProfile})
	if err != nil {
		t.Fatal(err)
	}
	anon := created.User.ID
	f.group(t, f.org, "Admins", anon)
	wantRoles(t, f, anon, reader)
	wantHistory(t, f, anon, "user.created", "role.granted roles", "role.refused roles")
}
