package patch

import (
	"strings"

	filterparser "github.com/scim2/filter-parser/v2"

	"github.com/tilgang/tilgang/internal/scim/filter"
	"github.com/tilgang/tilgang/internal/scim/resource"
)

// matches reports whether a value of a multi-valued attribute satisfies
// the value filter of a path.
func matches(e filter.Expression, element map[string]any) bool {
	return filter.MatchValue(e, element, filter.Options{})
}

// newValue makes the value that a filter of equalities describes:
// type eq "work" and primary eq true → {"type":"work","primary":true}.
// Entra ID adds a value that does not exist yet with
// "add emails[type eq \"work\"].value"; Microsoft's answer to such a
// request is to create the value, so it is done here. Other filters (ne,
// co, or, not, …) describe no single value, and ok is false.
func newValue(e filter.Expression) (v map[string]any, ok bool) {
	switch e := e.(type) {
	case *filterparser.AttributeExpression:
		p := e.AttributePath
		if !strings.EqualFold(string(e.Operator), string(filterparser.EQ)) || p.URIPrefix != nil || p.SubAttribute != nil || e.CompareValue == nil {
			return nil, false
		}
		return map[string]any{p.AttributeName: e.CompareValue}, true
	case *filterparser.LogicalExpression:
		if !strings.EqualFold(string(e.Operator), string(filterparser.AND)) {
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
