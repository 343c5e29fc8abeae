package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

// sampleJSON is a User as the service provider returns it.
const sampleJSON = `{
  "schemas": [
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"
  ],
  "id": "2819c223-7f76-453a-919d-413861904646",
  "externalId": "bjensen-ext",
  "userName": "bjensen@example.dk",
  "name": {"formatted": "Barbara Jensen", "familyName": "Jensen", "givenName": "Barbara"},
  "displayName": "Babs Jensen",
  "active": true,
  "emails": [
    {"value": "bjensen@example.dk", "type": "work", "primary": true},
    {"value": "babs@jensen.dk", "type": "home"}
  ],
  "phoneNumbers": [{"value": "+45 12 34 56 78", "type": "work"}],
  "addresses": [{"type": "home", "streetAddress": "Vestergade 1", "locality": "Aarhus"}],
  "groups": [{"value": "g1", "display": "Staff"}],
  "meta": {"resourceType": "User", "created": "2025-01-01T00:00:00Z", "lastModified": "2025-01-02T00:00:00Z", "version": "W/\"7\""},
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "employeeNumber": "701984",
    "department": "IT",
    "organization": "Example Kommune",
    "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
  },
  "urn:ietf:params:scim:schemas:extension:tilgang:2.0:User": {
    "targetIal": 3,
    "status": "active",
    "rights": ["Skat", "Sundhed"],
    "roles": [{"role": "sagsbehandler", "orgUnit": "HR"}, {"role": "admin"}]
  }
}`

const (
	ent = resource.EnterpriseSchema
	tg  = resource.TilgangSchema
)

// sample returns a fresh copy of sampleJSON.
func sample(t testing.TB) resource.Resource {
	t.Helper()
	r, ok := decodeJSON(t, sampleJSON).(map[string]any)
	if !ok {
		t.Fatal("sample is not an object")
	}
	return r
}

func decodeJSON(t testing.TB, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

// testOptions describe the User schemas the way the service provider does.
var testOptions = Options{
	MultiValued: func(uri, attr string) bool {
		attr = strings.ToLower(attr)
		switch uri {
		case "":
			return slices.Contains([]string{"emails", "phonenumbers", "addresses", "groups"}, attr)
		case tg:
			return slices.Contains([]string{"roles", "rights", "authenticators"}, attr)
		}
		return false
	},
	ReadOnly: func(uri, path string) bool {
		path = strings.ToLower(path)
		switch uri {
		case "":
			return path == "groups" || strings.HasPrefix(path, "groups.") || path == "emails.display"
		case ent:
			return path == "manager.displayname"
		case tg:
			return path == "status"
		}
		return false
	},
}

// body wraps operations in a PatchOp request body.
func body(ops string) []byte {
	return []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`)
}

// get returns the value at path in r: an attribute, a sub-attribute or a
// schema URN, optionally URN-prefixed.
func get(r resource.Resource, path string) (any, bool) {
	for _, ext := range resource.Extensions {
		if path == ext {
			v, ok := r[ext]
			return v, ok
		}
	}
	uri, rest := resource.SplitURN(path)
	m, _ := resource.Container(r, uri, false)
	attr, sub, hasSub := strings.Cut(rest, ".")
	v, ok := m[attr]
	if !hasSub || !ok {
		return v, ok
	}
	vm, _ := v.(map[string]any)
	v, ok = vm[sub]
	return v, ok
}

// scimType returns the scimType of err, which must be a *resource.Error.
func scimType(t testing.TB, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var e *resource.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *resource.Error", err, err)
	}
	return string(e.ScimType)
}

func TestApply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ops  string            // the Operations array of a request
		want map[string]string // path → JSON value; "" = absent
		err  string            // scimType
	}{
		// Simple and complex attributes.
		{name: "replace simple", ops: `[{"op":"replace","path":"displayName","value":"Barbara"}]`,
			want: map[string]string{"displayName": `"Barbara"`}},
		{name: "name in other case keeps the resource's key", ops: `[{"op":"replace","path":"USERNAME","value":"b@example.dk"}]`,
			want: map[string]string{"userName": `"b@example.dk"`, "USERNAME": ``}},
		{name: "add new attribute", ops: `[{"op":"add","path":"nickName","value":"Babs"}]`,
			want: map[string]string{"nickName": `"Babs"`}},
		{name: "add sub-attribute", ops: `[{"op":"add","path":"name.middleName","value":"Jane"}]`,
			want: map[string]string{"name.middleName": `"Jane"`, "name.givenName": `"Barbara"`}},
		{name: "replace sub-attribute in other case", ops: `[{"op":"replace","path":"Name.GivenName","value":"Babs"}]`,
			want: map[string]string{"name.givenName": `"Babs"`, "name.GivenName": ``, "name.familyName": `"Jensen"`}},
		{name: "replace complex merges", ops: `[{"op":"replace","path":"name","value":{"givenName":"B","honorificPrefix":"Ms."}}]`,
			want: map[string]string{"name": `{"formatted":"Barbara Jensen","familyName":"Jensen","givenName":"B","honorificPrefix":"Ms."}`}},
		{name: "add complex merges", ops: `[{"op":"add","path":"name","value":{"familyName":"Hansen"}}]`,
			want: map[string]string{"name.familyName": `"Hansen"`, "name.givenName": `"Barbara"`}},
		{name: "sub-attribute of absent complex", ops: `[{"op":"add","path":"x.y","value":1}]`,
			want: map[string]string{"x": `{"y":1}`}},
		{name: "remove sub-attribute", ops: `[{"op":"remove","path":"name.formatted"}]`,
			want: map[string]string{"name": `{"familyName":"Jensen","givenName":"Barbara"}`}},
		{name: "remove last sub-attributes unassigns", ops: `[{"op":"remove","path":"name.formatted"},{"op":"remove","path":"name.familyName"},{"op":"remove","path":"name.givenName"}]`,
			want: map[string]string{"name": ``}},
		{name: "remove attribute", ops: `[{"op":"remove","path":"displayName"}]`,
			want: map[string]string{"displayName": ``}},
		{name: "remove absent attribute", ops: `[{"op":"remove","path":"nickName"}]`,
			want: map[string]string{"nickName": ``}},
		{name: "replace with null unassigns", ops: `[{"op":"replace","path":"displayName","value":null}]`,
			want: map[string]string{"displayName": ``}},
		{name: "core URN prefix", ops: `[{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName","value":"Berg"}]`,
			want: map[string]string{"name.familyName": `"Berg"`}},

		// Multi-valued attributes without filter.
		{name: "add appends", ops: `[{"op":"add","path":"phoneNumbers","value":[{"value":"+45 87 65 43 21","type":"mobile"}]}]`,
			want: map[string]string{"phoneNumbers": `[{"value":"+45 12 34 56 78","type":"work"},{"value":"+45 87 65 43 21","type":"mobile"}]`}},
		{name: "add one element without array", ops: `[{"op":"add","path":"phoneNumbers","value":{"value":"+45 87 65 43 21","type":"mobile"}}]`,
			want: map[string]string{"phoneNumbers": `[{"value":"+45 12 34 56 78","type":"work"},{"value":"+45 87 65 43 21","type":"mobile"}]`}},
		{name: "add skips exact duplicates", ops: `[{"op":"add","path":"phoneNumbers","value":[{"value":"+45 12 34 56 78","type":"work"},{"value":"+45 12 34 56 78","type":"work"}]}]`,
			want: map[string]string{"phoneNumbers": `[{"value":"+45 12 34 56 78","type":"work"}]`}},
		{name: "add to core-URN multi-valued appends", ops: `[{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:User:phoneNumbers","value":[{"value":"1"}]}]`,
			want: map[string]string{"phoneNumbers": `[{"value":"+45 12 34 56 78","type":"work"},{"value":"1"}]`}},
		{name: "add creates multi-valued", ops: `[{"op":"remove","path":"phoneNumbers"},{"op":"add","path":"phoneNumbers","value":[{"value":"1"}]}]`,
			want: map[string]string{"phoneNumbers": `[{"value":"1"}]`}},
		{name: "replace whole array", ops: `[{"op":"replace","path":"emails","value":[{"value":"new@example.dk","type":"work","primary":true}]}]`,
			want: map[string]string{"emails": `[{"value":"new@example.dk","type":"work","primary":true}]`}},
		{name: "replace with empty array unassigns", ops: `[{"op":"replace","path":"emails","value":[]}]`,
			want: map[string]string{"emails": ``}},
		{name: "remove multi-valued", ops: `[{"op":"remove","path":"emails"}]`,
			want: map[string]string{"emails": ``}},
		{name: "remove values given (Entra members)", ops: `[{"op":"Remove","path":"emails","value":[{"value":"babs@jensen.dk"}]}]`,
			want: map[string]string{"emails": `[{"value":"bjensen@example.dk","type":"work","primary":true}]`}},
		{name: "add simple values", ops: `[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:tilgang:2.0:User:rights","value":["Skat","Miljø"]}]`,
			want: map[string]string{tg + ":rights": `["Skat","Sundhed","Miljø"]`}},
		{name: "sub-attribute of every value", ops: `[{"op":"replace","path":"emails.type","value":"other"}]`,
			want: map[string]string{"emails": `[{"value":"bjensen@example.dk","type":"other","primary":true},{"value":"babs@jensen.dk","type":"other"}]`}},
		{name: "remove sub-attribute of every value", ops: `[{"op":"remove","path":"emails.type"}]`,
			want: map[string]string{"emails": `[{"value":"bjensen@example.dk","primary":true},{"value":"babs@jensen.dk"}]`}},

		// primary.
		{name: "added primary wins", ops: `[{"op":"add","path":"emails","value":[{"value":"new@example.dk","type":"other","primary":true}]}]`,
			want: map[string]string{"emails": `[{"value":"bjensen@example.dk","type":"work","primary":false},{"value":"babs@jensen.dk","type":"home"},{"value":"new@example.dk","type":"other","primary":true}]`}},
		{name: "last of two added primaries wins", ops: `[{"op":"replace","path":"emails","value":[{"value":"a","primary":true},{"value":"b","primary":true}]}]`,
			want: map[string]string{"emails": `[{"value":"a","primary":false},{"value":"b","primary":true}]`}},
		{name: "primary set by filter wins", ops: `[{"op":"replace","path":"emails[type eq \"home\"].primary","value":true}]`,
			want: map[string]string{"emails": `[{"value":"bjensen@example.dk","type":"work","primary":false},{"value":"babs@jensen.dk","type":"home","primary":true}]`}},
		{name: "primary as Entra string counts", ops: `[{"op":"Add","path":"emails","value":[{"value":"x@example.dk","primary":"True"}]}]`,
			want: map[string]string{"emails": `[{"value":"bjensen@example.dk","type":"work","primary":false},{"value":"babs@jensen.dk","type":"home"},{"value":"x@example.dk","primary":"True"}]`}},

		// Value filters.
		{name: "replace filtered sub-attribute", ops: `[{"op":"replace","path":"emails[type eq \"work\"].value","value":"b2@example.dk"}]`,
			want: map[string]string{"emails": `[{"value":"b2@example.dk","type":"work","primary":true},{"value":"babs@jensen.dk","type":"home"}]`}},
		{name: "filter matches case-insensitively", ops: `[{"op":"replace","path":"emails[TYPE eq \"Work\"].value","value":"b2@example.dk"}]`,
			want: map[string]string{"emails": `[{"value":"b2@example.dk","type":"work","primary":true},{"value":"babs@jensen.dk","type":"home"}]`}},
		{name: "nulls in new values are dropped", ops: `[{"op":"replace","path":"emails[type eq \"home\"]","value":{"value":"h@example.dk","type":"home","primary":null}},{"op":"replace","path":"x","value":{"a":null,"b":1}},{"op":"add","path":"displayName","value":{"a":null}}]`,
			want: map[string]string{"emails": `[{"value":"bjensen@example.dk","type":"work","primary":true},{"value":"h@example.dk","type":"home"}]`, "x": `{"b":1}`, "displayName": ``}},
		{name: "replace filtered values", ops: `[{"op":"replace","path":"emails[type eq \"home\"]","value":{"value":"h@example.dk","type":"home"}}]`,
			want: map[string]string{"emails": `[{"value":"bjensen@example.dk","type":"work","primary":true},{"value":"h@example.dk","type":"home"}]`}},
		{name: "replace filter matching nothing", ops: `[{"op":"replace","path":"emails[type eq \"other\"].value","value":"x"}]`,
			err: "noTarget"},
		{name: "replace filter on absent attribute", ops: `[{"op":"replace","path":"ims[type eq \"xmpp\"].value","value":"x"}]`,
			err: "noTarget"},
		{name: "add filtered sub-attribute that exists", ops: `[{"op":"Add","path":"emails[type eq \"work\"].value","value":"b2@example.dk"}]`,
			want: map[string]string{"emails": `[{"value":"b2@example.dk","type":"work","primary":true},{"value":"babs@jensen.dk","type":"home"}]`}},
		{name: "add filtered sub-attribute that does not exist (Entra)", ops: `[{"op":"Add","path":"addresses[type eq \"work\"].streetAddress","value":"Banegårdspladsen 1"}]`,
			want: map[string]string{"addresses": `[{"type":"home","streetAddress":"Vestergade 1","locality":"Aarhus"},{"type":"work","streetAddress":"Banegårdspladsen 1"}]`}},
		{name: "add filtered value to absent attribute", ops: `[{"op":"add","path":"ims[type eq \"xmpp\" and primary eq true]","value":{"value":"b@jabber.dk"}}]`,
			want: map[string]string{"ims": `[{"type":"xmpp","primary":true,"value":"b@jabber.dk"}]`}},
		{name: "add merges into filtered value", ops: `[{"op":"add","path":"addresses[type eq \"home\"]","value":{"postalCode":"8000","locality":"Aarhus C"}}]`,
			want: map[string]string{"addresses": `[{"type":"home","streetAddress":"Vestergade 1","locality":"Aarhus C","postalCode":"8000"}]`}},
		{name: "add to filter that describes no value", ops: `[{"op":"add","path":"emails[type ne \"work\" and type ne \"home\"].value","value":"x"}]`,
			err: "noTarget"},
		{name: "add to contradicting filter", ops: `[{"op":"add","path":"emails[type eq \"a\" and type eq \"b\"].value","value":"x"}]`,
			err: "noTarget"},
		{name: "replace filtered sub-attribute of addresses", ops: `[{"op":"replace","path":"addresses[type eq \"home\"].streetAddress","value":"Østergade 2"}]`,
			want: map[string]string{"addresses": `[{"type":"home","streetAddress":"Østergade 2","locality":"Aarhus"}]`}},
		{name: "remove filtered values", ops: `[{"op":"remove","path":"emails[type eq \"home\"]"}]`,
			want: map[string]string{"emails": `[{"value":"bjensen@example.dk","type":"work","primary":true}]`}},
		{name: "remove every value unassigns", ops: `[{"op":"remove","path":"emails[value pr]"}]`,
			want: map[string]string{"emails": ``}},
		{name: "remove filter matching nothing", ops: `[{"op":"remove","path":"emails[type eq \"other\"]"}]`,
			want: map[string]string{"emails": `[{"value":"bjensen@example.dk","type":"work","primary":true},{"value":"babs@jensen.dk","type":"home"}]`}},
		{name: "remove filtered sub-attribute", ops: `[{"op":"remove","path":"emails[type eq \"work\"].primary"}]`,
			want: map[string]string{"emails": `[{"value":"bjensen@example.dk","type":"work"},{"value":"babs@jensen.dk","type":"home"}]`}},
		{name: "filter on simple values", ops: `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:tilgang:2.0:User:rights[value eq \"Skat\"]"}]`,
			want: map[string]string{tg + ":rights": `["Sundhed"]`}},
		{name: "filter with escaped quote", ops: `[{"op":"replace","path":"emails[value eq \"bjensen@example.dk\" or value eq \"a\\\"b\"].type","value":"x"}]`,
			want: map[string]string{"emails": `[{"value":"bjensen@example.dk","type":"x","primary":true},{"value":"babs@jensen.dk","type":"home"}]`}},
		{name: "filter of three comparisons", ops: `[{"op":"replace","path":"emails[type eq \"x\" or type eq \"y\" or not (type ne \"home\")].type","value":"other"}]`,
			want: map[string]string{"emails": `[{"value":"bjensen@example.dk","type":"work","primary":true},{"value":"babs@jensen.dk","type":"other"}]`}},
		{name: "bracket inside filter string", ops: `[{"op":"replace","path":"emails[value eq \"a]b\" or type eq \"home\"].type","value":"other"}]`,
			want: map[string]string{"emails": `[{"value":"bjensen@example.dk","type":"work","primary":true},{"value":"babs@jensen.dk","type":"other"}]`}},
		{name: "filter in Entra dialect", ops: `[{"op":"Replace","path":"emails[type EQ work].value","value":"w@example.dk"}]`,
			want: map[string]string{"emails": `[{"value":"w@example.dk","type":"work","primary":true},{"value":"babs@jensen.dk","type":"home"}]`}},
		{name: "empty filter", ops: `[{"op":"replace","path":"emails[].type","value":"x"}]`, err: "invalidPath"},
		{name: "unclosed filter", ops: `[{"op":"replace","path":"emails[type eq \"work\".type","value":"x"}]`, err: "invalidPath"},
		{name: "two filters", ops: `[{"op":"replace","path":"emails[type eq \"work\"][value pr]","value":"x"}]`, err: "invalidPath"},
		{name: "$ref sub-attribute", ops: `[{"op":"add","path":"groups[value eq \"g1\"].$ref","value":"https://example.dk/Groups/g1"}]`, err: "mutability"},
		{name: "tilgang roles filtered", ops: `[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:tilgang:2.0:User:roles[role eq \"admin\"].orgUnit","value":"IT"}]`,
			want: map[string]string{tg + ":roles": `[{"role":"sagsbehandler","orgUnit":"HR"},{"role":"admin","orgUnit":"IT"}]`}},
		{name: "filter on single-valued attribute", ops: `[{"op":"replace","path":"name[givenName eq \"Barbara\"].familyName","value":"x"}]`,
			err: "invalidPath"},

		// Extensions.
		{name: "replace extension attribute", ops: `[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"42"}]`,
			want: map[string]string{ent + ":employeeNumber": `"42"`}},
		{name: "extension URN in other case", ops: `[{"op":"replace","path":"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:department","value":"HR"}]`,
			want: map[string]string{ent + ":department": `"HR"`}},
		{name: "replace manager.value", ops: `[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value","value":"m2"}]`,
			want: map[string]string{ent + ":manager": `{"value":"m2","displayName":"John Smith"}`}},
		{name: "manager as bare string (Entra)", ops: `[{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"m2"}]`,
			want: map[string]string{ent + ":manager": `"m2"`}},
		{name: "manager as object", ops: `[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"m2"}}]`,
			want: map[string]string{ent + ":manager": `{"value":"m2","displayName":"John Smith"}`}},
		{name: "remove manager", ops: `[{"op":"Remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}]`,
			want: map[string]string{ent + ":manager": ``, ent + ":department": `"IT"`}},
		{name: "path is a schema URN", ops: `[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"department":"HR","costCenter":"4130"}}]`,
			want: map[string]string{ent + ":department": `"HR"`, ent + ":costCenter": `"4130"`, ent + ":employeeNumber": `"701984"`}},
		{name: "remove extension", ops: `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}]`,
			want: map[string]string{ent: ``, "schemas": `["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"]`}},
		{name: "remove last extension attribute", ops: `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"HR"},{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}]`,
			want: map[string]string{ent: ``, "schemas": `["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"]`}},
		{name: "add to absent extension", ops: `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"HR"}]`,
			want: map[string]string{ent: `{"department":"HR"}`, "schemas": `["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"]`}},
		{name: "remove from absent extension", ops: `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}]`,
			want: map[string]string{ent: ``}},
		{name: "unknown schema", ops: `[{"op":"add","path":"urn:example:params:scim:schemas:extension:x:1.0:User:foo","value":"x"}]`,
			err: "invalidPath"},

		// Without path.
		{name: "Okta deactivation", ops: `[{"op":"replace","value":{"active":false}}]`,
			want: map[string]string{"active": `false`}},
		{name: "Entra boolean string is kept", ops: `[{"op":"Replace","value":{"active":"False"}}]`,
			want: map[string]string{"active": `"False"`}},
		{name: "Entra dotted and URN keys", ops: `[{"op":"Replace","value":{"displayName":"B J","name.givenName":"Bab","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"HR","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"m3"}}]`,
			want: map[string]string{"displayName": `"B J"`, "name.givenName": `"Bab"`, "name.familyName": `"Jensen"`, ent + ":department": `"HR"`, ent + ":manager": `"m3"`}},
		{name: "schema URN key", ops: `[{"op":"add","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"division":"Nord","manager.value":"m4"},"nickName":"Babs"}}]`,
			want: map[string]string{ent + ":division": `"Nord"`, ent + ":manager": `{"value":"m4","displayName":"John Smith"}`, ent + ":department": `"IT"`, "nickName": `"Babs"`}},
		{name: "filtered key", ops: `[{"op":"replace","value":{"emails[type eq \"work\"].value":"w@example.dk"}}]`,
			want: map[string]string{"emails": `[{"value":"w@example.dk","type":"work","primary":true},{"value":"babs@jensen.dk","type":"home"}]`}},
		{name: "add without path appends to multi-valued", ops: `[{"op":"add","value":{"phoneNumbers":[{"value":"2","type":"fax"}]}}]`,
			want: map[string]string{"phoneNumbers": `[{"value":"+45 12 34 56 78","type":"work"},{"value":"2","type":"fax"}]`}},
		{name: "value without path not an object", ops: `[{"op":"replace","value":"x"}]`, err: "invalidValue"},
		{name: "value without path with bad key", ops: `[{"op":"replace","value":{"a b":"x"}}]`, err: "invalidPath"},
		{name: "schema URN key not an object", ops: `[{"op":"add","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"x"}}]`, err: "invalidValue"},

		// Read-only attributes.
		{name: "id", ops: `[{"op":"replace","path":"id","value":"x"}]`, err: "mutability"},
		{name: "id unchanged", ops: `[{"op":"replace","value":{"id":"2819c223-7f76-453a-919d-413861904646","displayName":"B"}}]`,
			want: map[string]string{"displayName": `"B"`}},
		{name: "meta sub-attribute", ops: `[{"op":"replace","path":"meta.lastModified","value":"2030-01-01T00:00:00Z"}]`, err: "mutability"},
		{name: "remove meta", ops: `[{"op":"remove","path":"Meta"}]`, err: "mutability"},
		{name: "schemas", ops: `[{"op":"add","path":"schemas","value":["urn:x"]}]`, err: "mutability"},
		{name: "schemas without path", ops: `[{"op":"replace","value":{"schemas":[]}}]`, err: "mutability"},
		{name: "groups", ops: `[{"op":"add","path":"groups","value":[{"value":"g2"}]}]`, err: "mutability"},
		{name: "groups without path", ops: `[{"op":"add","value":{"groups":[{"value":"g2"}]}}]`, err: "mutability"},
		{name: "tilgang status", ops: `[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:tilgang:2.0:User:status","value":"deleted"}]`, err: "mutability"},
		{name: "remove extension with read-only attribute", ops: `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"}]`, err: "mutability"},
		{name: "read-only sub-attribute by path", ops: `[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName","value":"x"}]`, err: "mutability"},
		{name: "read-only sub-attribute in value", ops: `[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"m2","displayName":"x"}}]`, err: "mutability"},
		{name: "read-only sub-attribute echoed", ops: `[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"m2","displayName":"John Smith"}}]`,
			want: map[string]string{ent + ":manager": `{"value":"m2","displayName":"John Smith"}`}},

		{name: "read-only sub-attribute of values", ops: `[{"op":"add","path":"emails","value":[{"value":"x@example.dk","display":"X"}]}]`, err: "mutability"},
		{name: "read-only sub-attribute of filtered values", ops: `[{"op":"add","path":"emails[type eq \"work\"].display","value":"X"}]`, err: "mutability"},
		{name: "read-only sub-attribute of values not given", ops: `[{"op":"add","path":"emails","value":[{"value":"x@example.dk","Display":null}]}]`,
			want: map[string]string{"emails": `[{"value":"bjensen@example.dk","type":"work","primary":true},{"value":"babs@jensen.dk","type":"home"},{"value":"x@example.dk"}]`}},

		// Errors.
		{name: "unparsable path", ops: `[{"op":"add","path":"emails[type eq","value":"x"}]`, err: "invalidPath"},
		{name: "path with sub-sub-attribute", ops: `[{"op":"add","path":"a.b.c","value":"x"}]`, err: "invalidPath"},
		{name: "filtered sub-attribute path", ops: `[{"op":"add","path":"name.givenName[value eq \"x\"]","value":"x"}]`, err: "invalidPath"},
		{name: "bad escape in filter", ops: `[{"op":"replace","path":"emails[value eq \"\\x\"].type","value":"x"}]`, err: "invalidPath"},
		{name: "trailing dot", ops: `[{"op":"add","path":"userName.","value":"x"}]`, err: "invalidPath"},
		{name: "name starting with a digit", ops: `[{"op":"add","path":"1userName","value":"x"}]`, err: "invalidPath"},
		{name: "URN without attribute", ops: `[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:","value":"x"}]`, err: "invalidPath"},
		{name: "text after filter", ops: `[{"op":"add","path":"emails[type eq \"work\"]value","value":"x"}]`, err: "invalidPath"},
		{name: "space in path", ops: `[{"op":"add","path":"user Name","value":"x"}]`, err: "invalidPath"},
		{name: "core schema removed", ops: `[{"op":"remove","path":"urn:ietf:params:scim:schemas:core:2.0:User"}]`, err: "invalidPath"},
		{name: "add non-object to complex value", ops: `[{"op":"add","path":"emails[type eq \"work\"]","value":"x"}]`, err: "invalidValue"},
		{name: "failing operation undoes earlier ones", ops: `[{"op":"replace","path":"displayName","value":"x"},{"op":"replace","path":"id","value":"x"}]`, err: "mutability"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ops, err := Decode(body(tt.ops))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			in := sample(t)
			got, err := Apply(in, ops, testOptions)
			if !reflect.DeepEqual(in, sample(t)) {
				t.Errorf("Apply changed its input: %v", in)
			}
			if typ := scimType(t, err); typ != tt.err {
				t.Fatalf("Apply error = %v, want scimType %q", err, tt.err)
			}
			if err != nil {
				if got != nil {
					t.Errorf("Apply returned a resource with an error: %v", got)
				}
				return
			}
			for path, want := range tt.want {
				v, ok := get(got, path)
				switch {
				case want == "" && ok:
					t.Errorf("%s = %v, want absent", path, v)
				case want != "" && !ok:
					t.Errorf("%s absent, want %s", path, want)
				case want != "" && !reflect.DeepEqual(v, decodeJSON(t, want)):
					js, _ := json.Marshal(v)
					t.Errorf("%s = %s, want %s", path, js, want)
				}
			}
		})
	}
}

// TestApplyUntouched checks that Apply changes nothing but what the
// operations name.
func TestApplyUntouched(t *testing.T) {
	t.Parallel()
	ops, err := Decode(body(`[{"op":"Replace","path":"name.familyName","value":"Berg"}]`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Apply(sample(t), ops, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	want := sample(t)
	want["name"].(map[string]any)["familyName"] = "Berg"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Apply = %v\nwant %v", got, want)
	}
	if got, err := Apply(sample(t), nil, testOptions); err != nil || !reflect.DeepEqual(got, sample(t)) {
		t.Errorf("Apply without operations = %v, %v", got, err)
	}
}

// TestApplySchemas checks that "schemas" follows the extensions.
func TestApplySchemas(t *testing.T) {
	t.Parallel()
	in := sample(t)
	delete(in, ent)
	in["schemas"] = []any{resource.UserSchema, tg}
	ops := []Operation{{Op: "add", Path: ent + ":department", Value: "HR"}}
	got, err := Apply(in, ops, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if want := []any{resource.UserSchema, tg, ent}; !reflect.DeepEqual(got["schemas"], want) {
		t.Errorf("schemas = %v, want %v", got["schemas"], want)
	}
}

// TestApplyWithoutOptions checks the zero Options: only id, meta and
// schemas are read-only, and only attributes that hold an array are
// multi-valued.
func TestApplyWithoutOptions(t *testing.T) {
	t.Parallel()
	ops := []Operation{
		{Op: "add", Path: "phoneNumbers", Value: map[string]any{"value": "1"}},
		{Op: "add", Path: "name", Value: []any{"x"}},
		{Op: "replace", Path: "emails[type eq \"work\"].value", Value: "w"},
		{Op: "replace", Path: "groups", Value: nil},
	}
	got, err := Apply(sample(t), ops, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := sample(t)
	want["phoneNumbers"] = append(want["phoneNumbers"].([]any), map[string]any{"value": "1"})
	want["name"] = []any{"x"}
	want["emails"].([]any)[0].(map[string]any)["value"] = "w"
	delete(want, "groups")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Apply = %v\nwant %v", got, want)
	}
	if _, err := Apply(sample(t), []Operation{{Op: "remove", Path: "meta.version"}}, Options{}); scimType(t, err) != "mutability" {
		t.Errorf("remove meta.version: %v", err)
	}
}

// TestApplyOperations covers operations that Decode would not produce.
func TestApplyOperations(t *testing.T) {
	t.Parallel()
	deep := any("x")
	for range maxValueDepth + 1 {
		deep = []any{deep}
	}
	long := "a" + strings.Repeat("b", MaxPathLength)
	tests := []struct {
		name string
		op   Operation
		err  string
	}{
		{"unknown op", Operation{Op: "move", Path: "displayName", Value: "x"}, "invalidSyntax"},
		{"op in other case", Operation{Op: "REPLACE", Path: "displayName", Value: "x"}, ""},
		{"remove without path", Operation{Op: "remove"}, "noTarget"},
		{"value nested too deeply", Operation{Op: "add", Path: "x", Value: deep}, "invalidValue"},
		{"path too long", Operation{Op: "add", Path: long, Value: "x"}, "invalidPath"},
		{"path-less key too long", Operation{Op: "add", Value: map[string]any{long: "x"}}, "invalidPath"},
		{"Go values", Operation{Op: "add", Path: "x", Value: []string{"a"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Apply(sample(t), []Operation{tt.op}, testOptions)
			if typ := scimType(t, err); typ != tt.err {
				t.Errorf("Apply error = %v, want scimType %q", err, tt.err)
			}
		})
	}
}

// TestApplyFilterBudget checks that the value filters of one request are
// parsed within maxFilterBytes, each distinct filter once.
func TestApplyFilterBudget(t *testing.T) {
	t.Parallel()
	op := func(i int) Operation {
		return Operation{Op: "remove", Path: fmt.Sprintf(`emails[value eq "%d%s"]`, i, strings.Repeat("x", 1000))}
	}
	same := make([]Operation, MaxOperations)
	for i := range same {
		same[i] = op(0)
	}
	if _, err := Apply(sample(t), same, testOptions); err != nil {
		t.Errorf("one filter %d times: %v", len(same), err)
	}
	var distinct []Operation
	for i := range maxFilterBytes/1000 + 1 {
		distinct = append(distinct, op(i))
	}
	_, err := Apply(sample(t), distinct, testOptions)
	if scimType(t, err) != "invalidPath" {
		t.Errorf("%d distinct filters: %v", len(distinct), err)
	}
}

// TestErrorDetail checks that error details quote long paths shortened.
func TestErrorDetail(t *testing.T) {
	t.Parallel()
	path := strings.Repeat("ø", MaxPathLength/2-1) + "!"
	_, err := Apply(sample(t), []Operation{{Op: "add", Path: path, Value: "x"}}, testOptions)
	if scimType(t, err) != "invalidPath" || len(err.Error()) > 200 || !utf8.ValidString(err.Error()) {
		t.Errorf("error = %v", err)
	}
}

// TestApplyShares checks that the result shares nothing with the
// operations: a value used twice, or changed by a later operation, must not
// change the request.
func TestApplyShares(t *testing.T) {
	t.Parallel()
	value := map[string]any{"value": "x", "primary": true}
	ops := []Operation{
		{Op: "add", Path: "emails", Value: []any{value}},
		{Op: "add", Path: "emails", Value: []any{map[string]any{"value": "y", "primary": true}}},
	}
	if _, err := Apply(sample(t), ops, testOptions); err != nil {
		t.Fatal(err)
	}
	if value["primary"] != true {
		t.Errorf("Apply changed the operation's value: %v", value)
	}
	got, err := Apply(nil, []Operation{{Op: "add", Path: "userName", Value: "a"}}, Options{})
	if err != nil || got["userName"] != "a" {
		t.Errorf("Apply(nil) = %v, %v", got, err)
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want []Operation
		err  string
	}{
		{name: "RFC", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"nickName","value":"Babs"},{"op":"remove","path":"x"}]}`,
			want: []Operation{{"add", "nickName", "Babs"}, {"remove", "x", nil}}},
		{name: "Entra capitals", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"},{"op":"Add","path":"title","value":"x"},{"op":"Remove","path":"manager"}]}`,
			want: []Operation{{"replace", "active", "False"}, {"add", "title", "x"}, {"remove", "manager", nil}}},
		{name: "Okta without path", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`,
			want: []Operation{{"replace", "", map[string]any{"active": false}}}},
		{name: "member names in any case, no schemas", body: `{"operations":[{"OP":"ADD","Path":"x","VALUE":1.50}]}`,
			want: []Operation{{"add", "x", json.Number("1.50")}}},
		{name: "schema URN in other case", body: `{"schemas":["URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:PATCHOP"],"OPERATIONS":[{"op":"add","path":"x","value":null}]}`,
			want: []Operation{{"add", "x", nil}}},
		{name: "null schemas", body: `{"schemas":null,"Operations":[{"op":"remove","path":"x"}]}`,
			want: []Operation{{"remove", "x", nil}}},
		{name: "null path", body: `{"Operations":[{"op":"add","path":null,"value":{}}]}`,
			want: []Operation{{"add", "", map[string]any{}}}},
		{name: "remove with value", body: `{"Operations":[{"op":"remove","path":"members","value":[{"value":"1"}]}]}`,
			want: []Operation{{"remove", "members", []any{map[string]any{"value": "1"}}}}},
		{name: "wrong schema", body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[{"op":"add","path":"x","value":1}]}`, err: "invalidSyntax"},
		{name: "schemas not a list", body: `{"schemas":"urn:ietf:params:scim:api:messages:2.0:PatchOp","Operations":[{"op":"add","path":"x","value":1}]}`, err: "invalidSyntax"},
		{name: "not JSON", body: `{"Operations":`, err: "invalidSyntax"},
		{name: "empty", body: ``, err: "invalidSyntax"},
		{name: "trailing data", body: `{"Operations":[{"op":"add","path":"x","value":1}]} {}`, err: "invalidSyntax"},
		{name: "array", body: `[{"op":"add","path":"x","value":1}]`, err: "invalidSyntax"},
		{name: "null", body: `null`, err: "invalidSyntax"},
		{name: "no operations", body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`, err: "invalidSyntax"},
		{name: "empty operations", body: `{"Operations":[]}`, err: "invalidSyntax"},
		{name: "operations not a list", body: `{"Operations":{"op":"add"}}`, err: "invalidSyntax"},
		{name: "operation not an object", body: `{"Operations":["add"]}`, err: "invalidSyntax"},
		{name: "unknown op", body: `{"Operations":[{"op":"move","path":"x","from":"y"}]}`, err: "invalidSyntax"},
		{name: "op not a string", body: `{"Operations":[{"op":1,"path":"x","value":1}]}`, err: "invalidSyntax"},
		{name: "no op", body: `{"Operations":[{"path":"x","value":1}]}`, err: "invalidSyntax"},
		{name: "path not a string", body: `{"Operations":[{"op":"add","path":1,"value":1}]}`, err: "invalidPath"},
		{name: "remove without path", body: `{"Operations":[{"op":"remove"}]}`, err: "noTarget"},
		{name: "remove with empty path", body: `{"Operations":[{"op":"remove","path":""}]}`, err: "noTarget"},
		{name: "add without value", body: `{"Operations":[{"op":"add","path":"x"}]}`, err: "invalidValue"},
		{name: "replace without value", body: `{"Operations":[{"op":"Replace"}]}`, err: "invalidValue"},
		{name: "too many operations", body: `{"Operations":[` + strings.Repeat(`{"op":"remove","path":"x"},`, MaxOperations) + `{"op":"remove","path":"x"}]}`, err: "invalidSyntax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Decode([]byte(tt.body))
			if typ := scimType(t, err); typ != tt.err {
				t.Fatalf("Decode error = %v, want scimType %q", err, tt.err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Decode = %#v, want %#v", got, tt.want)
			}
		})
	}
}

// TestDecodeMaxOperations checks that exactly MaxOperations pass.
func TestDecodeMaxOperations(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	b.WriteString(`{"Operations":[{"op":"remove","path":"x"}`)
	for range MaxOperations - 1 {
		b.WriteString(`,{"op":"remove","path":"x"}`)
	}
	b.WriteString(`]}`)
	if ops, err := Decode(b.Bytes()); err != nil || len(ops) != MaxOperations {
		t.Errorf("Decode = %d operations, %v", len(ops), err)
	}
}
