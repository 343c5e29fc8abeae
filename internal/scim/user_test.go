package scim

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestToResourceHasBodyTypes checks that a stored user looks exactly like a
// decoded request body, so that filters and PATCH compare like with like.
func TestToResourceHasBodyTypes(t *testing.T) {
	t.Parallel()
	u := &tilgang.User{
		ID: "u1", UserName: "a@b.dk", ExternalID: "e1", FirstName: "A", LastName: "B", Email: "a@b.dk", Phone: "12345678",
		TargetIAL: 3, Rights: []string{"r"}, Roles: []tilgang.Role{{Role: "user-admin", OrgUnit: "HR"}}, Manager: "m",
		Department: "IT", Status: tilgang.StatusDeactivated, Deactivation: &tilgang.Deactivation{From: "2026-11-26"},
		CreatedAt: time.Unix(1, 0), UpdatedAt: time.Unix(2, 0), Version: 3,
	}
	r := toResource(u, "https://x/scim/v2")
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := decodeResource(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r, decoded) {
		t.Fatalf("toResource\n%#v\nafter JSON\n%#v", r, decoded)
	}
	in, err := fromResource(r)
	if err != nil {
		t.Fatal(err)
	}
	if in.active == nil || *in.active || in.user.TargetIAL != 3 || in.user.Manager != "m" || in.user.Department != "IT" {
		t.Fatalf("round trip lost fields: %+v active %v", in.user, in.active)
	}
	// Roles and rights are read-only over SCIM: shown, never read back.
	if in.user.Roles != nil || in.user.Rights != nil {
		t.Fatalf("read roles or rights from SCIM: %+v", in.user)
	}
}
