package schema

import "testing"

func TestFind(t *testing.T) {
	t.Parallel()
	const (
		core = "urn:ietf:params:scim:schemas:core:2.0:User"
		ent  = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
		tg   = "urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"
	)
	tests := []struct {
		name      string
		uri, path string
		wantName  string // "" when nothing is found
		wantType  string
	}{
		{"core attribute", "", "userName", "userName", TypeString},
		{"odd case", "", "USERNAME", "userName", TypeString},
		{"core URN", core, "displayName", "displayName", TypeString},
		{"core URN in odd case", "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER", "active", "active", TypeBoolean},
		{"core URN in path", "", core + ":name.givenName", "givenName", TypeString},
		{"sub-attribute", "", "name.givenName", "givenName", TypeString},
		{"sub-attribute in odd case", "", "NAME.familyname", "familyName", TypeString},
		{"multi-valued sub-attribute", "", "emails.value", "value", TypeString},
		{"multi-valued attribute", "", "Emails", "emails", TypeComplex},
		{"primary", "", "phoneNumbers.PRIMARY", "primary", TypeBoolean},
		{"binary", "", "x509Certificates.value", "value", TypeBinary},
		{"reference", "", "groups.$ref", "$ref", TypeReference},
		{"id", "", "id", "id", TypeString},
		{"externalId", "", "EXTERNALID", "externalId", TypeString},
		{"meta", "", "meta.lastModified", "lastModified", TypeDateTime},
		{"meta in odd case", "", "META.resourcetype", "resourceType", TypeString},
		{"meta location", "", "meta.location", "location", TypeReference},
		{"meta version", "", "meta.version", "version", TypeString},
		{"meta created", "", "meta.created", "created", TypeDateTime},
		{"enterprise", ent, "employeeNumber", "employeeNumber", TypeString},
		{"enterprise odd case", "urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:user", "DEPARTMENT", "department", TypeString},
		{"enterprise sub-attribute", ent, "Manager.$REF", "$ref", TypeReference},
		{"enterprise in path", "", ent + ":manager.value", "value", TypeString},
		{"enterprise in path, odd case", "", "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:costCenter", "costCenter", TypeString},
		{"tilgang", tg, "cpr", "cpr", TypeString},
		{"tilgang odd case", tg, "TARGETial", "targetIal", TypeInteger},
		{"tilgang roles", tg, "roles.ORGUNIT", "orgUnit", TypeString},
		{"tilgang deactivation", tg, "deactivation.from", "from", TypeString},
		{"tilgang in path", "", tg + ":canSign", "canSign", TypeBoolean},
		{"core roles differ from tilgang roles", "", "roles.value", "value", TypeString},
		{"unknown attribute", "", "nope", "", ""},
		{"unknown sub-attribute", "", "name.nope", "", ""},
		{"sub-attribute of a simple attribute", "", "userName.value", "", ""},
		{"too deep", "", "name.givenName.x", "", ""},
		{"empty path", "", "", "", ""},
		{"schemas is no attribute of a schema", "", "schemas", "", ""},
		{"unknown schema", "urn:ietf:params:scim:schemas:core:2.0:Group", "displayName", "", ""},
		{"Group attribute", "", "members.value", "", ""},
		{"core attribute in an extension", ent, "userName", "", ""},
		{"extension attribute in core", "", "cpr", "", ""},
		{"URN without attribute", "", ent + ":", "", ""},
		{"tilgang has no orgUnit at the top", tg, "orgUnit", "", ""},
		{"no masked CPR", tg, "cprMasked", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, find := range []func(uri, path string) (Attribute, bool){Find, User().Find} {
				a, ok := find(tt.uri, tt.path)
				if ok != (tt.wantName != "") || a.Name != tt.wantName || a.Type != tt.wantType {
					t.Errorf("Find(%q, %q) = %q %q, %v; want %q %q", tt.uri, tt.path, a.Name, a.Type, ok, tt.wantName, tt.wantType)
				}
			}
		})
	}
}

// TestFindGroup checks the paths of the Group resource type, which differ
// from User's.
func TestFindGroup(t *testing.T) {
	t.Parallel()
	const core = "urn:ietf:params:scim:schemas:core:2.0:Group"
	tests := []struct {
		uri, path string
		wantName  string // "" when nothing is found
		wantType  string
	}{
		{"", "displayName", "displayName", TypeString},
		{core, "DISPLAYNAME", "displayName", TypeString},
		{"", core + ":members.value", "value", TypeString},
		{"", "members", "members", TypeComplex},
		{"", "members.$ref", "$ref", TypeReference},
		{"", "members.type", "type", TypeString},
		{"", "id", "id", TypeString},
		{"", "externalId", "externalId", TypeString},
		{"", "meta.lastModified", "lastModified", TypeDateTime},
		{"", "userName", "", ""},
		{"urn:ietf:params:scim:schemas:core:2.0:User", "displayName", "", ""},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "department", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.uri+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			a, ok := Group().Find(tt.uri, tt.path)
			if ok != (tt.wantName != "") || a.Name != tt.wantName || a.Type != tt.wantType {
				t.Errorf("Group().Find(%q, %q) = %q %q, %v; want %q %q", tt.uri, tt.path, a.Name, a.Type, ok, tt.wantName, tt.wantType)
			}
		})
	}
}

// TestFindCopies checks that a caller changing a found definition does not
// change the shared tables.
func TestFindCopies(t *testing.T) {
	t.Parallel()
	a, _ := Find("", "emails")
	a.SubAttributes[2].CanonicalValues[0] = "changed"
	a.SubAttributes[0].Mutability = ReadOnly

	b, _ := Find("", "emails.type")
	if b.CanonicalValues[0] != "work" {
		t.Errorf("emails.type canonical values = %v after a caller's change", b.CanonicalValues)
	}
	if v, _ := Find("", "emails.value"); v.Mutability != ReadWrite {
		t.Errorf("emails.value is %s after a caller's change", v.Mutability)
	}
	if e, _ := Find("", "emails"); e.SubAttributes[2].CanonicalValues[0] != "work" {
		t.Errorf("emails.type canonical values = %v after a caller's change", e.SubAttributes[2].CanonicalValues)
	}
}

// TestFindAllocations guards the reason for the tables: Find runs for every
// attribute of every filter and PATCH, and must not build schemas.
func TestFindAllocations(t *testing.T) {
	User() // built once, before counting
	for _, path := range []string{"userName", "active", "meta.lastModified", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"} {
		if n := testing.AllocsPerRun(100, func() { Find("", path) }); n > 0 {
			t.Errorf("Find(%q) allocates %v times", path, n)
		}
	}
}

// TestResourcesShared checks that User and Group build their tables once.
func TestResourcesShared(t *testing.T) {
	t.Parallel()
	u1, u2, g1, g2 := User(), User(), Group(), Group()
	if u1 != u2 || g1 != g2 || u1 == g1 {
		t.Error("resource types are not built once each")
	}
}
