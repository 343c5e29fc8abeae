package schema

import (
	"slices"
	"strings"
	"testing"
)

// TestWellFormed checks every definition against the rules of RFC 7643
// §2 and §7, so that a typo in a table cannot reach a client.
func TestWellFormed(t *testing.T) {
	t.Parallel()
	types := []string{TypeString, TypeBoolean, TypeDecimal, TypeInteger, TypeDateTime, TypeReference, TypeComplex, TypeBinary}
	mutability := []string{ReadOnly, ReadWrite, Immutable, WriteOnly}
	returned := []string{ReturnedAlways, ReturnedNever, ReturnedDefault, ReturnedRequest}
	uniqueness := []string{UniqueNone, UniqueServer, UniqueGlobal}

	var check func(t *testing.T, path string, a Attribute, sub bool)
	check = func(t *testing.T, path string, a Attribute, sub bool) {
		if a.Name == "" || a.Description == "" {
			t.Errorf("%s: name %q, description %q: both are needed", path, a.Name, a.Description)
		}
		if !slices.Contains(types, a.Type) {
			t.Errorf("%s: type %q", path, a.Type)
		}
		if !slices.Contains(mutability, a.Mutability) {
			t.Errorf("%s: mutability %q", path, a.Mutability)
		}
		if !slices.Contains(returned, a.Returned) {
			t.Errorf("%s: returned %q", path, a.Returned)
		}
		if !slices.Contains(uniqueness, a.Uniqueness) {
			t.Errorf("%s: uniqueness %q", path, a.Uniqueness)
		}
		if (a.Type == TypeComplex) != (len(a.SubAttributes) > 0) {
			t.Errorf("%s: type %s with %d sub-attributes", path, a.Type, len(a.SubAttributes))
		}
		if sub && a.Type == TypeComplex {
			t.Errorf("%s: a sub-attribute cannot be complex", path)
		}
		if (a.Type == TypeReference) != (len(a.ReferenceTypes) > 0) {
			t.Errorf("%s: type %s with reference types %v", path, a.Type, a.ReferenceTypes)
		}
		checkNames(t, path, a.SubAttributes)
		for _, s := range a.SubAttributes {
			check(t, path+"."+s.Name, s, true)
		}
	}

	for _, s := range All() {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			if s.ID == "" || s.Name == "" || len(s.Attributes) == 0 {
				t.Fatalf("schema %+v is incomplete", s)
			}
			checkNames(t, s.ID, s.Attributes)
			for _, a := range s.Attributes {
				check(t, a.Name, a, false)
			}
		})
	}
}

// checkNames reports names that clash, since names match case-insensitively.
func checkNames(t *testing.T, path string, attrs []Attribute) {
	t.Helper()
	seen := map[string]bool{}
	for _, a := range attrs {
		k := strings.ToLower(a.Name)
		if seen[k] {
			t.Errorf("%s: attribute %q is defined twice", path, a.Name)
		}
		seen[k] = true
	}
}

func TestAllOrder(t *testing.T) {
	t.Parallel()
	var got []string
	for _, s := range All() {
		got = append(got, s.ID)
	}
	want := []string{
		"urn:ietf:params:scim:schemas:core:2.0:User",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
		"urn:ietf:params:scim:schemas:extension:tilgang:2.0:User",
	}
	if !slices.Equal(got, want) {
		t.Errorf("All() = %v, want %v", got, want)
	}
}

func TestByID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		want string
		ok   bool
	}{
		{"urn:ietf:params:scim:schemas:core:2.0:User", "User", true},
		{"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER", "EnterpriseUser", true},
		{"urn:ietf:params:scim:schemas:extension:tilgang:2.0:user", "TilgangUser", true},
		{"urn:ietf:params:scim:schemas:core:2.0:Group", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			s, ok := ByID(tt.id)
			if ok != tt.ok || s.Name != tt.want {
				t.Errorf("ByID(%q) = %q, %v; want %q, %v", tt.id, s.Name, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestCPRNeverReadable guards SPEC §4: the CPR number can be written but
// never read over SCIM, not even masked.
func TestCPRNeverReadable(t *testing.T) {
	t.Parallel()
	for _, s := range All() {
		var walk func(path string, attrs []Attribute)
		walk = func(path string, attrs []Attribute) {
			for _, a := range attrs {
				p := path + a.Name
				name := strings.ToLower(a.Name)
				if strings.Contains(name, "mask") {
					t.Errorf("%s: %s exposes a masked value", s.ID, p)
				}
				// A prefix, not a substring: "honorificPrefix" holds "cpr".
				if strings.HasPrefix(name, "cpr") && (a.Mutability != WriteOnly || a.Returned != ReturnedNever) {
					t.Errorf("%s: %s is %s, returned %s; want writeOnly, never", s.ID, p, a.Mutability, a.Returned)
				}
				walk(p+".", a.SubAttributes)
			}
		}
		walk("", s.Attributes)
	}

	a, ok := Find(Tilgang().ID, "cpr")
	if !ok {
		t.Fatal("the tilgang extension has no cpr attribute")
	}
	if a.Mutability != WriteOnly || a.Returned != ReturnedNever || a.Type != TypeString {
		t.Errorf("cpr = %+v; want a writeOnly string returned never", a)
	}
	if !strings.Contains(a.Description, "DDMMYYSSSS") {
		t.Errorf("cpr description %q does not give the format", a.Description)
	}
}

func TestAttributeRules(t *testing.T) {
	t.Parallel()
	core, ent, tg := User().ID, Enterprise().ID, Tilgang().ID
	tests := []struct {
		uri, path  string
		mutability string
		returned   string
		uniqueness string
		required   bool
		caseExact  bool
		multi      bool
	}{
		{core, "id", ReadOnly, ReturnedAlways, UniqueServer, false, true, false},
		{core, "externalId", ReadWrite, ReturnedDefault, UniqueServer, false, true, false},
		{core, "userName", ReadWrite, ReturnedDefault, UniqueServer, true, false, false},
		{core, "password", WriteOnly, ReturnedNever, UniqueNone, false, false, false},
		{core, "emails", ReadWrite, ReturnedDefault, UniqueNone, false, false, true},
		{core, "groups", ReadOnly, ReturnedDefault, UniqueNone, false, false, true},
		{core, "groups.value", ReadOnly, ReturnedDefault, UniqueNone, false, false, false},
		{ent, "manager.displayName", ReadOnly, ReturnedDefault, UniqueNone, false, false, false},
		{tg, "anonymous", Immutable, ReturnedDefault, UniqueNone, false, false, false},
		{tg, "status", ReadOnly, ReturnedDefault, UniqueNone, false, true, false},
		{tg, "deactivation", ReadOnly, ReturnedDefault, UniqueNone, false, false, false},
		{tg, "deactivation.to", ReadOnly, ReturnedDefault, UniqueNone, false, false, false},
		{tg, "roles", ReadWrite, ReturnedDefault, UniqueNone, false, false, true},
		{tg, "roles.role", ReadWrite, ReturnedDefault, UniqueNone, true, false, false},
		{tg, "authenticators", ReadWrite, ReturnedDefault, UniqueNone, false, false, true},
		{tg, "rights", ReadWrite, ReturnedDefault, UniqueNone, false, false, true},
		{tg, "sealProfiles", ReadWrite, ReturnedDefault, UniqueNone, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			a, ok := Find(tt.uri, tt.path)
			if !ok {
				t.Fatalf("Find(%q, %q) found nothing", tt.uri, tt.path)
			}
			if a.Mutability != tt.mutability || a.Returned != tt.returned || a.Uniqueness != tt.uniqueness ||
				a.Required != tt.required || a.CaseExact != tt.caseExact || a.MultiValued != tt.multi {
				t.Errorf("%s = %+v\nwant mutability %s, returned %s, uniqueness %s, required %v, caseExact %v, multiValued %v",
					tt.path, a, tt.mutability, tt.returned, tt.uniqueness, tt.required, tt.caseExact, tt.multi)
			}
		})
	}
}

func TestCanonicalValues(t *testing.T) {
	t.Parallel()
	core, tg := User().ID, Tilgang().ID
	tests := []struct {
		uri, path string
		want      []string
	}{
		{core, "emails.type", []string{"work", "home", "other"}},
		{core, "phoneNumbers.type", []string{"work", "home", "mobile", "fax", "pager", "other"}},
		{core, "addresses.type", []string{"work", "home", "other"}},
		{core, "groups.type", []string{"direct", "indirect"}},
		{tg, "targetIal", []string{"3", "4"}},
		{tg, "loginMeans", []string{"PrivatID"}},
		{tg, "kind", []string{"employee", "external"}},
		{tg, "status", []string{"imported", "pending_activation", "active", "awaiting_approval", "deactivated"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			a, ok := Find(tt.uri, tt.path)
			if !ok {
				t.Fatalf("Find(%q, %q) found nothing", tt.uri, tt.path)
			}
			if !slices.Equal(a.CanonicalValues, tt.want) {
				t.Errorf("%s canonical values = %v, want %v", tt.path, a.CanonicalValues, tt.want)
			}
		})
	}
}

func TestMetaReadOnly(t *testing.T) {
	t.Parallel()
	m, ok := Find("", "meta")
	if !ok {
		t.Fatal("the core schema has no meta attribute")
	}
	if m.Type != TypeComplex || m.Mutability != ReadOnly {
		t.Errorf("meta = %s %s, want a readOnly complex", m.Type, m.Mutability)
	}
	var names []string
	for _, s := range m.SubAttributes {
		names = append(names, s.Name)
		if s.Mutability != ReadOnly {
			t.Errorf("meta.%s is %s, want readOnly", s.Name, s.Mutability)
		}
	}
	want := []string{"resourceType", "created", "lastModified", "location", "version"}
	if !slices.Equal(names, want) {
		t.Errorf("meta sub-attributes = %v, want %v", names, want)
	}
}
