package filter

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	fp "github.com/scim2/filter-parser/v2"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string // want is the parsed filter's String form
	}{
		{"simple", `userName eq "bjensen"`, `userName eq "bjensen"`},
		{"entra", `emails[type eq "work"].value eq "a@b.dk"`, `emails[type eq "work" and value eq "a@b.dk"]`},
		{"three terms in value filter", `emails[type eq "work" and value co "@x" and primary eq true]`, `emails[type eq "work" and value co "@x" and primary eq true]`},
		{"grouping in value filter", `emails[type eq "work" and (value co "@x" or primary eq true)]`, `emails[type eq "work" and (value co "@x" or primary eq true)]`},
		{"two value paths", `emails[type eq "work"] and phoneNumbers[type eq "mobile"]`, `emails[type eq "work"] and phoneNumbers[type eq "mobile"]`},
		{"bracket in string", `emails[value eq "a]b"] and x eq "[y"`, `emails[value eq "a]b"] and x eq "[y"`},
		{"escapes decoded", `meta.version eq "W/\"3\"" and a eq "\u00e9\/"`, `meta.version eq "W/\"3\"" and a eq "é/"`},
		{"not", `NOT (userName eq "x")`, `not(userName eq "x")`},
		{"extension", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "42"`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "42"`},
		{"max depth", strings.Repeat("(", MaxDepth) + "a pr" + strings.Repeat(")", MaxDepth), `a pr`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if got := e.(interface{ String() string }).String(); got != tc.want {
				t.Errorf("Parse(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseNumber(t *testing.T) {
	t.Parallel()
	e, err := Parse(`loginCount gt 4.2e1`)
	if err != nil {
		t.Fatal(err)
	}
	if v := e.(*fp.AttributeExpression).CompareValue; v != json.Number("4.2e1") {
		t.Errorf("compare value = %#v, want json.Number", v)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, detail string
	}{
		{"empty", ``, "empty"},
		{"blank", " \t ", "empty"},
		{"too long", `userName eq "` + strings.Repeat("a", MaxLength) + `"`, "longer than 4096"},
		{"too deep", strings.Repeat("(", MaxDepth+1) + "a pr" + strings.Repeat(")", MaxDepth+1), "deeper than 32"},
		{"too deep brackets", strings.Repeat("a[", MaxDepth+1) + "b pr" + strings.Repeat("]", MaxDepth+1), "deeper than 32"},
		{"very deep", strings.Repeat("(", MaxLength/2), "deeper than 32"},
		{"invalid utf-8", "userName eq \"\xff\"", "UTF-8"},
		{"unterminated string", `userName eq "abc`, "no closing quote"},
		{"unbalanced close", `userName eq "a")`, `unexpected ')'`},
		{"mismatched close", `emails[type eq "a")`, `unexpected ')'`},
		{"unclosed", `(userName eq "a"`, `'(' is not closed`},
		{"no value", `userName eq`, "does not parse"},
		{"unknown operator", `userName xx "a"`, "does not parse"},
		{"value with space", `displayName eq John Smith`, "does not parse"},
		{"dangling and", `userName eq "x" and`, "does not parse"},
		{"not without parentheses", `not userName eq "x"`, "does not parse"},
		{"bad escape", `userName eq "\q"`, "not a valid JSON string"},
		{"control character in string", "userName eq \"a\tb\"", "not a valid JSON string"},
		{"bad escape in value path", `emails[value eq "\x"]`, "not a valid JSON string"},
		{"unexpected character", `userName eq "a" && active eq true`, `unexpected character '&' at byte 16`},
		{"unexpected non-ascii", `userNåme eq "a"`, `unexpected character 'å'`},
		{"empty value filter", `emails[]`, "value filter of emails is empty"},
		{"bad value filter", `emails[type eq]`, "does not parse"},
		{"ordering a boolean", `active gt true`, "operator gt"},
		{"contains null", `name co null`, "operator co"},
		{"ordering a boolean in value path", `emails[primary le false]`, "operator le"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := Parse(tc.in)
			var se *resource.Error
			if !errors.As(err, &se) || se.ScimType != "invalidFilter" {
				t.Fatalf("Parse(%.60q) = %v, %v; want invalidFilter", tc.in, e, err)
			}
			if !strings.Contains(se.Detail, tc.detail) {
				t.Errorf("detail %q does not mention %q", se.Detail, tc.detail)
			}
		})
	}
}
