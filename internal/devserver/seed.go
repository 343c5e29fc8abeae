package devserver

import (
	"context"

	"github.com/tilgang/tilgang/internal/app"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// demoOrg is a seeded organisation with its credentials.
type demoOrg struct {
	org   *tilgang.Organisation
	creds tenants.Credentials
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
		out = append(out, demoOrg{org: o, creds: creds})
	}
	return out, nil
}
