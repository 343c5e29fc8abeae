package devserver

import (
	"context"
	"fmt"

	"github.com/tilgang/tilgang/internal/app"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// demoOrg is a seeded organisation with its credentials.
type demoOrg struct {
	org   *tilgang.Organisation
	creds tenants.Credentials
	// adminEmail is the address of the organisation's seeded
	// company-admin, who signs in to the console (SPEC §11).
	adminEmail string
}

// demoOrganisations are two made-up organisations: one Danish-speaking at
// IAL 3 with several numbers of each kind, one English-speaking at IAL 4
// that allows what the first does not.
func demoOrganisations() []*tilgang.Organisation {
	return []*tilgang.Organisation{
		{
			Name: "Demo Tømrer ApS", CVR: "12345678", IAL: 3, Language: "da",
			EANNumbers:  []string{"5790000123456", "5790000654321"},
			PNumbers:    []string{"1012345678", "1087654321"},
			SENumbers:   []string{"12345678"},
			AdminEmails: []string{"admin@tomrer.example"},
			MaxAdmins:   5,
		},
		{
			Name: "Example Health A/S", CVR: "87654321", IAL: 4, Language: "en",
			EANNumbers: []string{"5790000999999"}, PNumbers: []string{"1099999999"}, SENumbers: []string{"87654321"},
			AllowAnonymous: true, ReferenceTextEnabled: true, AllowPrivateMitID: true,
			AdminEmails: []string{"it@health.example"},
		},
	}
}

func seed(ctx context.Context, a *app.App) ([]demoOrg, error) {
	var out []demoOrg
	for _, o := range demoOrganisations() {
		creds, err := a.Tenants.Provision(ctx, o)
		if err != nil {
			return nil, err
		}
		admin, err := seedAdmin(ctx, a, o)
		if err != nil {
			return nil, err
		}
		out = append(out, demoOrg{org: o, creds: creds, adminEmail: admin})
	}
	return out, nil
}

// seedAdmin creates the organisation's first company-admin, as the
// operator command's invitation would: a person who signs in to the
// console with a mailed link. It returns the address.
func seedAdmin(ctx context.Context, a *app.App, o *tilgang.Organisation) (string, error) {
	address := o.AdminEmails[0]
	u := &tilgang.User{FirstName: "Demo", LastName: "Admin", Email: address, DateOfBirth: "1980-01-01",
		Roles: []tilgang.Role{{Role: tilgang.RoleCompanyAdmin}, {Role: tilgang.RoleUserAdmin}, {Role: tilgang.RoleRightsAdmin}}}
	actor := tilgang.Actor{Name: "make dev", Source: "admin", Roles: tilgang.AdminRoles}
	if _, err := a.Users.Create(ctx, actor, o, users.NewRequest{User: u, Profile: users.AdminProfile}); err != nil {
		return "", fmt.Errorf("seed the admin of %s: %w", o.Name, err)
	}
	return address, nil
}
