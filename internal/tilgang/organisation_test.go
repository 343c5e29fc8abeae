package tilgang

import (
	"slices"
	"testing"
)

func TestRolesOfGroup(t *testing.T) {
	t.Parallel()
	o := &Organisation{GroupRoles: []GroupRole{
		{Group: "Sales", Role: RoleUserAdmin},
		{Group: "g-42", Role: "sagsbehandler", OrgUnit: "HR"},
		{Group: "SALES", Role: RoleUserAdmin}, // the same role once
		{Group: "Økonomi", Role: "bogholder"},
	}}
	cases := []struct {
		id, name string
		want     []Role
	}{
		{"g-1", "sales", []Role{{Role: RoleUserAdmin}}},
		{"g-42", "Anything", []Role{{Role: "sagsbehandler", OrgUnit: "HR"}}},
		{"g-2", "ØKONOMI", []Role{{Role: "bogholder"}}},
		{"g-3", "Marketing", nil},
	}
	for _, c := range cases {
		if got := o.RolesOfGroup(c.id, c.name); !slices.Equal(got, c.want) {
			t.Errorf("RolesOfGroup(%q, %q) = %v, want %v", c.id, c.name, got, c.want)
		}
	}
}
