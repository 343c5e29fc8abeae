package users_test

import (
	"testing"

	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// TestMayChange is SPEC §14's table of role authority.
func TestMayChange(t *testing.T) {
	t.Parallel()
	const (
		UA = tilgang.RoleUserAdmin
		CA = tilgang.RoleCompanyAdmin
		RA = tilgang.RoleRightsAdmin
	)
	role := func(names ...string) []tilgang.Role {
		var rs []tilgang.Role
		for _, n := range names {
			rs = append(rs, tilgang.Role{Role: n})
		}
		return rs
	}
	plain := &tilgang.User{ID: "1", FirstName: "Bo", Email: "bo@example.dk"}
	admin := &tilgang.User{ID: "2", FirstName: "Eva", Email: "eva@example.dk", Roles: role(CA)}
	with := func(u *tilgang.User, edit func(*tilgang.User)) *tilgang.User {
		c := u.Clone()
		edit(c)
		return c
	}
	tests := []struct {
		name   string
		actor  []string
		old, u *tilgang.User
		want   *tilgang.Error // nil, or the authority error expected
	}{
		{"user-admin creates a plain user", []string{UA}, nil, plain, nil},
		{"rights-admin alone creates no user", []string{RA}, nil, plain, tilgang.ErrUserAuthority},
		{"user-admin creates no admin", []string{UA}, nil, admin, tilgang.ErrRoleAuthority},
		{"user-admin creates no admin, spaces or not", []string{UA}, nil, with(plain, func(u *tilgang.User) { u.Roles = role(" " + CA + " ") }), tilgang.ErrRoleAuthority},
		{"user-admin grants other roles", []string{UA}, plain, with(plain, func(u *tilgang.User) { u.Roles = role("sagsbehandler") }), nil},
		{"company-admin grants any role", []string{CA}, plain, with(plain, func(u *tilgang.User) { u.Roles = role(UA, RA, CA) }), nil},
		{"user-admin grants no admin role", []string{UA, RA}, plain, with(plain, func(u *tilgang.User) { u.Roles = role(UA) }), tilgang.ErrRoleAuthority},
		{"user-admin removes no admin role", []string{UA}, admin, with(admin, func(u *tilgang.User) { u.Roles = nil }), tilgang.ErrRoleAuthority},
		{"nor scopes one to a unit", []string{UA}, admin, with(admin, func(u *tilgang.User) { u.Roles[0].OrgUnit = "Salg" }), tilgang.ErrRoleAuthority},
		{"reordering roles is no change", []string{UA}, with(plain, func(u *tilgang.User) { u.Roles = role("a", "b") }), with(plain, func(u *tilgang.User) { u.Roles = role("b", "a") }), nil},
		{"user-admin changes no admin's e-mail", []string{UA, RA}, admin, with(admin, func(u *tilgang.User) { u.Email = "x@evil.example" }), tilgang.ErrAdminUserAuthority},
		{"company-admin with user-admin does", []string{UA, CA}, admin, with(admin, func(u *tilgang.User) { u.Email = "eva@firma.dk" }), nil},
		{"company-admin alone changes no details", []string{CA}, plain, with(plain, func(u *tilgang.User) { u.Phone = "12345678" }), tilgang.ErrUserAuthority},
		{"user-admin sets no rights", []string{UA}, plain, with(plain, func(u *tilgang.User) { u.Rights = []string{"Skat"} }), tilgang.ErrRightsAuthority},
		{"nor signing", []string{UA, CA}, plain, with(plain, func(u *tilgang.User) { u.CanSign = true }), tilgang.ErrRightsAuthority},
		{"nor seal profiles", []string{UA}, plain, with(plain, func(u *tilgang.User) { u.SealProfiles = []string{"s"} }), tilgang.ErrRightsAuthority},
		{"rights-admin sets rights, an admin's too", []string{RA}, admin, with(admin, func(u *tilgang.User) { u.Rights, u.CanSign = []string{"Skat"}, true }), nil},
		{"rights-admin grants no role", []string{RA}, plain, with(plain, func(u *tilgang.User) { u.Roles = role("sagsbehandler") }), tilgang.ErrRoleAuthority},
		{"no roles, no authority", nil, plain, with(plain, func(u *tilgang.User) { u.Rights = []string{"Skat"} }), tilgang.ErrRightsAuthority},
		{"no change needs nothing", nil, admin, admin.Clone(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := users.MayChange(tt.actor, tt.old, tt.u)
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != nil && !refusedBy(err, tt.want):
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			for _, p := range tilgang.Problems(err) {
				if p.Kind != tilgang.KindForbidden {
					t.Errorf("%v is no KindForbidden", p)
				}
			}
		})
	}
}

func TestMayGrantAndManage(t *testing.T) {
	t.Parallel()
	admin := &tilgang.User{Roles: []tilgang.Role{{Role: tilgang.RoleRightsAdmin}}}
	if err := users.MayGrant([]string{tilgang.RoleUserAdmin}, tilgang.Role{Role: tilgang.RoleUserAdmin}); !refusedBy(err, tilgang.ErrRoleAuthority) {
		t.Errorf("user-admin granted user-admin: %v", err)
	}
	if err := users.MayGrant([]string{tilgang.RoleCompanyAdmin}, tilgang.Role{Role: tilgang.RoleRightsAdmin, OrgUnit: "HR"}); err != nil {
		t.Errorf("company-admin refused: %v", err)
	}
	if err := users.MayManage([]string{tilgang.RoleUserAdmin}, admin); !refusedBy(err, tilgang.ErrAdminUserAuthority) {
		t.Errorf("user-admin manages an admin: %v", err)
	}
	if err := users.MayManage([]string{tilgang.RoleUserAdmin}, &tilgang.User{}); err != nil {
		t.Errorf("user-admin refused a plain user: %v", err)
	}
}

// refusedBy reports whether err holds want. The authority errors share
// their code (token.role_missing) and differ in message.
func refusedBy(err error, want *tilgang.Error) bool {
	for _, p := range tilgang.Problems(err) {
		if p.Message == want.Message {
			return true
		}
	}
	return false
}
