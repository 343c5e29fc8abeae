package patch

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tilgang/tilgang/internal/scim/filter"
	"github.com/tilgang/tilgang/internal/scim/resource"
)

// target is a parsed PATCH path (RFC 7644 §3.5.2):
//
//	attr                 userName
//	attr.sub             name.givenName
//	urn:attr.sub         urn:…:enterprise:2.0:User:manager.value
//	attr[filter]         emails[type eq "work"]
//	attr[filter].sub     emails[type eq "work"].value
type target struct {
	uri    string // extension schema URN as published, "" for core
	attr   string // attribute name as the client spelt it
	sub    string // sub-attribute, "" for the attribute itself
	filter filter.Expression
}

// schemaURN returns the published spelling of path if path is a schema URN
// of the resource by itself, a path to all attributes of that schema.
func schemaURN(path string) (string, bool) {
	for _, s := range append([]string{resource.UserSchema}, resource.Extensions...) {
		if strings.EqualFold(path, s) {
			return s, true
		}
	}
	return "", false
}

// parseTarget parses an attribute path, which is not a bare schema URN.
//
// The attribute part is simple enough (RFC 7644 §3.10: [URI ":"] ATTRNAME
// ["." ATTRNAME]) to read here; filter-parser's ParsePath spends 40 µs on
// "userName" and milliseconds on a long path, which a request of
// MaxOperations operations would multiply. The value filter goes to
// package filter, as search filters do: it allows any filter between the
// brackets, where ParsePath allows two comparisons, and decodes escapes.
func (a *applier) parseTarget(path string) (target, *resource.Error) {
	if len(path) > MaxPathLength {
		return target{}, resource.InvalidPath(fmt.Sprintf("the path is longer than %d bytes", MaxPathLength))
	}
	invalid := resource.InvalidPath(fmt.Sprintf("%s is not a valid path", excerpt(path)))
	attrPath, inner, rest, hasFilter := cutFilter(path)
	var t target
	if i := strings.LastIndexByte(attrPath, ':'); i >= 0 {
		uri, ok := schemaURN(attrPath[:i])
		if !ok {
			return target{}, resource.InvalidPath(fmt.Sprintf("%s names an unknown schema", excerpt(path)))
		}
		if uri != resource.UserSchema {
			t.uri = uri
		}
		attrPath = attrPath[i+1:]
	}
	var dotted bool
	t.attr, t.sub, dotted = strings.Cut(attrPath, ".")
	if !isAttrName(t.attr) || dotted && !isAttrName(t.sub) {
		return target{}, invalid
	}
	if !hasFilter {
		return t, nil
	}
	if t.sub != "" {
		// "name.givenName[…]": only multi-valued attributes are filtered,
		// and sub-attributes are never multi-valued.
		return target{}, resource.InvalidPath(fmt.Sprintf("%s filters a sub-attribute", excerpt(path)))
	}
	if rest != "" {
		sub, ok := strings.CutPrefix(rest, ".")
		if !ok || !isAttrName(sub) {
			return target{}, invalid
		}
		t.sub = sub
	}
	e, err := a.valueFilter(inner)
	if err != nil {
		return target{}, resource.InvalidPath(fmt.Sprintf("the value filter of %s: %s", excerpt(path), err.Detail))
	}
	t.filter = e
	return t, nil
}

// cutFilter splits path at its value filter: attrPath[inner]rest. A "]"
// inside a quoted string does not end the filter. A path with an
// unbalanced "[" comes back whole as attrPath, for the caller to reject.
func cutFilter(path string) (attrPath, inner, rest string, ok bool) {
	start := strings.IndexByte(path, '[')
	if start < 0 {
		return path, "", "", false
	}
	depth, quoted := 0, false
	for i := start; i < len(path); i++ {
		switch c := path[i]; {
		case quoted && c == '\\':
			i++ // an escaped byte cannot end the string
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '[':
			depth++
		case c == ']':
			if depth--; depth == 0 {
				return path[:start], path[start+1 : i], path[i+1:], true
			}
		}
	}
	return path, "", "", false
}

// isAttrName reports whether s is an ATTRNAME of RFC 7644 §3.10: a letter
// and then letters, digits, "-" and "_"; or "$ref" and the like, which RFC
// 7643 §2.1 allows as the names of references.
func isAttrName(s string) bool {
	s = strings.TrimPrefix(s, "$")
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !('0' <= c && c <= '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// valueFilter parses the inside of a value filter once per Apply and
// within the budget of filter text an Apply may parse.
func (a *applier) valueFilter(s string) (filter.Expression, *resource.Error) {
	if e, ok := a.filters[s]; ok {
		return e, nil
	}
	if a.filterBytes += len(s); a.filterBytes > maxFilterBytes {
		return nil, resource.InvalidPath(fmt.Sprintf("the value filters of the request are longer than %d bytes in all; send fewer operations at a time", maxFilterBytes))
	}
	e, err := filter.Parse(s)
	if err != nil {
		if e, ok := errors.AsType[*resource.Error](err); ok {
			return nil, e
		}
		return nil, resource.InvalidFilter(err.Error())
	}
	if a.filters == nil {
		a.filters = map[string]filter.Expression{}
	}
	a.filters[s] = e
	return e, nil
}

// excerpt quotes s for an error message, shortened: a path may be 1 KiB.
func excerpt(s string) string {
	const max = 80
	if len(s) > max {
		i := max
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// name returns the attribute path without filter, as Options take it.
func (t target) name() string {
	if t.sub == "" {
		return t.attr
	}
	return t.attr + "." + t.sub
}
