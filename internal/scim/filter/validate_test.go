package filter

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	fp "github.com/scim2/filter-parser/v2"

	"github.com/tilgang/tilgang/internal/scim/resource"
	"github.com/tilgang/tilgang/internal/scim/schema"
)

// validateUser validates e against the User resource type's schemas.
func validateUser(e Expression) error {
	u := schema.User()
	return Validate(e, u.Core(), u.Extensions()...)
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		filter string
		detail string // "" for valid
	}{
		{`active eq true`, ""},
		{`active pr`, ""},
		{`meta.lastModified gt "2026-01-01T00:00:00Z"`, ""},
		{`emails co "@x"`, ""},
		{`emails[value gt "a"]`, ""},
		{`active gt "a"`, "boolean attribute active"},
		{`name lt "a"`, "complex attribute name"},
		{`emails ge "a"`, "complex attribute emails"},
		{`emails[primary le "true"]`, "boolean attribute emails.primary"},
		{`x509Certificates[value gt "a"]`, "binary attribute"},
		{`x509Certificates.value lt "a"`, "binary attribute x509Certificates.value"},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager gt "a"`, "complex attribute urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"},
		{`urn:ietf:params:scim:schemas:extension:tilgang:2.0:User:canSign ge "a"`, "boolean attribute"},
		{`userName eq "x" and not (active gt "a")`, "operator gt"},
		// Attribute paths the schemas do not have (RFC 7644 §3.12).
		{`unknown gt "a"`, "no attribute unknown"},
		{`unknown eq "a"`, "no attribute unknown"},
		{`name.nope eq "a"`, "no attribute name.nope"},
		{`userName.value eq "a"`, "no attribute userName.value"},
		{`emails[nope eq "a"]`, "no attribute emails.nope"},
		{`missing[type eq "work"]`, "no attribute missing"},
		{`userName eq "x" or nope pr`, "no attribute nope"},
		{`urn:example:unknown:2.0:User:userName eq "x"`, "no attribute urn:example:unknown:2.0:User:userName"},
		{`urn:ietf:params:scim:schemas:extension:tilgang:2.0:User:level eq 1`, "no attribute"},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName eq "x"`, "no attribute"},
		{`employeeNumber eq "701984"`, "needs its schema URN: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"},
		{`cpr eq "0101901234"`, "needs its schema URN"},
		{`members[value eq "x"]`, "no attribute members"},
		// What the schemas have, in every shape the tests and the
		// identity providers use.
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`, ""},
		{`URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER eq 701984`, ""},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"`, ""},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "x"`, ""},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[displayName sw "john"]`, ""},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User pr`, ""},
		{`urn:ietf:params:scim:schemas:extension:tilgang:2.0:User pr`, ""},
		{`urn:ietf:params:scim:schemas:extension:tilgang:2.0:User:roles[role eq "admin" and orgUnit pr]`, ""},
		{`urn:ietf:params:scim:schemas:extension:tilgang:2.0:User:rights[value eq "sign"]`, ""},
		{`urn:ietf:params:scim:schemas:extension:tilgang:2.0:User:targetIal ge 3`, ""},
		{`schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, ""},
		{`EMAILS[TYPE EQ "WORK"]`, ""},
		{`emails[type eq "work"].value eq "x"`, ""},
		{`emails[type eq "work" or type eq "home"].value ew ".org"`, ""},
		{`emails[not (type eq "work") and primary eq true]`, ""},
		{`emails[type eq "work" and (value co "x" or primary eq true)]`, ""},
		{`name[givenName eq "barbara"]`, ""},
		{`roles[value eq "admin"]`, ""},
		{`roles eq "auditor"`, ""},
		{`groups.value eq "g1"`, ""},
		{`meta.version eq "W/\"3\""`, ""},
		{`meta.created le "2025-06-01T10:00:00+02:00"`, ""},
		{`id eq "x" or externalId eq "y"`, ""},
		{`not (not (active eq true))`, ""},
		{`displayName gt "babs"`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			t.Parallel()
			e, err := Parse(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			err = validateUser(e)
			if tc.detail == "" {
				if err != nil {
					t.Errorf("Validate: %v", err)
				}
				return
			}
			var se *resource.Error
			if !errors.As(err, &se) || se.ScimType != "invalidFilter" || !strings.Contains(se.Detail, tc.detail) {
				t.Errorf("Validate = %v, want invalidFilter mentioning %q", err, tc.detail)
			}
		})
	}
}

// TestValidateGroup checks the Group resource type's paths, which differ
// from User's: members.value, and displayName unique.
func TestValidateGroup(t *testing.T) {
	t.Parallel()
	g := schema.Group()
	tests := []struct {
		filter string
		ok     bool
	}{
		{`displayName eq "Engineering"`, true},
		{`members[value eq "902c246b"]`, true},
		{`members.value eq "902c246b"`, true},
		{`urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "x"`, true},
		{`id eq "x" and members[value eq "y"]`, true},
		{`userName eq "x"`, false},
		{`emails[type eq "work"]`, false},
		{`urn:ietf:params:scim:schemas:core:2.0:User:displayName eq "x"`, false},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			t.Parallel()
			e, err := Parse(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			if err := Validate(e, g.Core(), g.Extensions()...); (err == nil) != tc.ok {
				t.Errorf("Validate = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// TestValidateSeeds checks that every filter of the seed corpus that
// Entra ID, Okta and the RFC send is valid for the User or the Group
// resource type, as it names it, and the others are refused.
func TestValidateSeeds(t *testing.T) {
	t.Parallel()
	// Seeds that name attributes of neither resource type: they test the
	// parser, not the schemas.
	notAttributes := map[string]bool{"escapes": true, "nested": true, "numbers": true}
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParse", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no seeds: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			s := seed(t, f)
			e, err := Parse(s)
			if err != nil {
				return // seeds of parse errors
			}
			u, g := schema.User(), schema.Group()
			uerr := Validate(e, u.Core(), u.Extensions()...)
			gerr := Validate(e, g.Core(), g.Extensions()...)
			if ok := uerr == nil || gerr == nil; ok == notAttributes[filepath.Base(f)] {
				t.Errorf("Validate(%s): User %v, Group %v", s, uerr, gerr)
			}
		})
	}
}

// seed reads the string of a fuzz corpus file.
func seed(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	v := strings.TrimSuffix(strings.TrimPrefix(lines[len(lines)-1], "string("), ")")
	s, err := strconv.Unquote(v)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func TestValidateHandBuilt(t *testing.T) {
	t.Parallel()
	// Hand-built, since Parse already rejects these.
	e := &fp.AttributeExpression{AttributePath: fp.AttributePath{AttributeName: "active"}, Operator: "GE", CompareValue: false}
	if err := checkValues(e); err == nil {
		t.Error("checkValues(active GE false) = nil")
	}
	if err := validateUser(e); err == nil {
		t.Error("Validate(active GE false) = nil")
	}
	for _, e := range []Expression{nil, &fp.NotExpression{}, &fp.ValuePath{AttributePath: fp.AttributePath{AttributeName: "emails"}}} {
		if err := validateUser(e); err != nil {
			t.Errorf("Validate(%#v) = %v", e, err)
		}
	}
	if err := checkValues(nil); err != nil {
		t.Errorf("checkValues(nil) = %v", err)
	}
}
