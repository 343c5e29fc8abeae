package filter

import (
	"encoding/json"
	"strings"

	fp "github.com/scim2/filter-parser/v2"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

// KeyLookup reports whether e is exactly `userName eq "x"` or `externalId eq
// "x"` (the attribute name in any case, optionally with the core User
// schema URN), so that the caller can answer it with a key look-up instead
// of a scan. attr is "userName" or "externalId"; value is the decoded
// string, in the filter's case, so the caller must still apply userName's
// case-insensitivity. An unquoted number
// (`externalId eq 12345`) counts, as Match compares it as text.
func KeyLookup(e Expression) (attr, value string, ok bool) {
	a, isAttr := e.(*fp.AttributeExpression)
	if !isAttr || a.AttributePath.SubAttribute != nil ||
		!strings.EqualFold(string(a.Operator), string(fp.EQ)) {
		return "", "", false
	}
	if uri := a.AttributePath.URI(); uri != "" && !strings.EqualFold(uri, resource.UserSchema) {
		return "", "", false
	}
	switch name := a.AttributePath.AttributeName; {
	case strings.EqualFold(name, "userName"):
		attr = "userName"
	case strings.EqualFold(name, "externalId"):
		attr = "externalId"
	default:
		return "", "", false
	}
	switch v := a.CompareValue.(type) {
	case string:
		return attr, v, true
	case json.Number:
		return attr, string(v), true
	}
	return "", "", false
}
