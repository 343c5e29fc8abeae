package patch

// TEMPORARY: stands in for filter.MatchValue until package filter builds.

import (
	"strings"

	filterparser "github.com/scim2/filter-parser/v2"
	"github.com/tilgang/tilgang/internal/scim/resource"
)

func matches(e filterparser.Expression, element map[string]any) bool {
	switch e := e.(type) {
	case *filterparser.AttributeExpression:
		_, v, found := resource.Find(element, e.AttributePath.AttributeName)
		if e.Operator == filterparser.PR {
			return found && v != nil
		}
		switch want := e.CompareValue.(type) {
		case string:
			got, ok := v.(string)
			if !ok {
				return false
			}
			got, want = strings.ToLower(got), strings.ToLower(want)
			switch e.Operator {
			case filterparser.EQ:
				return got == want
			case filterparser.NE:
				return got != want
			case filterparser.CO:
				return strings.Contains(got, want)
			case filterparser.SW:
				return strings.HasPrefix(got, want)
			case filterparser.EW:
				return strings.HasSuffix(got, want)
			}
		default:
			switch e.Operator {
			case filterparser.EQ:
				return equal(v, want)
			case filterparser.NE:
				return !equal(v, want)
			}
		}
		return false
	case *filterparser.LogicalExpression:
		if e.Operator == filterparser.AND {
			return matches(e.Left, element) && matches(e.Right, element)
		}
		return matches(e.Left, element) || matches(e.Right, element)
	case *filterparser.NotExpression:
		return !matches(e.Expression, element)
	}
	return false
}
