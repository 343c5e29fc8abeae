package admin_test

import (
	"net/http"
	"testing"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestRoleAuthority: granting, removing and changing admins needs the
// authority SPEC §14 gives (issue 14, finding 3). Before, a user-admin
// token created and patched company-admins and rights-admins.
func TestRoleAuthority(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	userAdmin := e.newToken(e.a.AdminToken, "admin", tilgang.RoleUserAdmin).Token
	rights := e.newToken(e.a.AdminToken, "admin", tilgang.RoleUserAdmin, tilgang.RoleRightsAdmin).Token
	company := e.newToken(e.a.AdminToken, "admin", tilgang.RoleUserAdmin, tilgang.RoleCompanyAdmin).Token

	withRoles := func(email string, roles ...string) map[string]any {
		u := dobUser(email)
		var rs []map[string]string
		for _, r := range roles {
			rs = append(rs, map[string]string{"role": r})
		}
		u["roles"] = rs
		return u
	}

	// A user-admin grants no admin role on creation, however spelled.
	for _, role := range []string{tilgang.RoleCompanyAdmin, tilgang.RoleRightsAdmin, tilgang.RoleUserAdmin, " company-admin "} {
		wantProblem(t, e.do(userAdmin, "POST", "/users", withRoles("new@example.dk", role)), http.StatusForbidden, "token.role_missing", "roles")
		wantProblem(t, e.do(rights, "POST", "/users", withRoles("new@example.dk", role)), http.StatusForbidden, "token.role_missing", "roles")
	}
	// ... but roles that are no admin roles.
	wantStatus(t, e.do(userAdmin, "POST", "/users", withRoles("clerk@example.dk", "sagsbehandler")), http.StatusCreated)

	// A company-admin grants any role.
	r := e.do(company, "POST", "/users", withRoles("boss@example.dk", tilgang.RoleCompanyAdmin))
	wantStatus(t, r, http.StatusCreated)
	boss := decode[userJSON](t, r)
	plain := decode[userJSON](t, e.do(userAdmin, "POST", "/users", dobUser("plain@example.dk")))

	// A user-admin may not grant one by PATCH, nor remove one, nor change
	// or delete an administrator (whose e-mail address is the way in).
	for _, c := range []struct{ id, patch string }{
		{plain.ID, `{"roles": [{"role": "company-admin"}]}`},
		{plain.ID, `{"roles": [{"role": "rights-admin", "orgUnit": "Salg"}]}`},
		{boss.ID, `{"roles": []}`},
		{boss.ID, `{"roles": [{"role": "company-admin", "orgUnit": "Salg"}]}`},
		{boss.ID, `{"email": "attacker@example.com"}`},
		{boss.ID, `{"firstName": "Mallory"}`},
	} {
		for _, tok := range []string{userAdmin, rights} {
			wantProblem(t, e.do(tok, "PATCH", "/users/"+c.id, c.patch), http.StatusForbidden, "token.role_missing", "roles")
		}
	}
	wantProblem(t, e.do(userAdmin, "DELETE", "/users/"+boss.ID, nil), http.StatusForbidden, "token.role_missing", "roles")
	// Nor deactivate one (which ends the role's use), reactivate one, or
	// take a new activation code for one.
	for _, step := range []string{"/deactivate", "/reactivate", "/activation", "/activation-code"} {
		wantProblem(t, e.do(userAdmin, "POST", "/users/"+boss.ID+step, nil), http.StatusForbidden, "token.role_missing", "roles")
	}
	wantStatus(t, e.do(userAdmin, "POST", "/users/"+plain.ID+"/activation-code", nil), http.StatusOK)

	// Nothing changed.
	got := decode[userJSON](t, e.do(userAdmin, "GET", "/users/"+boss.ID, nil))
	if got.Email != "boss@example.dk" || got.FirstName != "Bo" || len(got.Roles) != 1 || got.Roles[0].Role != tilgang.RoleCompanyAdmin {
		t.Errorf("administrator changed: %+v", got)
	}
	if got := decode[userJSON](t, e.do(userAdmin, "GET", "/users/"+plain.ID, nil)); len(got.Roles) != 0 {
		t.Errorf("plain user got roles %+v", got.Roles)
	}

	// A rights-admin changes an administrator's rights, nothing else.
	wantStatus(t, e.do(rights, "PATCH", "/users/"+boss.ID, `{"rights": ["Skat"], "canSign": true}`), http.StatusOK)
	// A user-admin still changes ordinary users and non-admin roles.
	wantStatus(t, e.do(userAdmin, "PATCH", "/users/"+plain.ID, `{"department": "IT", "roles": [{"role": "sagsbehandler"}]}`), http.StatusOK)
	// A company-admin changes and removes admin roles and admins.
	wantStatus(t, e.do(company, "PATCH", "/users/"+plain.ID, `{"roles": [{"role": "rights-admin"}]}`), http.StatusOK)
	wantStatus(t, e.do(company, "PATCH", "/users/"+boss.ID, `{"email": "chef@example.dk", "roles": []}`), http.StatusOK)
	wantStatus(t, e.do(company, "POST", "/users/"+boss.ID+"/deactivate", nil), http.StatusOK)
	wantStatus(t, e.do(company, "DELETE", "/users/"+plain.ID, nil), http.StatusNoContent)
}

// TestInvitationAuthority: inviting into an admin role and approving it
// need the company-admin role (SPEC §8, §14).
func TestInvitationAuthority(t *testing.T) {
	t.Parallel()
	e := newInvitationEnv(t)
	for _, roles := range [][]string{{tilgang.RoleUserAdmin}, {tilgang.RoleUserAdmin, tilgang.RoleRightsAdmin}} {
		tok := e.newToken(e.a.AdminToken, "admin", roles...).Token
		for _, role := range tilgang.AdminRoles {
			wantProblem(t, e.do(tok, "POST", "/invitations", invitationBody(role, "x@example.dk")), http.StatusForbidden, "token.role_missing", "")
		}
	}
	company := e.newToken(e.a.AdminToken, "admin", tilgang.RoleCompanyAdmin).Token
	r := e.do(company, "POST", "/invitations", invitationBody(tilgang.RoleCompanyAdmin, "x@example.dk"))
	wantStatus(t, r, http.StatusOK)
	if res := decode[inviteAnswer](t, r).Results; len(res) != 1 || !res[0].OK {
		t.Fatalf("invite: %s", r.body)
	}
}
