package resource

import "testing"

func TestFindAndContainer(t *testing.T) {
	t.Parallel()
	r := Resource{"userName": "a", EnterpriseSchema: map[string]any{"department": "IT"}}
	if k, v, ok := Find(r, "USERNAME"); !ok || k != "userName" || v != "a" {
		t.Fatalf("Find = %q %v %v", k, v, ok)
	}
	m, ok := Container(r, "URN:ietf:params:scim:schemas:extension:enterprise:2.0:user", false)
	if !ok || m["department"] != "IT" {
		t.Fatalf("Container(enterprise) = %v %v", m, ok)
	}
	if m, ok := Container(r, TilgangSchema, false); !ok || m != nil {
		t.Fatalf("missing extension = %v %v", m, ok)
	}
	if m, ok := Container(r, TilgangSchema, true); !ok || m == nil || r[TilgangSchema] == nil {
		t.Fatalf("created extension = %v %v", m, ok)
	}
	if _, ok := Container(r, "urn:example:unknown", false); ok {
		t.Fatal("unknown URN accepted")
	}
}

func TestSplitURN(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, uri, rest string }{
		{EnterpriseSchema + ":manager.value", EnterpriseSchema, "manager.value"},
		{"urn:ietf:params:scim:schemas:core:2.0:user:name.givenName", UserSchema, "name.givenName"},
		{"name.givenName", "", "name.givenName"},
		{EnterpriseSchema, "", EnterpriseSchema},
	}
	for _, tt := range tests {
		if uri, rest := SplitURN(tt.in); uri != tt.uri || rest != tt.rest {
			t.Errorf("SplitURN(%q) = %q, %q; want %q, %q", tt.in, uri, rest, tt.uri, tt.rest)
		}
	}
}
