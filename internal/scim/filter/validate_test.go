package filter

import (
	"errors"
	"strings"
	"testing"

	fp "github.com/scim2/filter-parser/v2"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	types := map[string]string{
		"|active":                 "boolean",
		"|name":                   "complex",
		"|emails":                 "complex",
		"|emails.primary":         "Boolean",
		"|emails.value":           "string",
		"|x509Certificates.value": "binary",
		"|meta.lastModified":      "dateTime",
		enterprise + "|manager":   "complex",
	}
	typeOf := func(uri, path string) string { return types[uri+"|"+path] }
	tests := []struct {
		filter string
		detail string // "" for valid
	}{
		{`active eq true`, ""},
		{`active pr`, ""},
		{`meta.lastModified gt "2026-01-01T00:00:00Z"`, ""},
		{`emails co "@x"`, ""},
		{`emails[value gt "a"]`, ""},
		{`unknown gt "a"`, ""},
		{`active gt "a"`, "boolean attribute active"},
		{`name lt "a"`, "complex attribute name"},
		{`emails ge "a"`, "complex attribute emails"},
		{`emails[primary le "true"]`, "boolean attribute emails.primary"},
		{`x509Certificates[value gt "a"]`, "binary attribute"},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager gt "a"`, "complex attribute manager"},
		{`userName eq "x" and not (active gt "a")`, "operator gt"},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			t.Parallel()
			e, err := Parse(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			err = Validate(e, typeOf)
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

func TestValidateWithoutSchema(t *testing.T) {
	t.Parallel()
	// Hand-built, since Parse already rejects these.
	e := &fp.AttributeExpression{AttributePath: fp.AttributePath{AttributeName: "active"}, Operator: "GE", CompareValue: false}
	if err := Validate(e, nil); err == nil {
		t.Error("Validate(active GE false) = nil")
	}
	if err := Validate(nil, nil); err != nil {
		t.Errorf("Validate(nil) = %v", err)
	}
}
