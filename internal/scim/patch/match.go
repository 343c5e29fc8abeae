package patch

import (
	"encoding/json"
	"strings"

	filterparser "github.com/scim2/filter-parser/v2"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

// decodeStrings replaces the string compare values of a value filter,
// which the parser returns as written between the quotes, with the text
// they stand for: `"a\"b"` means a"b. It reports false for an invalid
// escape. The parser's value filters are at most not(a and b), so the
// recursion is shallow.
func decodeStrings(e filterparser.Expression) bool {
	switch e := e.(type) {
	case *filterparser.AttributeExpression:
		raw, ok := e.CompareValue.(string)
		if !ok || !strings.ContainsRune(raw, '\\') {
			return true
		}
		var s string
		if json.Unmarshal([]byte(`"`+raw+`"`), &s) != nil {
			return false
		}
		e.CompareValue = s
	case *filterparser.LogicalExpression:
		return decodeStrings(e.Left) && decodeStrings(e.Right)
	case *filterparser.NotExpression:
		return decodeStrings(e.Expression)
	}
	return true
}

// newValue makes the value that a filter of equalities describes:
// type eq "work" and primary eq true → {"type":"work","primary":true}.
// Entra ID adds a value that does not exist yet with
// "add emails[type eq \"work\"].value"; Microsoft's answer to such a
// request is to create the value, so it is done here. Other filters (ne,
// co, or, not, …) describe no single value, and ok is false.
func newValue(e filterparser.Expression) (v map[string]any, ok bool) {
	switch e := e.(type) {
	case *filterparser.AttributeExpression:
		p := e.AttributePath
		if e.Operator != filterparser.EQ || p.URIPrefix != nil || p.SubAttribute != nil || e.CompareValue == nil {
			return nil, false
		}
		return map[string]any{p.AttributeName: e.CompareValue}, true
	case *filterparser.LogicalExpression:
		if e.Operator != filterparser.AND {
			return nil, false
		}
		l, ok := newValue(e.Left)
		if !ok {
			return nil, false
		}
		r, ok := newValue(e.Right)
		if !ok {
			return nil, false
		}
		for k, v := range r {
			// type eq "work" and type eq "home" describes nothing.
			if _, w, found := resource.Find(l, k); found && !equal(v, w) {
				return nil, false
			}
			set(l, k, v)
		}
		return l, true
	}
	return nil, false
}
