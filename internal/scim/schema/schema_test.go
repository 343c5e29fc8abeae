package schema

import (
	"slices"
	"strings"
	"testing"

	scim "github.com/elimity-com/scim/schema"
)

const (
	coreURN       = "urn:ietf:params:scim:schemas:core:2.0:User"
	enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	tilgangURN    = "urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"
	groupURN      = "urn:ietf:params:scim:schemas:core:2.0:Group"
)

// views returns the views of the attributes of s.
func views(s scim.Schema) []Attribute {
	out := make([]Attribute, len(s.Attributes))
	for i, a := range s.Attributes {
		out[i] = view(a)
	}
	return out
}

// TestWellFormed checks every definition against the rules of RFC 7643
// §2 and §7, so that a slip in a definition, or a change in the library's,
// cannot reach a client.
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
		if a.Mutability == WriteOnly && a.Returned != ReturnedNever {
			t.Errorf("%s: writeOnly but returned %s", path, a.Returned)
		}
		checkNames(t, path, a.SubAttributes)
		for _, s := range a.SubAttributes {
			if a.Mutability == ReadOnly && s.Mutability != ReadOnly {
				t.Errorf("%s.%s: %s inside a readOnly attribute", path, s.Name, s.Mutability)
			}
			check(t, path+"."+s.Name, s, true)
		}
	}

	for _, s := range All() {
		t.Run(s.ID, func(t *testing.T) {
			t.Parallel()
			if s.ID == "" || s.Name.Value() == "" || s.Description.Value() == "" || len(s.Attributes) == 0 {
				t.Fatalf("schema %s is incomplete", s.ID)
			}
			attrs := views(s)
			checkNames(t, s.ID, attrs)
			for _, a := range attrs {
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

func schemaIDs(schemas []scim.Schema) []string {
	var ids []string
	for _, s := range schemas {
		ids = append(ids, s.ID)
	}
	return ids
}

func TestSchemasOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		served []*Resource
		want   []string
	}{
		{"all", nil, []string{coreURN, enterpriseURN, tilgangURN, groupURN}},
		{"User", []*Resource{User()}, []string{coreURN, enterpriseURN, tilgangURN}},
		{"Group", []*Resource{Group()}, []string{groupURN}},
		{"Group, User", []*Resource{Group(), User()}, []string{groupURN, coreURN, enterpriseURN, tilgangURN}},
		{"User twice", []*Resource{User(), User()}, []string{coreURN, enterpriseURN, tilgangURN}},
		{"nothing", []*Resource{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := All()
			if tt.served != nil {
				got = Schemas(tt.served...)
			}
			if ids := schemaIDs(got); !slices.Equal(ids, tt.want) {
				t.Errorf("schemas = %v, want %v", ids, tt.want)
			}
		})
	}
}

func TestResourceTypeSchemas(t *testing.T) {
	t.Parallel()
	u, g := User(), Group()
	if u.Name() != "User" || u.Endpoint() != "/Users" || u.Core().ID != coreURN ||
		!slices.Equal(schemaIDs(u.Extensions()), []string{enterpriseURN, tilgangURN}) {
		t.Errorf("User = %s %s %s %v", u.Name(), u.Endpoint(), u.Core().ID, schemaIDs(u.Extensions()))
	}
	if g.Name() != "Group" || g.Endpoint() != "/Groups" || g.Core().ID != groupURN || len(g.Extensions()) != 0 {
		t.Errorf("Group = %s %s %s %v", g.Name(), g.Endpoint(), g.Core().ID, schemaIDs(g.Extensions()))
	}
}

func TestByID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id     string
		served []*Resource
		want   string
		ok     bool
	}{
		{coreURN, []*Resource{User()}, "User", true},
		{"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER", []*Resource{User()}, "EnterpriseUser", true},
		{"urn:ietf:params:scim:schemas:extension:tilgang:2.0:user", []*Resource{User()}, "TilgangUser", true},
		{groupURN, []*Resource{User()}, "", false},
		{groupURN, []*Resource{User(), Group()}, "Group", true},
		{coreURN, []*Resource{Group()}, "", false},
		{coreURN, nil, "", false},
		{"", []*Resource{User(), Group()}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			s, ok := ByID(tt.id, tt.served...)
			if ok != tt.ok || s.Name.Value() != tt.want {
				t.Errorf("ByID(%q) = %q, %v; want %q, %v", tt.id, s.Name.Value(), ok, tt.want, tt.ok)
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
		walk("", views(s))
	}

	a, ok := Find(tilgangURN, "cpr")
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

// TestAttributeRules pins the characteristics tilgang relies on, the
// RFC's and tilgang's own, whether the library or tilgang sets them.
func TestAttributeRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		res        *Resource
		uri, path  string
		mutability string
		returned   string
		uniqueness string
		required   bool
		caseExact  bool
		multi      bool
	}{
		{User(), coreURN, "id", ReadOnly, ReturnedAlways, UniqueServer, false, true, false},
		{User(), coreURN, "externalId", ReadWrite, ReturnedDefault, UniqueServer, false, true, false},
		{User(), coreURN, "userName", ReadWrite, ReturnedDefault, UniqueServer, true, false, false},
		{User(), coreURN, "password", WriteOnly, ReturnedNever, UniqueNone, false, false, false},
		{User(), coreURN, "active", ReadWrite, ReturnedDefault, UniqueNone, false, false, false},
		{User(), coreURN, "emails", ReadWrite, ReturnedDefault, UniqueNone, false, false, true},
		{User(), coreURN, "groups", ReadOnly, ReturnedRequest, UniqueNone, false, false, true},
		{User(), coreURN, "groups.value", ReadOnly, ReturnedDefault, UniqueNone, false, false, false},
		{User(), coreURN, "meta.version", ReadOnly, ReturnedDefault, UniqueNone, false, true, false},
		{User(), enterpriseURN, "manager.displayName", ReadOnly, ReturnedDefault, UniqueNone, false, false, false},
		{User(), tilgangURN, "cpr", WriteOnly, ReturnedNever, UniqueServer, false, true, false},
		{User(), tilgangURN, "anonymous", Immutable, ReturnedDefault, UniqueNone, false, false, false},
		{User(), tilgangURN, "status", ReadOnly, ReturnedDefault, UniqueNone, false, true, false},
		{User(), tilgangURN, "deactivation", ReadOnly, ReturnedDefault, UniqueNone, false, false, false},
		{User(), tilgangURN, "deactivation.to", ReadOnly, ReturnedDefault, UniqueNone, false, false, false},
		{User(), tilgangURN, "roles", ReadOnly, ReturnedDefault, UniqueNone, false, false, true},
		{User(), tilgangURN, "roles.role", ReadOnly, ReturnedDefault, UniqueNone, true, false, false},
		{User(), tilgangURN, "authenticators", ReadWrite, ReturnedDefault, UniqueNone, false, false, true},
		{User(), tilgangURN, "rights", ReadOnly, ReturnedDefault, UniqueNone, false, false, true},
		{User(), tilgangURN, "sealProfiles", ReadOnly, ReturnedDefault, UniqueNone, false, false, true},
		{User(), tilgangURN, "targetIal", ReadWrite, ReturnedDefault, UniqueNone, false, false, false},
		{Group(), groupURN, "displayName", ReadWrite, ReturnedDefault, UniqueServer, true, false, false},
		{Group(), groupURN, "externalId", ReadWrite, ReturnedDefault, UniqueNone, false, true, false},
		{Group(), groupURN, "id", ReadOnly, ReturnedAlways, UniqueServer, false, true, false},
		{Group(), groupURN, "members", ReadWrite, ReturnedDefault, UniqueNone, false, false, true},
		{Group(), groupURN, "members.value", Immutable, ReturnedDefault, UniqueNone, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.uri+":"+tt.path, func(t *testing.T) {
			t.Parallel()
			a, ok := tt.res.Find(tt.uri, tt.path)
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

// TestDescriptions checks that the descriptions say what tilgang does
// where it does more than the RFC.
func TestDescriptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		res       *Resource
		uri, path string
		want      string
	}{
		{User(), coreURN, "userName", "unique in the organisation"},
		{User(), coreURN, "externalId", "unique in the organisation when set"},
		{User(), coreURN, "active", "deactivation"},
		{User(), coreURN, "password", "never stored"},
		{User(), coreURN, "groups", "Group resource"},
		{User(), tilgangURN, "cpr", "never returned"},
		{Group(), groupURN, "displayName", "unique in the organisation"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			a, _ := tt.res.Find(tt.uri, tt.path)
			if !strings.Contains(a.Description, tt.want) {
				t.Errorf("%s description %q does not say %q", tt.path, a.Description, tt.want)
			}
		})
	}
}

func TestCanonicalValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		res       *Resource
		uri, path string
		want      []string
	}{
		{User(), coreURN, "emails.type", []string{"work", "home", "other"}},
		{User(), coreURN, "phoneNumbers.type", []string{"work", "home", "mobile", "fax", "pager", "other"}},
		{User(), coreURN, "addresses.type", []string{"work", "home", "other"}},
		{User(), coreURN, "groups.type", []string{"direct", "indirect"}},
		{User(), tilgangURN, "targetIal", []string{"3", "4"}},
		{User(), tilgangURN, "loginMeans", []string{"PrivatID"}},
		{User(), tilgangURN, "kind", []string{"employee", "external"}},
		{User(), tilgangURN, "status", []string{"imported", "pending_activation", "active", "awaiting_approval", "deactivated"}},
		{Group(), groupURN, "members.type", []string{"User", "Group"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			a, ok := tt.res.Find(tt.uri, tt.path)
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
	for _, r := range []*Resource{User(), Group()} {
		m, ok := r.Find("", "meta")
		if !ok {
			t.Fatalf("%s: the core schema has no meta attribute", r.Name())
		}
		if m.Type != TypeComplex || m.Mutability != ReadOnly {
			t.Errorf("%s: meta = %s %s, want a readOnly complex", r.Name(), m.Type, m.Mutability)
		}
		var names []string
		for _, s := range m.SubAttributes {
			names = append(names, s.Name)
			if s.Mutability != ReadOnly {
				t.Errorf("%s: meta.%s is %s, want readOnly", r.Name(), s.Name, s.Mutability)
			}
		}
		want := []string{"resourceType", "created", "lastModified", "location", "version"}
		if !slices.Equal(names, want) {
			t.Errorf("%s: meta sub-attributes = %v, want %v", r.Name(), names, want)
		}
	}
}
