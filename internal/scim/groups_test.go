package scim_test

import (
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// capturedPatch reads a group PATCH body as Entra ID or Okta sends it
// (testdata/groups), with its placeholders replaced: USER1, USER2, GROUP.
func capturedPatch(t *testing.T, name string, ids ...string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/groups/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer(ids...).Replace(string(b))
}

// memberIDs reads a group's members, sorted.
func (e *env) memberIDs(token, id string) []string {
	e.t.Helper()
	r := e.do(token, "GET", "/Groups/"+id, nil)
	want(e.t, r, http.StatusOK, "")
	var ids []string
	list, _ := r.json(e.t)["members"].([]any)
	for _, m := range list {
		ids = append(ids, m.(map[string]any)["value"].(string))
	}
	slices.Sort(ids)
	return ids
}

// TestGroupLifecycle walks a group through RFC 7644 §3.3 (create), §3.4.1
// (get, attributes), §3.4.2 (filters), §3.5.1 (PUT), §3.5.2 (PATCH in the
// shapes Entra ID and Okta send), §3.14 (ETags) and §3.6 (delete).
func TestGroupLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	u1 := e.create(tok, user("g.one@example.dk"))
	u2 := e.create(tok, user("g.two@example.dk"))
	u3 := e.create(tok, user("g.three@example.dk"))

	// §3.3: create with a member.
	r := e.do(tok, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales","externalId":"ext-sales","members":[{"value":"`+u1+`"}]}`)
	want(t, r, http.StatusCreated, "")
	g := r.json(t)
	id := g["id"].(string)
	if r.Header.Get("Location") != e.srv.URL+"/scim/v2/Groups/"+id || g["meta"].(map[string]any)["resourceType"] != "Group" {
		t.Fatalf("created: %s; Location %q", r.body, r.Header.Get("Location"))
	}
	// §3.3, §3.12: displayName is unique in the organisation.
	want(t, e.do(tok, "POST", "/Groups", `{"displayName":"SALES"}`), http.StatusConflict, "uniqueness")
	want(t, e.do(tok, "POST", "/Groups", `{"displayName":"Other","externalId":"ext-sales"}`), http.StatusConflict, "uniqueness")
	// RFC 7643 §4.2: displayName is required; members are users of the organisation.
	want(t, e.do(tok, "POST", "/Groups", `{"externalId":"x"}`), http.StatusBadRequest, "invalidValue")
	want(t, e.do(tok, "POST", "/Groups", `{"displayName":"Ghosts","members":[{"value":"no-such-user"}]}`), http.StatusBadRequest, "invalidValue")

	// §3.4.1: members are returned by default, and left out on request.
	if got := e.memberIDs(tok, id); !slices.Equal(got, []string{u1}) {
		t.Fatalf("members %v", got)
	}
	r = e.do(tok, "GET", "/Groups/"+id+"?excludedAttributes=members", nil)
	want(t, r, http.StatusOK, "")
	if m := r.json(t); m["members"] != nil || m["displayName"] != "Sales" {
		t.Fatalf("excluded members: %s", r.body)
	}

	// §3.4.2: displayName eq and externalId eq are key look-ups; a
	// random value is 200 with no results, as Entra ID's test expects.
	for filter, n := range map[string]float64{`displayName eq "sales"`: 1, `externalId eq "ext-sales"`: 1, `displayName eq "4f1c2e"`: 0, `displayName sw "Sa"`: 1, `displayName eq "members"`: 0} {
		r = e.do(tok, "GET", "/Groups?excludedAttributes=members&filter="+url.QueryEscape(filter), nil)
		want(t, r, http.StatusOK, "")
		if got := r.json(t)["totalResults"]; got != n {
			t.Errorf("%s: totalResults %v, want %v", filter, got, n)
		}
	}

	// A filter on members would read every member of every group.
	want(t, e.do(tok, "GET", "/Groups?filter="+url.QueryEscape(`members[value eq "`+u1+`"]`), nil), http.StatusBadRequest, "invalidFilter")

	// §3.5.2: Entra ID adds members; the answer is 204 and reads no members.
	r = e.do(tok, "PATCH", "/Groups/"+id, capturedPatch(t, "entra_add_members.json", "USER1", u2, "USER2", u3))
	want(t, r, http.StatusNoContent, "")
	if got, all := e.memberIDs(tok, id), sortedIDs(u1, u2, u3); !slices.Equal(got, all) {
		t.Fatalf("after Entra add: %v", got)
	}
	// Okta removes one with a value filter, Entra ID with a value list.
	want(t, e.do(tok, "PATCH", "/Groups/"+id, capturedPatch(t, "okta_remove_member.json", "USER1", u1)), http.StatusNoContent, "")
	want(t, e.do(tok, "PATCH", "/Groups/"+id, capturedPatch(t, "entra_remove_members.json", "USER1", u2)), http.StatusNoContent, "")
	if got := e.memberIDs(tok, id); !slices.Equal(got, []string{u3}) {
		t.Fatalf("after removes: %v", got)
	}
	// Okta renames with a path-less replace that repeats the id.
	want(t, e.do(tok, "PATCH", "/Groups/"+id, capturedPatch(t, "okta_rename.json", "GROUP", id)), http.StatusNoContent, "")
	// Okta adds, and a replace of all members answers with the group when asked.
	want(t, e.do(tok, "PATCH", "/Groups/"+id, capturedPatch(t, "okta_add_members.json", "USER1", u1)), http.StatusNoContent, "")
	r = e.do(tok, "PATCH", "/Groups/"+id+"?attributes=displayName,members", capturedPatch(t, "entra_replace_members.json", "USER2", u2))
	want(t, r, http.StatusOK, "")
	if m := r.json(t); m["displayName"] != "Sales DK" || len(m["members"].([]any)) != 1 || m["meta"] != nil {
		t.Fatalf("after replace: %s", r.body)
	}

	// RFC 7643 §4.1.2: a user's groups, read-only, on request.
	r = e.do(tok, "GET", "/Users/"+u2+"?attributes=groups", nil)
	want(t, r, http.StatusOK, "")
	if gs, _ := r.json(t)["groups"].([]any); len(gs) != 1 || gs[0].(map[string]any)["value"] != id || gs[0].(map[string]any)["display"] != "Sales DK" {
		t.Fatalf("user's groups: %s", r.body)
	}
	want(t, e.do(tok, "PATCH", "/Users/"+u2, `{"Operations":[{"op":"add","path":"groups","value":[{"value":"`+id+`"}]}]}`), http.StatusBadRequest, "mutability")

	// §3.5.1: PUT replaces everything, members included.
	r = e.do(tok, "PUT", "/Groups/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales","members":[{"value":"`+u1+`"},{"value":"`+u3+`"}]}`)
	want(t, r, http.StatusOK, "")
	if m := r.json(t); m["externalId"] != nil || len(m["members"].([]any)) != 2 {
		t.Fatalf("after PUT: %s", r.body)
	}

	// §3.14: a stale If-Match is 412; the current one passes; If-None-Match 304.
	tag := e.do(tok, "GET", "/Groups/"+id, nil).Header.Get("ETag")
	want(t, e.do(tok, "PATCH", "/Groups/"+id, `{"Operations":[{"op":"replace","path":"displayName","value":"X"}]}`, "If-Match", `W/"1"`), http.StatusPreconditionFailed, "")
	if r := e.do(tok, "GET", "/Groups/"+id, nil, "If-None-Match", tag); r.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", r.StatusCode)
	}

	// §3.6: delete; the user is in no group afterwards.
	want(t, e.do(tok, "DELETE", "/Groups/"+id, nil), http.StatusNoContent, "")
	want(t, e.do(tok, "GET", "/Groups/"+id, nil), http.StatusNotFound, "")
	if gs := e.do(tok, "GET", "/Users/"+u1+"?attributes=groups", nil).json(t)["groups"]; gs != nil && len(gs.([]any)) != 0 {
		t.Fatalf("groups after delete: %v", gs)
	}
}

func sortedIDs(ids ...string) []string {
	slices.Sort(ids)
	return ids
}

// TestGroupTenantIsolation: organisation B sees none of A's groups or
// members, and cannot make A's users members of its groups (SPEC §3).
func TestGroupTenantIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.a.SCIMToken, e.b.SCIMToken
	ua := e.create(a, user("iso.a@example.dk"))
	r := e.do(a, "POST", "/Groups", `{"displayName":"Secret","members":[{"value":"`+ua+`"}]}`)
	want(t, r, http.StatusCreated, "")
	id := r.json(t)["id"].(string)
	want(t, e.do(b, "GET", "/Groups/"+id, nil), http.StatusNotFound, "")
	want(t, e.do(b, "PATCH", "/Groups/"+id, `{"Operations":[{"op":"remove","path":"members"}]}`), http.StatusNotFound, "")
	want(t, e.do(b, "DELETE", "/Groups/"+id, nil), http.StatusNotFound, "")
	for _, filter := range []string{`displayName eq "Secret"`, `displayName pr`} {
		r = e.do(b, "GET", "/Groups?filter="+url.QueryEscape(filter), nil)
		want(t, r, http.StatusOK, "")
		if r.json(t)["totalResults"] != 0.0 {
			t.Fatalf("B sees %s", r.body)
		}
	}
	// B's own group cannot hold A's user; B may use the same name.
	r = e.do(b, "POST", "/Groups", `{"displayName":"Secret"}`)
	want(t, r, http.StatusCreated, "")
	bid := r.json(t)["id"].(string)
	want(t, e.do(b, "PATCH", "/Groups/"+bid, `{"Operations":[{"op":"add","path":"members","value":[{"value":"`+ua+`"}]}]}`), http.StatusBadRequest, "invalidValue")
	want(t, e.do(b, "GET", "/Users/"+ua+"?attributes=groups", nil), http.StatusNotFound, "")
}

// TestLargeGroup: a group of 10,000 members (testenv.LargeGroup) is read
// without its members and changed by one member, as Entra ID does (SPEC
// §5); members arrive 2,000 to a PATCH.
func TestLargeGroup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a large group")
	}
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	n := testenv.LargeGroup()
	ids := testenv.SeedUsers(t, e.db, e.table, e.orgA.ID, n+1)
	r := e.do(tok, "POST", "/Groups", `{"displayName":"Everyone"}`)
	want(t, r, http.StatusCreated, "")
	id := r.json(t)["id"].(string)
	for i := 0; i < n; i += 2_000 {
		var b strings.Builder
		for j, u := range ids[i:min(i+2_000, n)] {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"value":"` + u + `"}`)
		}
		want(t, e.do(tok, "PATCH", "/Groups/"+id, `{"Operations":[{"op":"add","path":"members","value":[`+b.String()+`]}]}`), http.StatusNoContent, "")
	}
	r = e.do(tok, "GET", "/Groups/"+id+"?excludedAttributes=members", nil)
	want(t, r, http.StatusOK, "")
	if r.json(t)["members"] != nil {
		t.Fatal("members returned")
	}
	want(t, e.do(tok, "PATCH", "/Groups/"+id, `{"Operations":[{"op":"add","path":"members","value":[{"value":"`+ids[n]+`"}]}]}`), http.StatusNoContent, "")
	want(t, e.do(tok, "PATCH", "/Groups/"+id, `{"Operations":[{"op":"remove","path":"members[value eq \"`+ids[0]+`\"]"}]}`), http.StatusNoContent, "")
	if got := e.memberIDs(tok, id); len(got) != n || slices.Contains(got, ids[0]) || !slices.Contains(got, ids[n]) {
		t.Fatalf("%d members", len(got))
	}
}

// TestDiscoveryListsGroups: with /Groups served, discovery says so (RFC
// 7644 §4).
func TestDiscoveryListsGroups(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do(e.a.SCIMToken, "GET", "/ResourceTypes/Group", nil)
	want(t, r, http.StatusOK, "")
	if r.json(t)["schema"] != "urn:ietf:params:scim:schemas:core:2.0:Group" {
		t.Fatalf("resource type: %s", r.body)
	}
	want(t, e.do(e.a.SCIMToken, "GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group", nil), http.StatusOK, "")
}

// TestGroupRoles: with groupRoles, membership grants the role and leaving
// revokes it, each in the user's history; a role the licence refuses
// leaves the membership and the SCIM request as they are (SPEC §5).
func TestGroupRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	org, err := e.store.Organisation(t.Context(), e.orgA.ID)
	if err != nil {
		t.Fatal(err)
	}
	org.MaxAdmins = 1
	org.GroupRoles = []tilgang.GroupRole{{Group: "tilgang-admins", Role: tilgang.RoleUserAdmin}, {Group: "HR", Role: "sagsbehandler", OrgUnit: "HR"}}
	if err := e.store.UpdateOrganisation(t.Context(), org); err != nil {
		t.Fatal(err)
	}
	u1 := e.create(tok, user("role.one@example.dk"))
	u2 := e.create(tok, user("role.two@example.dk"))
	roles := func(id string) []tilgang.Role {
		t.Helper()
		u, err := e.store.User(t.Context(), e.orgA.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		return u.Roles
	}
	history := func(id string) []string {
		t.Helper()
		page, err := e.store.UserHistory(t.Context(), e.orgA.ID, id, store.HistoryFilter{Oldest: true})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, h := range page.Entries {
			actions = append(actions, h.Action)
		}
		return actions
	}
	// HR grants its role with its unit.
	r := e.do(tok, "POST", "/Groups", `{"displayName":"hr","members":[{"value":"`+u1+`"}]}`)
	want(t, r, http.StatusCreated, "")
	hr := r.json(t)["id"].(string)
	if got := roles(u1); !slices.Equal(got, []tilgang.Role{{Role: "sagsbehandler", OrgUnit: "HR"}}) {
		t.Fatalf("roles after joining HR: %v", got)
	}
	// The licence allows one admin: the second member is refused the
	// role, and the request still succeeds.
	r = e.do(tok, "POST", "/Groups", `{"displayName":"tilgang-admins"}`)
	want(t, r, http.StatusCreated, "")
	admins := r.json(t)["id"].(string)
	want(t, e.do(tok, "PATCH", "/Groups/"+admins, `{"Operations":[{"op":"add","path":"members","value":[{"value":"`+u1+`"}]}]}`), http.StatusNoContent, "")
	want(t, e.do(tok, "PATCH", "/Groups/"+admins, `{"Operations":[{"op":"add","path":"members","value":[{"value":"`+u2+`"}]}]}`), http.StatusNoContent, "")
	if !slices.Contains(roles(u1), tilgang.Role{Role: tilgang.RoleUserAdmin}) || slices.Contains(roles(u2), tilgang.Role{Role: tilgang.RoleUserAdmin}) {
		t.Fatalf("roles: u1 %v, u2 %v", roles(u1), roles(u2))
	}
	if got := e.memberIDs(tok, admins); len(got) != 2 {
		t.Fatalf("members after a refusal: %v", got)
	}
	if h := history(u2); !slices.Contains(h, "role.refused") {
		t.Fatalf("u2's history %v", h)
	}
	// Leaving HR revokes its role, with history.
	want(t, e.do(tok, "PATCH", "/Groups/"+hr, `{"Operations":[{"op":"remove","path":"members[value eq \"`+u1+`\"]"}]}`), http.StatusNoContent, "")
	if slices.Contains(roles(u1), tilgang.Role{Role: "sagsbehandler", OrgUnit: "HR"}) {
		t.Fatalf("roles after leaving HR: %v", roles(u1))
	}
	if h := history(u1); !slices.Contains(h, "role.granted") || !slices.Contains(h, "role.revoked") {
		t.Fatalf("u1's history %v", h)
	}
}

// TestGroupSorting: groups come in displayName order; sortBy and
// sortOrder sort on any attribute (RFC 7644 §3.4.2.3).
func TestGroupSorting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	for _, name := range []string{"b", "C", "a"} {
		want(t, e.do(tok, "POST", "/Groups", `{"displayName":"`+name+`","externalId":"x`+name+`"}`), http.StatusCreated, "")
	}
	names := func(query string) string {
		r := e.do(tok, "GET", "/Groups?"+query, nil)
		want(t, r, http.StatusOK, "")
		var out []string
		for _, g := range r.json(t)["Resources"].([]any) {
			out = append(out, g.(map[string]any)["displayName"].(string))
		}
		return strings.Join(out, ",")
	}
	for query, wanted := range map[string]string{
		"": "a,b,C",
		"sortBy=displayName&sortOrder=descending": "C,b,a",
		"sortBy=externalId&count=2":               "a,b",
		"sortBy=externalId&startIndex=3":          "C",
	} {
		if got := names(query); got != wanted {
			t.Errorf("%q: %s, want %s", query, got, wanted)
		}
	}
}
