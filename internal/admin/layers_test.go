package admin_test

import (
	"go/build"
	"strings"
	"testing"
)

// TestGoesThroughTheDomain: the admin API reaches the table and the CSV
// import only through the domain services (users, tenants, invitations,
// imports), so that every rule lives in one place behind every door.
func TestGoesThroughTheDomain(t *testing.T) {
	t.Parallel()
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	const internal = "github.com/tilgang/tilgang/internal/"
	for _, path := range pkg.Imports {
		for _, forbidden := range []string{"store", "csvimport"} {
			if path == internal+forbidden || strings.HasPrefix(path, internal+forbidden+"/") {
				t.Errorf("package admin imports %s; call a domain service instead", path)
			}
		}
	}
}
