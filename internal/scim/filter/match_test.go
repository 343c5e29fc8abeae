package filter

import (
	"encoding/json"
	"strings"
	"testing"

	fp "github.com/scim2/filter-parser/v2"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

const enterprise = resource.EnterpriseSchema

// user is a User resource as the store hands it to the filter: decoded
// with UseNumber.
const user = `{
	"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
	"id": "2819c223-7f76-453a-919d-413861904646",
	"externalId": "5c0eAB12",
	"userName": "Bjensen@Example.com",
	"name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Ms. Barbara J Jensen"},
	"displayName": "Babs Jensen",
	"title": "",
	"nickName": null,
	"active": true,
	"loginCount": 42,
	"score": 4.5,
	"emails": [
		{"value": "bjensen@example.com", "type": "work", "primary": true},
		{"value": "babs@jensen.org", "type": "home"}
	],
	"phoneNumbers": [],
	"x509Certificates": [{"value": null}],
	"roles": ["admin", "Auditor"],
	"meta": {
		"resourceType": "User",
		"created": "2025-06-01T08:00:00Z",
		"lastModified": "2026-02-03T10:00:00.123+01:00",
		"version": "W/\"3\""
	},
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
		"employeeNumber": "701984",
		"department": "Tour Operations",
		"manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
	}
}`

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMatch(t *testing.T) {
	t.Parallel()
	r := decode(t, user)
	tests := []struct {
		filter string
		want   bool
	}{
		// eq and case-insensitive names and values.
		{`userName eq "bjensen@example.com"`, true},
		{`USERNAME EQ "BJENSEN@EXAMPLE.COM"`, true},
		{`userName eq bjensen@example.com`, true},
		{`userName eq "bjensen"`, false},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen@example.com"`, true},
		// caseExact id and externalId.
		{`externalId eq "5c0eAB12"`, true},
		{`externalId eq "5c0eab12"`, false},
		{`ExternalID co "AB"`, true},
		{`externalId co "ab"`, false},
		{`id eq "2819C223-7F76-453A-919D-413861904646"`, false},
		{`id eq "2819c223-7f76-453a-919d-413861904646"`, true},
		// ne, co, sw, ew.
		{`userName ne "x"`, true},
		{`userName ne "BJENSEN@example.com"`, false},
		{`userName co "JENSEN@"`, true},
		{`userName sw "bjen"`, true},
		{`userName sw "jen"`, false},
		{`userName ew ".COM"`, true},
		{`userName ew ".org"`, false},
		{`meta.version eq "W/\"3\""`, true},
		// Sub-attributes and complex attributes.
		{`name.familyName eq "jensen"`, true},
		{`name.givenName sw "Bar" and name.familyName ew "sen"`, true},
		{`name.middleName eq "x"`, false},
		{`name eq "Jensen"`, false},
		{`name gt "a"`, false},
		// Strings ordered lexicographically, without case.
		{`displayName gt "babs"`, true},
		{`displayName lt "Babs"`, false},
		{`name.familyName ge "JENSEN"`, true},
		{`name.familyName le "jensen"`, true},
		{`name.familyName lt "JENSEN"`, false},
		// pr.
		{`displayName pr`, true},
		{`title pr`, false},
		{`nickName pr`, false},
		{`phoneNumbers pr`, false},
		{`x509Certificates pr`, false},
		{`emails pr`, true},
		{`emails.primary pr`, true},
		{`name pr`, true},
		{`missing pr`, false},
		{`active pr`, true},
		// Missing attributes and null.
		{`nickName ne "x"`, true},
		{`missing ne "x"`, true},
		{`missing eq "x"`, false},
		{`missing eq null`, true},
		{`title eq null`, true},
		{`userName eq null`, false},
		{`userName ne null`, true},
		// Booleans, including the strings identity providers send.
		{`active eq true`, true},
		{`active eq True`, true},
		{`active eq false`, false},
		{`active ne false`, true},
		{`active eq "true"`, true},
		{`active eq "False"`, false},
		{`active eq 1`, false},
		// Numbers.
		{`loginCount eq 42`, true},
		{`loginCount eq 42.0`, true},
		{`loginCount eq 4.2e1`, true},
		{`loginCount ne 42`, false},
		{`loginCount gt 41.5`, true},
		{`loginCount gt 42`, false},
		{`loginCount ge 42`, true},
		{`loginCount lt 1e3`, true},
		{`loginCount le -1`, false},
		{`loginCount eq "42"`, true},
		{`loginCount gt 1e400`, false},
		{`score le 4.5`, true},
		{`score lt 4.5`, false},
		{`loginCount co 4`, true},
		// Dates, compared as times across zones and precisions.
		{`meta.lastModified gt "2026-01-01T00:00:00Z"`, true},
		{`meta.lastModified gt 2026-01-01T00:00:00Z`, true},
		{`meta.lastModified eq "2026-02-03T09:00:00.123Z"`, true},
		{`meta.lastModified lt "2026-02-03T09:00:00.124Z"`, true},
		{`meta.lastModified lt "2026-02-03T09:00:00.123Z"`, false},
		{`meta.created ge "2025-06-01T08:00:00Z"`, true},
		{`meta.created gt "2025-06-01T08:00:00Z"`, false},
		{`meta.created le "2025-06-01T10:00:00+02:00"`, true},
		{`meta.created sw "2025-06"`, true},
		{`meta.created gt "2025"`, true},
		// Multi-valued: any value matches.
		{`emails co "example.com"`, true},
		{`emails eq "BABS@jensen.org"`, true},
		{`emails.value ew "jensen.org"`, true},
		{`emails.type eq "home"`, true},
		{`emails.type eq "other"`, false},
		{`emails.type ne "work"`, true},
		{`emails gt "a"`, false},
		{`roles eq "auditor"`, true},
		{`roles co "min"`, true},
		// Value paths: one element must match the whole value filter.
		{`emails[type eq "work" and value co "@example.com"]`, true},
		{`emails[type eq "home" and value co "@example.com"]`, false},
		{`emails.type eq "home" and emails.value co "@example.com"`, true},
		{`emails[type eq "work"].value eq "bjensen@example.com"`, true},
		{`emails[type eq "home"].value eq "bjensen@example.com"`, false},
		{`emails[type eq "work" or type eq "home"].value ew ".org"`, true},
		{`emails[not (type eq "work")]`, true},
		{`emails[not (type eq "work") and primary eq true]`, false},
		{`emails[primary eq true]`, true},
		{`emails[primary pr and type eq "home"]`, false},
		{`emails[type eq "work" and (value co "x" or primary eq true)]`, true},
		{`EMAILS[TYPE EQ "WORK"]`, true},
		{`roles[value eq "admin"]`, true},
		{`name[givenName eq "barbara"]`, true},
		{`phoneNumbers[type eq "work"]`, false},
		{`missing[type eq "work"]`, false},
		// Logic, precedence and grouping.
		{`userName eq "x" or active eq true`, true},
		{`userName eq "x" and active eq true`, false},
		{`userName eq "x" and active eq false or displayName eq "Babs Jensen"`, true},
		{`userName eq "x" and (active eq false or displayName eq "Babs Jensen")`, false},
		{`(userName eq "x" or userName sw "b") and active eq true`, true},
		{`not (userName eq "bjensen@example.com")`, false},
		{`not(active eq false)`, true},
		{`not (not (active eq true))`, true},
		{`active eq true and not (emails[type eq "other"])`, true},
		// The enterprise extension.
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`, true},
		{`URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER eq 701984`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq 701984.0`, false},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department co "tour"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[displayName sw "john"]`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User pr`, true},
		{`urn:ietf:params:scim:schemas:extension:tilgang:2.0:User pr`, false},
		{`urn:ietf:params:scim:schemas:extension:tilgang:2.0:User:level eq 1`, false},
		{`urn:example:unknown:2.0:User:userName eq "bjensen@example.com"`, false},
		{`employeeNumber eq "701984"`, false},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			t.Parallel()
			e, err := Parse(tc.filter)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := Match(e, r, Options{}); got != tc.want {
				t.Errorf("Match(%s) = %v, want %v", tc.filter, got, tc.want)
			}
		})
	}
}

func TestMatchCaseExact(t *testing.T) {
	t.Parallel()
	r := decode(t, user)
	// The cases run one after another, so calls needs no lock.
	var calls []string
	opts := Options{CaseExact: func(uri, path string) bool {
		calls = append(calls, uri+"|"+path)
		return path == "name.familyName" || path == "emails.value" || path == "department"
	}}
	tests := []struct {
		filter string
		want   bool
		call   string
	}{
		{`name.familyName eq "jensen"`, false, "|name.familyName"},
		{`name.familyName eq "Jensen"`, true, "|name.familyName"},
		{`name.givenName eq "barbara"`, true, "|name.givenName"},
		{`externalId eq "5c0eab12"`, true, "|externalId"},
		{`emails[value eq "BJENSEN@example.com"]`, false, "|emails.value"},
		{`emails eq "BJENSEN@example.com"`, false, "|emails.value"},
		{`emails[type eq "WORK"]`, true, "|emails.type"},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tour operations"`, false, enterprise + "|department"},
	}
	for _, tc := range tests {
		e, err := Parse(tc.filter)
		if err != nil {
			t.Fatalf("Parse(%s): %v", tc.filter, err)
		}
		calls = nil
		if got := Match(e, r, opts); got != tc.want {
			t.Errorf("Match(%s) = %v, want %v", tc.filter, got, tc.want)
		}
		if len(calls) == 0 || calls[0] != tc.call {
			t.Errorf("Match(%s) asked CaseExact %q, want %q", tc.filter, calls, tc.call)
		}
	}
}

func TestMatchValue(t *testing.T) {
	t.Parallel()
	elem := map[string]any{"value": "a@x.dk", "type": "work", "primary": true}
	tests := []struct {
		filter string
		want   bool
	}{
		{`type eq "work"`, true},
		{`Type eq "WORK"`, true},
		{`type eq "home"`, false},
		{`value ew "@X.DK" and primary eq true`, true},
		{`value ew "@x.dk" and not (primary eq true)`, false},
		{`display pr`, false},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			t.Parallel()
			e, err := Parse(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := MatchValue(e, elem, Options{}); got != tc.want {
				t.Errorf("MatchValue(%s) = %v, want %v", tc.filter, got, tc.want)
			}
		})
	}
}

// TestMatchHandBuilt covers expressions that Parse would reject or never
// produce: Match must not match (or panic) rather than guess.
func TestMatchHandBuilt(t *testing.T) {
	t.Parallel()
	r := decode(t, user)
	path := func(name string) fp.AttributePath { return fp.AttributePath{AttributeName: name} }
	tests := []struct {
		name string
		e    Expression
		want bool
	}{
		{"gt true", &fp.AttributeExpression{AttributePath: path("active"), Operator: fp.GT, CompareValue: true}, false},
		{"le false", &fp.AttributeExpression{AttributePath: path("active"), Operator: fp.LE, CompareValue: false}, false},
		{"gt string on boolean", &fp.AttributeExpression{AttributePath: path("active"), Operator: fp.GT, CompareValue: "a"}, false},
		{"co true", &fp.AttributeExpression{AttributePath: path("active"), Operator: fp.CO, CompareValue: true}, false},
		{"int from ParseFilter", &fp.AttributeExpression{AttributePath: path("loginCount"), Operator: fp.EQ, CompareValue: 42}, true},
		{"float from ParseFilter", &fp.AttributeExpression{AttributePath: path("score"), Operator: fp.GE, CompareValue: 4.5}, true},
		{"unknown operator", &fp.AttributeExpression{AttributePath: path("userName"), Operator: "xx", CompareValue: "a"}, false},
		{"unknown logical operator", &fp.LogicalExpression{Left: &fp.AttributeExpression{AttributePath: path("active"), Operator: fp.PR}, Right: &fp.AttributeExpression{AttributePath: path("active"), Operator: fp.PR}, Operator: "xor"}, false},
		{"empty not", &fp.NotExpression{}, false},
		{"empty value path", &fp.ValuePath{AttributePath: path("emails")}, false},
		{"nil", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Match(tc.e, r, Options{}); got != tc.want {
				t.Errorf("Match = %v, want %v", got, tc.want)
			}
		})
	}
}
