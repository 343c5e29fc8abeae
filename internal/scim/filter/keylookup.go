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
	return keyLookup(e, resource.UserSchema, "userName", "externalId")
}

// GroupKeyLookup is KeyLookup for groups: `displayName eq "x"` or
// `externalId eq "x"`, optionally with the core Group schema URN.
func GroupKeyLookup(e Expression) (attr, value string, ok bool) {
	return keyLookup(e, resource.GroupSchema, "displayName", "externalId")
}

// keyLookup reports whether e is `<one of keys> eq "x"`, with no URN or
// the core schema uri.
func keyLookup(e Expression, uri string, keys ...string) (attr, value string, ok bool) {
	a, isAttr := e.(*fp.AttributeExpression)
	if !isAttr || a.AttributePath.SubAttribute != nil ||
		!strings.EqualFold(string(a.Operator), string(fp.EQ)) {
		return "", "", false
	}
	if u := a.AttributePath.URI(); u != "" && !strings.EqualFold(u, uri) {
		return "", "", false
	}
	for _, k := range keys {
		if strings.EqualFold(a.AttributePath.AttributeName, k) {
			attr = k
		}
	}
	if attr == "" {
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
