package scim

import (
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/scim/patch"
	"github.com/tilgang/tilgang/internal/scim/resource"
)

// TestReadGroupChange reads the PATCH bodies Entra ID and Okta send for
// groups (testdata/groups, shapes from their SCIM documentation) and the
// other shapes of RFC 7644 §3.5.2.
func TestReadGroupChange(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body string
		rename     string
		replace    bool
		members    []string // after a replace
		add, rm    []string
		scimType   string
	}{
		{name: "entra_add_members.json", add: []string{"USER1", "USER2"}},
		{name: "entra_remove_members.json", rm: []string{"USER1"}},
		{name: "entra_rename.json", rename: "Sales DK"},
		{name: "entra_replace_members.json", replace: true, members: []string{"USER2"}},
		{name: "okta_rename.json", rename: "Sales DK"},
		{name: "okta_add_members.json", add: []string{"USER1"}},
		{name: "okta_remove_member.json", rm: []string{"USER1"}},
		{name: "remove all, then add", body: `{"Operations":[{"op":"remove","path":"members"},{"op":"add","path":"members","value":[{"value":"A"}]}]}`, replace: true, members: []string{"A"}},
		{name: "add then remove the same", body: `{"Operations":[{"op":"add","path":"members","value":[{"value":"A"},{"value":"B"}]},{"op":"remove","path":"members[value eq \"A\" or value eq \"C\"]"}]}`, add: []string{"B"}, rm: []string{"A", "C"}},
		{name: "path-less add of members", body: `{"Operations":[{"op":"add","value":{"members":[{"value":"A"}]}}]}`, add: []string{"A"}},
		{name: "core URN prefix", body: `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:Group:displayName","value":"X"}]}`, rename: "X"},
		{name: "another id", body: `{"Operations":[{"op":"replace","value":{"id":"OTHER","displayName":"X"}}]}`, scimType: "mutability"},
		{name: "remove displayName", body: `{"Operations":[{"op":"remove","path":"displayName"}]}`, scimType: "invalidValue"},
		{name: "empty displayName", body: `{"Operations":[{"op":"replace","path":"displayName","value":" "}]}`, scimType: "invalidValue"},
		{name: "unknown attribute", body: `{"Operations":[{"op":"replace","path":"description","value":"x"}]}`, scimType: "invalidPath"},
		{name: "member filter on type", body: `{"Operations":[{"op":"remove","path":"members[type eq \"User\"]"}]}`, scimType: "invalidFilter"},
		{name: "replace through a filter", body: `{"Operations":[{"op":"replace","path":"members[value eq \"A\"]","value":{"value":"B"}}]}`, scimType: "invalidPath"},
		{name: "member without value", body: `{"Operations":[{"op":"add","path":"members","value":[{"display":"A"}]}]}`, scimType: "invalidValue"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			body := c.body
			if body == "" {
				b, err := os.ReadFile("testdata/groups/" + c.name)
				if err != nil {
					t.Fatal(err)
				}
				body = string(b)
			}
			ops, err := patch.Decode([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			got, err := readGroupChange("GROUP", ops)
			if c.scimType != "" {
				var re *resource.Error
				if !errors.As(err, &re) || string(re.ScimType) != c.scimType {
					t.Fatalf("error %v, want scimType %s", err, c.scimType)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if name := deref(got.displayName); name != c.rename {
				t.Errorf("displayName %q, want %q", name, c.rename)
			}
			m := got.members
			if m.replace != c.replace || !slices.Equal(ids(m.members), sorted(c.members)) ||
				!slices.Equal(ids(m.add), sorted(c.add)) || !slices.Equal(ids(m.remove), sorted(c.rm)) {
				t.Errorf("members: replace %v %v add %v remove %v", m.replace, ids(m.members), ids(m.add), ids(m.remove))
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	if s == nil {
		return []string{}
	}
	return s
}

// TestTooManyMembers: one request names at most MaxMemberChanges members.
func TestTooManyMembers(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`{"Operations":[{"op":"add","path":"members","value":[`)
	for i := 0; i <= MaxMemberChanges; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"value":"u` + strconv.Itoa(i) + `"}`)
	}
	b.WriteString(`]}]}`)
	ops, err := patch.Decode([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readGroupChange("G", ops); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("error %v", err)
	}
}
