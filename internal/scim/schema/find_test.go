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
		{"sub-attribute", "", "name.givenName", "givenName", TypeString},
		{"sub-attribute in odd case", "", "NAME.familyname", "familyName", TypeString},
		{"multi-valued sub-attribute", "", "emails.value", "value", TypeString},
		{"multi-valued attribute", "", "Emails", "emails", TypeComplex},
		{"primary", "", "phoneNumbers.PRIMARY", "primary", TypeBoolean},
		{"binary", "", "x509Certificates.value", "value", TypeBinary},
		{"reference", "", "groups.$ref", "$ref", TypeReference},
		{"meta", "", "meta.lastModified", "lastModified", TypeDateTime},
		{"meta in odd case", "", "META.resourcetype", "resourceType", TypeString},
		{"meta location", "", "meta.location", "location", TypeReference},
		{"meta version", "", "meta.version", "version", TypeString},
		{"meta created", "", "meta.created", "created", TypeDateTime},
		{"enterprise", ent, "employeeNumber", "employeeNumber", TypeString},
		{"enterprise odd case", "urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:user", "DEPARTMENT", "department", TypeString},
		{"enterprise sub-attribute", ent, "Manager.$REF", "$ref", TypeReference},
		{"enterprise in path", "", ent + ":manager.value", "value", TypeString},
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
		{"unknown schema", "urn:ietf:params:scim:schemas:core:2.0:Group", "displayName", "", ""},
		{"core attribute in an extension", ent, "userName", "", ""},
		{"extension attribute in core", "", "cpr", "", ""},
		{"tilgang has no orgUnit at the top", tg, "orgUnit", "", ""},
		{"no masked CPR", tg, "cprMasked", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, ok := Find(tt.uri, tt.path)
			if ok != (tt.wantName != "") || a.Name != tt.wantName || a.Type != tt.wantType {
				t.Errorf("Find(%q, %q) = %q %q, %v; want %q %q", tt.uri, tt.path, a.Name, a.Type, ok, tt.wantName, tt.wantType)
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
}
