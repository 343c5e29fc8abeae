package filter

import (
	"strings"

	fp "github.com/scim2/filter-parser/v2"

	"github.com/tilgang/tilgang/internal/scim/resource"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Statuses reports whether e selects users by status alone, and which
// statuses it selects: `active eq true|false`, `active ne true|false`, and
// the tilgang extension's `status eq "x"` for a known status. A list can
// answer such a filter from the status index and the user counters
// instead of reading the organisation. "active" is true for every status
// but deactivated (SPEC §4, as the User resource shows it).
func Statuses(e Expression) ([]tilgang.Status, bool) {
	a, ok := e.(*fp.AttributeExpression)
	if !ok || a.AttributePath.SubAttribute != nil {
		return nil, false
	}
	uri, name := a.AttributePath.URI(), a.AttributePath.AttributeName
	op := fp.CompareOperator(strings.ToLower(string(a.Operator)))
	switch {
	case strings.EqualFold(name, "active") && (uri == "" || strings.EqualFold(uri, resource.UserSchema)):
		want, isBool := a.CompareValue.(bool)
		if !isBool || (op != fp.EQ && op != fp.NE) {
			return nil, false
		}
		if op == fp.NE {
			want = !want
		}
		var sts []tilgang.Status
		for _, st := range tilgang.Statuses {
			if (st != tilgang.StatusDeactivated) == want {
				sts = append(sts, st)
			}
		}
		return sts, true
	case strings.EqualFold(name, "status") && strings.EqualFold(uri, resource.TilgangSchema) && op == fp.EQ:
		v, isString := a.CompareValue.(string)
		if !isString {
			return nil, false
		}
		// Match compares this attribute without case (it is not caseExact),
		// so the index answer does too.
		for _, st := range tilgang.Statuses {
			if strings.EqualFold(v, string(st)) {
				return []tilgang.Status{st}, true
			}
		}
		return []tilgang.Status{}, true // no user has an unknown status
	}
	return nil, false
}
