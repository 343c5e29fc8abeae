package admin_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/tilgang/tilgang/internal/groups"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestGroups: administrators read the groups identity providers made,
// with the roles their members hold, and a page of members; another
// organisation sees none of them.
func TestGroups(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	A := e.a.AdminToken
	anna := e.create(dobUser("g.anna@example.dk"))
	org, err := e.store.Organisation(t.Context(), e.orgA.ID)
	if err != nil {
		t.Fatal(err)
	}
	org.GroupRoles = []tilgang.GroupRole{{Group: "HR", Role: "sagsbehandler", OrgUnit: "HR"}}
	if err := e.store.UpdateOrganisation(t.Context(), org); err != nil {
		t.Fatal(err)
	}
	g := &tilgang.Group{OrgID: org.ID, DisplayName: "HR"}
	if err := groups.New(e.store, e.users).Create(t.Context(), tilgang.Actor{Name: "SCIM client test", Source: "scim"}, org, g, []string{anna.ID}); err != nil {
		t.Fatal(err)
	}
	type groupJSON struct {
		ID, DisplayName string
		Roles           []roleJSON
	}
	r := e.do(A, "GET", "/groups", nil)
	wantStatus(t, r, http.StatusOK)
	list := decode[struct{ Items []groupJSON }](t, r)
	if len(list.Items) != 1 || list.Items[0].ID != g.ID || !slices.Equal(list.Items[0].Roles, []roleJSON{{Role: "sagsbehandler", OrgUnit: "HR"}}) {
		t.Fatalf("groups %s", r.body)
	}
	r = e.do(A, "GET", "/groups/"+g.ID, nil)
	wantStatus(t, r, http.StatusOK)
	if got := decode[groupJSON](t, r); got.DisplayName != "HR" {
		t.Fatalf("group %s", r.body)
	}
	r = e.do(A, "GET", "/groups/"+g.ID+"/members", nil)
	wantStatus(t, r, http.StatusOK)
	if got := decode[struct{ Items []string }](t, r); !slices.Equal(got.Items, []string{anna.ID}) {
		t.Fatalf("members %s", r.body)
	}
	B := e.b.AdminToken
	for _, path := range []string{"/groups/" + g.ID, "/groups/" + g.ID + "/members"} {
		wantProblem(t, e.do(B, "GET", path, nil), http.StatusNotFound, "group.not_found", "")
	}
	if got := decode[struct{ Items []groupJSON }](t, e.do(B, "GET", "/groups", nil)); len(got.Items) != 0 {
		t.Fatalf("B sees %v", got.Items)
	}
}
