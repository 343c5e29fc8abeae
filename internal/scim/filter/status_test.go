package filter

import (
	"slices"
	"testing"

	"github.com/tilgang/tilgang/internal/tilgang"
)

func TestStatuses(t *testing.T) {
	t.Parallel()
	const ext = "urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"
	active := []tilgang.Status{tilgang.StatusImported, tilgang.StatusPendingActivation, tilgang.StatusActive, tilgang.StatusAwaitingApproval}
	gone := []tilgang.Status{tilgang.StatusDeactivated}
	tests := []struct {
		filter string
		want   []tilgang.Status
		ok     bool
	}{
		{`active eq true`, active, true},
		{`ACTIVE EQ TRUE`, active, true},
		{`(active eq true)`, active, true},
		{`active ne false`, active, true},
		{`active eq false`, gone, true},
		{`active ne true`, gone, true},
		{`urn:ietf:params:scim:schemas:core:2.0:User:active eq false`, gone, true},
		{ext + `:status eq "active"`, []tilgang.Status{tilgang.StatusActive}, true},
		{ext + `:status eq "Awaiting_Approval"`, []tilgang.Status{tilgang.StatusAwaitingApproval}, true},
		{ext + `:status eq "nonsense"`, []tilgang.Status{}, true},
		{`active eq "true"`, nil, false}, // a string: Match decides
		{`active pr`, nil, false},
		{`not (active eq true)`, nil, false},
		{`active eq true and userName sw "a"`, nil, false},
		{`active eq true or active eq false`, nil, false},
		{`status eq "active"`, nil, false}, // no such core attribute
		{ext + `:status ne "active"`, nil, false},
		{ext + `:status eq 1`, nil, false},
		{`urn:ietf:params:scim:schemas:core:2.0:Group:active eq true`, nil, false},
		{`emails[active eq true]`, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			t.Parallel()
			e, err := Parse(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := Statuses(e)
			if ok != tc.ok || !slices.Equal(got, tc.want) || (ok && got == nil) {
				t.Fatalf("Statuses = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
