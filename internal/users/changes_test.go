package users

import (
	"slices"
	"testing"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestChangedAttributes: history names the kept SCIM attributes that
// changed, an enterprise one by its own name, and never a value.
func TestChangedAttributes(t *testing.T) {
	t.Parallel()
	const ent = `"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
	cases := []struct {
		name   string
		before string
		after  string
		want   []string
	}{
		{"none", ``, ``, nil},
		{"unchanged", `{"title":"Guide"}`, `{"title":"Guide"}`, nil},
		{"first attributes", ``, `{"title":"Guide","nickName":"Babs"}`, []string{"nickName", "title"}},
		{"one changed", `{"title":"Guide","nickName":"Babs"}`, `{"title":"Driver","nickName":"Babs"}`, []string{"title"}},
		{"removed", `{"addresses":[{"locality":"Aarhus"}]}`, ``, []string{"addresses"}},
		{"enterprise", `{` + ent + `:{"costCenter":"1","division":"A"}}`, `{` + ent + `:{"costCenter":"2","division":"A"}}`, []string{"costCenter"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			old := &tilgang.User{SCIMAttributes: []byte(c.before)}
			u := &tilgang.User{SCIMAttributes: []byte(c.after)}
			if got := changedFields(old, u); !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}
