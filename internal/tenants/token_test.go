package tenants_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// admin is the provisioned admin token of f's organisation, which holds
// every role.
func (f *fixture) admin(t *testing.T) *tilgang.Token {
	t.Helper()
	tok, _, err := f.svc.Authenticate(context.Background(), tilgang.TokenAdmin, f.creds.AdminToken)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestProvision(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	if f.org.ID == "" || f.org.Language != tilgang.Languages[0] {
		t.Errorf("provisioned organisation %+v", f.org)
	}
	admin := f.admin(t)
	if admin.Kind != tilgang.TokenAdmin || !slices.Equal(admin.Roles, tilgang.AdminRoles) || !strings.HasPrefix(f.creds.AdminToken, "tlg_admin_") {
		t.Errorf("admin token %+v", admin)
	}
	scim, org, err := f.svc.Authenticate(ctx, tilgang.TokenSCIM, f.creds.SCIMToken)
	if err != nil || scim.Kind != tilgang.TokenSCIM || len(scim.Roles) != 0 || org.ID != f.org.ID || !strings.HasPrefix(f.creds.SCIMToken, "tlg_scim_") {
		t.Errorf("SCIM token %+v of %+v, %v", scim, org, err)
	}
	// Each opens only its own API.
	for kind, token := range map[tilgang.TokenKind]string{tilgang.TokenSCIM: f.creds.AdminToken, tilgang.TokenAdmin: f.creds.SCIMToken} {
		if _, _, err := f.svc.Authenticate(ctx, kind, token); !errors.Is(err, tilgang.ErrUnauthenticated) {
			t.Errorf("%s token from the other API: %v", kind, err)
		}
	}
	// Tokens are stored hashed (hex SHA-256), never as the secret.
	tokens, err := f.svc.Tokens(ctx, f.org)
	if err != nil || len(tokens) != 2 {
		t.Fatalf("tokens %v, %v", tokens, err)
	}
	for _, tok := range tokens {
		if len(tok.Hash) != 64 || strings.HasPrefix(tok.Hash, "tlg_") {
			t.Errorf("token %+v", tok)
		}
	}
}

func TestMintToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	admin := f.admin(t)

	roles := []string{tilgang.RoleUserAdmin, tilgang.RoleCompanyAdmin}
	minted, err := f.svc.MintToken(ctx, admin, f.org, tenants.TokenRequest{Name: "  HR-systemet ", Kind: tilgang.TokenAdmin, Roles: roles})
	if err != nil {
		t.Fatal(err)
	}
	if tok := minted.Token; tok.Name != "HR-systemet" || tok.OrgID != f.org.ID || !slices.Equal(tok.Roles, roles) || tok.CreatedAt.IsZero() ||
		!strings.HasPrefix(minted.Secret, "tlg_admin_") || len(minted.Secret) < len("tlg_admin_")+43 {
		t.Errorf("minted %+v, secret %q", tok, minted.Secret)
	}
	roles[0] = tilgang.RoleRightsAdmin // the token keeps its own copy
	got, _, err := f.svc.Authenticate(ctx, tilgang.TokenAdmin, minted.Secret)
	if err != nil || got.ID != minted.Token.ID || !slices.Equal(got.Roles, []string{tilgang.RoleUserAdmin, tilgang.RoleCompanyAdmin}) {
		t.Errorf("the new secret opens %+v, %v", got, err)
	}

	scim, err := f.svc.MintToken(ctx, admin, f.org, tenants.TokenRequest{Name: "Entra ID", Kind: tilgang.TokenSCIM})
	if err != nil || !strings.HasPrefix(scim.Secret, "tlg_scim_") {
		t.Fatalf("SCIM token %+v, %v", scim, err)
	}
	if _, _, err := f.svc.Authenticate(ctx, tilgang.TokenSCIM, scim.Secret); err != nil {
		t.Errorf("the new SCIM secret: %v", err)
	}

	// Invalid requests name every faulty field.
	for _, tt := range []struct {
		name string
		req  tenants.TokenRequest
		want [][2]string
	}{
		{"no name", tenants.TokenRequest{Name: " ", Kind: tilgang.TokenSCIM}, [][2]string{{"name", "field.required"}}},
		{"long name", tenants.TokenRequest{Name: strings.Repeat("n", 101), Kind: tilgang.TokenSCIM}, [][2]string{{"name", "field.too_long"}}},
		{"name with a line break", tenants.TokenRequest{Name: "HR\r\nURGENT", Kind: tilgang.TokenSCIM}, [][2]string{{"name", "text.control"}}},
		{"no kind", tenants.TokenRequest{Name: "t"}, [][2]string{{"kind", "kind.invalid"}}},
		{"unknown kind", tenants.TokenRequest{Name: "t", Kind: "root"}, [][2]string{{"kind", "kind.invalid"}}},
		{"admin without roles", tenants.TokenRequest{Name: "t", Kind: tilgang.TokenAdmin}, [][2]string{{"roles", "roles.required"}}},
		{"unknown role", tenants.TokenRequest{Name: "t", Kind: tilgang.TokenAdmin, Roles: []string{"god"}}, [][2]string{{"roles", "role.invalid"}}},
		{"role twice", tenants.TokenRequest{Name: "t", Kind: tilgang.TokenAdmin, Roles: []string{tilgang.RoleUserAdmin, tilgang.RoleUserAdmin}}, [][2]string{{"roles", "role.duplicate"}}},
		{"SCIM with roles", tenants.TokenRequest{Name: "t", Kind: tilgang.TokenSCIM, Roles: []string{tilgang.RoleUserAdmin}}, [][2]string{{"roles", "roles.not_allowed"}}},
		{"everything", tenants.TokenRequest{Kind: tilgang.TokenAdmin, Roles: []string{"god", "god"}}, [][2]string{{"name", "field.required"}, {"roles", "role.invalid"}, {"roles", "role.invalid"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.MintToken(ctx, admin, f.org, tt.req)
			wantProblems(t, err, tilgang.KindInvalid, tt.want...)
		})
	}
	tokens, err := f.svc.Tokens(ctx, f.org)
	if err != nil || len(tokens) != 4 {
		t.Errorf("%d tokens after refused requests, want 4: %v", len(tokens), err)
	}
}

// TestTokenGrantsNoRoleItLacks: a token can mint tokens with its own roles
// or fewer, never more, or a company-admin could make itself a
// rights-admin.
func TestTokenGrantsNoRoleItLacks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	mint := func(by *tilgang.Token, roles ...string) (tenants.Minted, error) {
		kind := tilgang.TokenAdmin
		if roles == nil {
			kind = tilgang.TokenSCIM
		}
		return f.svc.MintToken(ctx, by, f.org, tenants.TokenRequest{Name: "t", Kind: kind, Roles: roles})
	}
	company, err := mint(f.admin(t), tilgang.RoleCompanyAdmin)
	if err != nil {
		t.Fatal(err)
	}
	by := company.Token

	for _, roles := range [][]string{{tilgang.RoleUserAdmin}, {tilgang.RoleRightsAdmin}, {tilgang.RoleCompanyAdmin, tilgang.RoleRightsAdmin}} {
		_, err := mint(by, roles...)
		wantProblems(t, err, tilgang.KindForbidden, [2]string{"roles", "token.role_missing"})
	}
	// Its own role, and SCIM tokens, which carry none, it may grant.
	if _, err := mint(by, tilgang.RoleCompanyAdmin); err != nil {
		t.Errorf("granting its own role: %v", err)
	}
	if _, err := mint(by); err != nil {
		t.Errorf("a SCIM token: %v", err)
	}
	// An invalid request is refused as invalid before its roles are weighed.
	_, err = f.svc.MintToken(ctx, by, f.org, tenants.TokenRequest{Kind: tilgang.TokenAdmin, Roles: []string{tilgang.RoleRightsAdmin}})
	wantProblems(t, err, tilgang.KindInvalid, [2]string{"name", "field.required"})
}

func TestRevokeToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	other := &tilgang.Organisation{Name: "Firma B ApS", IAL: 3}
	if _, err := f.svc.Provision(ctx, other); err != nil {
		t.Fatal(err)
	}
	minted, err := f.svc.MintToken(ctx, f.admin(t), f.org, tenants.TokenRequest{Name: "t", Kind: tilgang.TokenAdmin, Roles: []string{tilgang.RoleUserAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	// Ids that name no token of the organisation.
	for _, id := range []string{"x", strings.Repeat("0", 3000), "", "00000000-0000-7000-8000-000000000000"} {
		if err := f.svc.RevokeToken(ctx, f.org, id); !errors.Is(err, tilgang.ErrTokenNotFound) {
			t.Errorf("revoke %.20q: %v", id, err)
		}
	}
	if err := f.svc.RevokeToken(ctx, other, minted.Token.ID); !errors.Is(err, tilgang.ErrTokenNotFound) {
		t.Errorf("another organisation revokes the token: %v", err)
	}
	if err := f.svc.RevokeToken(ctx, f.org, strings.ToUpper(minted.Token.ID)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Authenticate(ctx, tilgang.TokenAdmin, minted.Secret); !errors.Is(err, tilgang.ErrUnauthenticated) {
		t.Errorf("a revoked token opens: %v", err)
	}
	if err := f.svc.RevokeToken(ctx, f.org, minted.Token.ID); !errors.Is(err, tilgang.ErrTokenNotFound) {
		t.Errorf("revoke twice: %v", err)
	}
	if _, _, err := f.svc.Authenticate(ctx, tilgang.TokenAdmin, f.creds.AdminToken); err != nil {
		t.Errorf("revoking one token stopped another: %v", err)
	}
}
