package csvimport_test

import (
	"context"
	"testing"

	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/csvimport/csvfile"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestDisabledOrganisationImportsNothing: a file granted before an
// operator disabled its organisation (SPEC §13) changes no one, and its
// receipt says the organisation is unknown.
func TestDisabledOrganisationImportsNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, csvimport.Options{})
	ev := f.put("staff.csv", readFile(t, "utf8bom_comma.csv"))
	org, err := f.st.Organisation(context.Background(), f.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tenants.New(f.st).SetDisabled(context.Background(), org, true); err != nil {
		t.Fatal(err)
	}
	f.handle(ev)
	if n := len(f.users()); n != 0 {
		t.Fatalf("%d users imported into a disabled organisation", n)
	}
	r, _ := f.receipt("staff")
	if r.Status != string(tilgang.ImportRejected) || r.Code != csvfile.CodeOrgUnknown {
		t.Fatalf("receipt %+v", r.Summary)
	}
}
