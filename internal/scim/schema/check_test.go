package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	scim "github.com/elimity-com/scim/schema"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

// decodeBody decodes a request body as internal/scim does: UseNumber.
func decodeBody(t testing.TB, s string) resource.Resource {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var r resource.Resource
	if err := d.Decode(&r); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return r
}

// TestCheckFixtures checks whole bodies as the RFC and identity providers
// write them: all are good.
func TestCheckFixtures(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "check", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := Check(decodeBody(t, string(b)), User()); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	const (
		ent = `"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
		tg  = `"urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"`
	)
	tests := []struct {
		name     string
		body     string
		scimType string // "" for good
		detail   string
	}{
		{"minimal", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "x"}`, "", ""},
		{"empty", `{}`, "", ""},
		{"required userName is the rulebook's", `{"name": {"givenName": "x"}}`, "", ""},
		{"nulls", `{"userName": null, "name": null, "emails": null, ` + ent + `: null}`, "", ""},
		{"null sub-attribute", `{"name": {"givenName": null}}`, "", ""},
		{"attribute names in any case", `{"USERNAME": "x", "Name": {"GIVENNAME": "y"}, "ACTIVE": false}`, "", ""},
		{"extension URN in any case", `{"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:TILGANG:2.0:USER": {"canSign": true}}`, "", ""},

		// The library's type checks, with the attribute named.
		{"boolean for a string", `{"userName": true}`, "invalidValue", "userName: must be a string"},
		{"object for a string", `{"userName": {"value": "x"}}`, "invalidValue", "userName: must be a string"},
		{"array for a string", `{"displayName": ["x"]}`, "invalidValue", "displayName: must be a string"},
		{"string for a boolean", `{"active": "maybe"}`, "invalidValue", "active: must be true or false"},
		{"number for a boolean", `{"active": 1}`, "invalidValue", "active: must be true or false"},
		{"string for a complex", `{"name": "Anna Hansen"}`, "invalidValue", "name: must be an object"},
		{"sub-attribute", `{"name": {"givenName": false}}`, "invalidValue", "name.givenName: must be a string"},
		{"single value for multi-valued", `{"emails": {"value": "a@x.dk"}}`, "invalidValue", "emails: must be an array"},
		{"string element of complex multi-valued", `{"emails": ["a@x.dk"]}`, "invalidValue", "emails[0]: must be an object"},
		{"element sub-attribute", `{"emails": [{"value": "a@x.dk"}, {"value": "b@x.dk", "primary": "yes"}]}`, "invalidValue", "emails[1].primary: must be true or false"},
		{"bad base64", `{"x509Certificates": [{"value": "not base64!"}]}`, "invalidValue", "x509Certificates[0].value: must be a base64-encoded string"},
		{"base64 of the wrong length", `{"x509Certificates": [{"value": "QUJD="}]}`, "invalidValue", "x509Certificates[0].value"},
		{"number for a reference", `{"profileUrl": 7}`, "invalidValue", "profileUrl: must be a string holding a URI"},
		{"schemas not an array", `{"schemas": "urn:ietf:params:scim:schemas:core:2.0:User"}`, "invalidValue", "schemas: must be an array"},
		{"extension not an object", `{` + ent + `: "IT"}`, "invalidValue", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User: must be an object"},
		{"extension attribute", `{` + ent + `: {"department": ["IT"]}}`, "invalidValue", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department: must be a string"},
		{"manager of the wrong type", `{` + ent + `: {"manager": 42}}`, "invalidValue", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager: must be an object"},
		{"manager value", `{` + ent + `: {"manager": {"value": true}}}`, "invalidValue", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value: must be a string"},
		{"integer with a fraction", `{` + tg + `: {"targetIal": 3.5}}`, "invalidValue", "urn:ietf:params:scim:schemas:extension:tilgang:2.0:User:targetIal: must be a whole number"},
		{"integer as a word", `{` + tg + `: {"targetIal": "three"}}`, "invalidValue", "targetIal: must be a whole number"},
		{"integer as an empty string", `{` + tg + `: {"targetIal": ""}}`, "invalidValue", "targetIal: must be a whole number"},
		{"boolean in the extension", `{` + tg + `: {"anonymous": "sometimes"}}`, "invalidValue", "anonymous: must be true or false"},
		{"immutable is checked", `{` + tg + `: {"anonymous": "no"}}`, "invalidValue", "anonymous: must be true or false"},
		{"writeOnly is checked", `{` + tg + `: {"cpr": {"value": "0101901234"}}}`, "invalidValue", "cpr: must be a string"},
		{"simple multi-valued", `{` + tg + `: {"authenticators": "app"}}`, "invalidValue", "authenticators: must be an array"},
		{"simple multi-valued element", `{` + tg + `: {"authenticators": ["app", {"x": 1}]}}`, "invalidValue", "authenticators[1]: must be a string"},
		// RFC 7643 §2.2: a readOnly attribute in a request is ignored, so
		// its value is not judged either (roles come from groupRoles).
		{"read-only tilgang roles", `{` + tg + `: {"roles": [{"role": 1.5e3, "orgUnit": false}], "rights": "sign", "canSign": "sometimes"}}`, "", ""},
		{"given twice", `{"userName": "a", "USERNAME": "b"}`, "invalidSyntax", "userName: given twice"},
		{"given twice in other spellings", `{"Username": "a", "USERNAME": "b"}`, "invalidSyntax", "userName: given twice"},
		{"sub-attribute given twice", `{"name": {"givenName": "a", "givenname": "b"}}`, "invalidSyntax", "name.givenName: given twice"},

		// What Check leaves alone.
		{"readOnly values are ignored (RFC 7644 §3.5.1)", `{"id": 5, "meta": {"created": "yesterday"}, "groups": "all of them", ` + tg + `: {"status": 1, "deactivation": "now"}}`, "", ""},
		{"readOnly sub-attribute", `{` + ent + `: {"manager": {"value": "m", "displayName": 7}}}`, "", ""},
		{"unknown attributes", `{"loginCount": {"x": [1]}, "urn:example:x": 5, "name": {"nick": true}}`, "", ""},
		{"canonical values are suggestions", `{"emails": [{"value": "a@x.dk", "type": "pigeon"}]}`, "", ""},
		{"empty array", `{"emails": [], ` + tg + `: {"rights": []}}`, "", ""},

		// Identity providers' dialects, as tilgang's mapping reads them.
		{"Entra ID booleans", `{"active": "False", "emails": [{"value": "a@x.dk", "primary": "True"}]}`, "", ""},
		{"booleans in any case, with space", `{"active": " TRUE ", ` + tg + `: {"canSign": "f", "anonymous": "1"}}`, "", ""},
		{"number for a string", `{"userName": 12345, ` + ent + `: {"employeeNumber": 701984}}`, "", ""},
		{"integer as a string", `{` + tg + `: {"targetIal": " 4 "}}`, "", ""},
		{"Entra ID manager as a bare id", `{` + ent + `: {"manager": "26118915"}}`, "", ""},
		{"Okta password as an object", `{"password": {"value": "hunter2"}}`, "", ""},
		{"password as a number", `{"password": 1234}`, "", ""},
		{"a bare value for another complex attribute", `{"name": "x"}`, "invalidValue", "name: must be an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Check(decodeBody(t, tt.body), User())
			if tt.scimType == "" {
				if err != nil {
					t.Errorf("Check(%s) = %v", tt.body, err)
				}
				return
			}
			var re *resource.Error
			if !errors.As(err, &re) || string(re.ScimType) != tt.scimType || !strings.Contains(re.Detail, tt.detail) {
				t.Errorf("Check(%s) = %v; want %s mentioning %q", tt.body, err, tt.scimType, tt.detail)
			}
		})
	}
}

// TestCheckGroup checks a Group body against the Group resource type.
func TestCheckGroup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body   string
		detail string // "" for good
	}{
		{`{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineering", "members": [{"value": "u1", "display": "Anna"}]}`, ""},
		{`{"displayName": "Engineering", "members": []}`, ""},
		{`{"displayName": false}`, "displayName: must be a string"},
		{`{"members": {"value": "u1"}}`, "members: must be an array"},
		{`{"members": [{"value": {"id": "u1"}}]}`, "members[0].value: must be a string"},
		{`{"members": [{"value": "u1", "$ref": 5}]}`, "members[0].$ref: must be a string holding a URI"},
		// A User's attributes are unknown to Group, so ignored.
		{`{"displayName": "x", "active": "maybe", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": 5}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			t.Parallel()
			err := Check(decodeBody(t, tt.body), Group())
			if tt.detail == "" {
				if err != nil {
					t.Errorf("Check = %v", err)
				}
				return
			}
			var re *resource.Error
			if !errors.As(err, &re) || re.ScimType != "invalidValue" || !strings.Contains(re.Detail, tt.detail) {
				t.Errorf("Check = %v; want invalidValue mentioning %q", err, tt.detail)
			}
		})
	}
}

// TestCheckTypes covers the types tilgang's schemas have no writable
// attribute of (dateTime, decimal) with a resource type made for the test.
func TestCheckTypes(t *testing.T) {
	t.Parallel()
	r := newResource("Test", "/Tests", "test", scim.Schema{
		ID: "urn:example:test",
		Attributes: scim.Attributes{
			scim.SimpleCoreAttribute(scim.SimpleDateTimeParams(scim.DateTimeParams{Name: "when"})),
			scim.SimpleCoreAttribute(scim.SimpleNumberParams(scim.NumberParams{Name: "score", Type: scim.AttributeTypeDecimal()})),
			scim.SimpleCoreAttribute(scim.SimpleDateTimeParams(scim.DateTimeParams{Name: "times", MultiValued: true})),
		},
	})
	tests := []struct {
		body   string
		detail string // "" for good
	}{
		{`{"when": "2026-01-31T12:00:00Z", "score": 4.5, "times": ["2026-01-31T12:00:00+01:00"]}`, ""},
		{`{"when": "2026-01-31T12:00:00.123456Z", "score": -1e3}`, ""},
		{`{"when": "yesterday"}`, "when: must be a date and time"},
		{`{"when": "2026-13-01T00:00:00Z"}`, "when: must be a date and time"},
		{`{"when": 1767225600}`, "when: must be a date and time"},
		{`{"score": "4.5"}`, "score: must be a number"},
		{`{"score": true}`, "score: must be a number"},
		{`{"times": ["2026-01-31T12:00:00Z", "soon"]}`, "times[1]: must be a date and time"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			t.Parallel()
			err := Check(decodeBody(t, tt.body), r)
			if tt.detail == "" {
				if err != nil {
					t.Errorf("Check = %v", err)
				}
				return
			}
			var re *resource.Error
			if !errors.As(err, &re) || re.ScimType != "invalidValue" || !strings.Contains(re.Detail, tt.detail) {
				t.Errorf("Check = %v; want invalidValue mentioning %q", err, tt.detail)
			}
		})
	}
}

// TestCheckLeavesResource checks that Check reads the resource and never
// writes it: the lenient values stay as the client sent them, for the
// mapping to read.
func TestCheckLeavesResource(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("testdata", "check", "entra_create.json"))
	if err != nil {
		t.Fatal(err)
	}
	res := decodeBody(t, string(b))
	before, _ := json.Marshal(res)
	if err := Check(res, User()); err != nil {
		t.Fatal(err)
	}
	if after, _ := json.Marshal(res); !bytes.Equal(before, after) {
		t.Errorf("Check changed the resource:\n%s\n%s", before, after)
	}
}

// FuzzCheck feeds Check any JSON object: it must not panic, and an error
// must be a *resource.Error of invalidValue or invalidSyntax.
func FuzzCheck(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "check", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add(`{"emails": [{"primary": "True"}], "x509Certificates": [{"value": "QUJD"}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		var res resource.Resource
		if d.Decode(&res) != nil || res == nil {
			return
		}
		for _, r := range []*Resource{User(), Group()} {
			err := Check(res, r)
			if err == nil {
				continue
			}
			var re *resource.Error
			if !errors.As(err, &re) || (re.ScimType != "invalidValue" && re.ScimType != "invalidSyntax") || re.Detail == "" {
				t.Fatalf("Check(%s) = %#v", s, err)
			}
		}
	})
}
