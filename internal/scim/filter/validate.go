package filter

import (
	"fmt"
	"strings"

	fp "github.com/scim2/filter-parser/v2"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

// Validate reports, as an invalidFilter *resource.Error, comparisons that
// RFC 7644 §3.4.2.2 says must fail the request rather than just not match:
// gt, ge, lt, le, co, sw and ew with a boolean or null value and, when
// typeOf is given, gt, ge, lt and le on an attribute whose type is
// "boolean", "binary" or "complex". Parse already runs the checks that need
// no schema.
//
// typeOf gets the schema URN as written in the filter ("" for none) and the
// attribute path after it, dotted and in the filter's case ("name.givenName",
// or "emails.type" for `emails[type eq "work"]`), and returns the RFC 7643
// §2.3 type name, or "" when it does not know the attribute.
func Validate(e Expression, typeOf func(uri, path string) string) error {
	return validate(e, scope{}, typeOf)
}

func validate(e Expression, sc scope, typeOf func(uri, path string) string) error {
	switch e := e.(type) {
	case *fp.LogicalExpression:
		if err := validate(e.Left, sc, typeOf); err != nil {
			return err
		}
		return validate(e.Right, sc, typeOf)
	case *fp.NotExpression:
		return validate(e.Expression, sc, typeOf)
	case *fp.ValuePath:
		return validate(e.ValueFilter, sc.enter(e.AttributePath), typeOf)
	case *fp.AttributeExpression:
		return validateCompare(e, sc, typeOf)
	}
	return nil
}

func validateCompare(e *fp.AttributeExpression, sc scope, typeOf func(uri, path string) string) error {
	op := fp.CompareOperator(strings.ToLower(string(e.Operator)))
	if op == fp.PR || op == fp.EQ || op == fp.NE {
		return nil
	}
	switch e.CompareValue.(type) {
	case bool, nil:
		return resource.InvalidFilter(fmt.Sprintf("%s: operator %s needs a string, number or date value", e, op))
	}
	if typeOf == nil || !isOrdering(op) {
		return nil
	}
	uri, path := sc.name(e.AttributePath)
	switch t := strings.ToLower(typeOf(uri, path)); t {
	case "boolean", "binary", "complex":
		return resource.InvalidFilter(fmt.Sprintf("%s: operator %s cannot compare %s attribute %s", e, op, t, path))
	}
	return nil
}

func isOrdering(op fp.CompareOperator) bool {
	return op == fp.GT || op == fp.GE || op == fp.LT || op == fp.LE
}
