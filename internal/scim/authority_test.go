package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestSCIMHoldsNoRoleAuthority: a SCIM token sets no tilgang role, right,
// canSign or seal profile (SPEC §14; issue 14, finding 3); roles come only
// through groupRoles. The attributes are read-only (RFC 7643 §7): POST and
// PUT ignore them (RFC 7644 §3.3, §3.5.1), PATCH answers 400 mutability
// (RFC 7644 §3.5.2). Before, a SCIM token made company-admins.
func TestSCIMHoldsNoRoleAuthority(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	grab := map[string]any{
		"roles":        []any{map[string]any{"role": tilgang.RoleCompanyAdmin}},
		"rights":       []string{"Skat"},
		"canSign":      true,
		"sealProfiles": []string{"segl"},
	}
	body := user("grab@example.dk")
	body["schemas"] = []string{"urn:ietf:params:scim:schemas:core:2.0:User", tilgangURN}
	body[tilgangURN] = grab
	r := e.do(tok, "POST", "/Users", body)
	want(t, r, http.StatusCreated, "")
	id, _ := r.json(t)["id"].(string)
	noAuthority := func(r response) {
		t.Helper()
		ext, _ := r.json(t)[tilgangURN].(map[string]any)
		for _, a := range []string{"roles", "rights", "sealProfiles"} {
			if ext[a] != nil {
				t.Errorf("%s set over SCIM: %s", a, r.body)
			}
		}
		if ext["canSign"] != false {
			t.Errorf("canSign set over SCIM: %s", r.body)
		}
	}
	noAuthority(r)
	u, err := e.store.User(context.Background(), e.orgA.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	if u.IsAdmin() || len(u.Roles)+len(u.Rights)+len(u.SealProfiles) > 0 || u.CanSign {
		t.Fatalf("stored user holds authority: %+v", u)
	}

	// PUT ignores them.
	r = e.do(tok, "PUT", "/Users/"+id, body)
	want(t, r, http.StatusOK, "")
	noAuthority(r)

	// PATCH refuses them, in every shape a client sends.
	for _, patch := range []string{
		`{"Operations":[{"op":"add","path":"` + tilgangURN + `:roles","value":[{"role":"company-admin"}]}]}`,
		`{"Operations":[{"op":"replace","path":"` + tilgangURN + `:rights","value":["Skat"]}]}`,
		`{"Operations":[{"op":"replace","path":"` + tilgangURN + `:canSign","value":true}]}`,
		`{"Operations":[{"op":"add","path":"` + tilgangURN + `:sealProfiles","value":["segl"]}]}`,
		`{"Operations":[{"op":"add","value":{"` + tilgangURN + `":{"roles":[{"role":"rights-admin"}]}}}]}`,
		`{"Operations":[{"op":"Replace","value":{"` + tilgangURN + `:canSign":"True"}}]}`,
		`{"Operations":[{"op":"replace","path":"` + tilgangURN + `","value":{"rights":["Skat"]}}]}`,
	} {
		want(t, e.do(tok, "PATCH", "/Users/"+id, patch), http.StatusBadRequest, "mutability")
	}

	// Roles that groupRoles gave survive a PUT that echoes or drops them.
	if err := testenv.Users(t, e.store).GrantRoles(context.Background(), tilgang.Actor{Name: "group", Source: "scim"}, e.orgA, id,
		[]tilgang.Role{{Role: tilgang.RoleUserAdmin}}); err != nil {
		t.Fatal(err)
	}
	for _, put := range []map[string]any{body, user("grab@example.dk")} {
		r = e.do(tok, "PUT", "/Users/"+id, put)
		want(t, r, http.StatusOK, "")
		ext, _ := r.json(t)[tilgangURN].(map[string]any)
		if fmt.Sprint(ext["roles"]) != "[map[role:user-admin]]" || ext["rights"] != nil {
			t.Errorf("PUT changed the roles: %s", r.body)
		}
	}
}
