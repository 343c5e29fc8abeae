package filter

import (
	"strings"

	fp "github.com/scim2/filter-parser/v2"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

// Options for matching.
type Options struct {
	// CaseExact reports whether string comparisons on the attribute are
	// case-sensitive. It gets the schema URN as written in the filter (""
	// for none) and the dotted attribute path after it, in the filter's
	// case: "name.givenName", "emails.value" for `emails[value eq "x"]` and
	// for `emails eq "x"`; in MatchValue, paths are relative to the element.
	// nil means only "id" and "externalId" are, the defaults of RFC 7643
	// for the User resource.
	CaseExact func(uri, path string) bool
}

func (o Options) caseExact(uri, path string) bool {
	if o.CaseExact != nil {
		return o.CaseExact(uri, path)
	}
	if uri != "" && !strings.EqualFold(uri, resource.UserSchema) {
		return false
	}
	return strings.EqualFold(path, "id") || strings.EqualFold(path, "externalId")
}

// Match reports whether resource r satisfies e (RFC 7644 §3.4.2.2).
//
// A multi-valued attribute matches if any of its values does; a complex
// value compared without a sub-attribute is compared by its "value"
// sub-attribute (`emails co "@x.dk"`), except by gt, ge, lt and le, which
// never match booleans or complex values. Strings that both parse as RFC
// 3339 date-times compare as times, numbers numerically. A missing
// attribute matches only `ne`, `eq null` and `not (…)`.
func Match(e Expression, r resource.Resource, opts Options) bool {
	return matcher{opts}.match(e, r, scope{})
}

// MatchValue evaluates e against one element of a multi-valued complex
// attribute, with attribute paths relative to the element: the value filter
// of a PATCH path like `emails[type eq "work"]`. The inside of the brackets
// parses with Parse.
func MatchValue(e Expression, element map[string]any, opts Options) bool {
	return matcher{opts}.match(e, element, scope{})
}

type matcher struct{ opts Options }

// scope names the attributes inside a value path for Options.CaseExact and
// Validate: the URN and path of the enclosing attribute.
type scope struct{ uri, prefix string }

func (sc scope) enter(p fp.AttributePath) scope {
	uri, path := sc.name(p)
	return scope{uri: uri, prefix: path + "."}
}

func (sc scope) name(p fp.AttributePath) (uri, path string) {
	if uri = p.URI(); uri == "" {
		uri = sc.uri
	}
	path = sc.prefix + p.AttributeName
	if p.SubAttribute != nil {
		path += "." + *p.SubAttribute
	}
	return uri, path
}

func (m matcher) match(e Expression, obj map[string]any, sc scope) bool {
	switch e := e.(type) {
	case *fp.LogicalExpression:
		switch fp.LogicalOperator(strings.ToLower(string(e.Operator))) {
		case fp.AND:
			return m.match(e.Left, obj, sc) && m.match(e.Right, obj, sc)
		case fp.OR:
			return m.match(e.Left, obj, sc) || m.match(e.Right, obj, sc)
		}
	case *fp.NotExpression:
		// A hand-built NotExpression without an operand is malformed, not
		// a filter that everything matches.
		return e.Expression != nil && !m.match(e.Expression, obj, sc)
	case *fp.ValuePath:
		inner := sc.enter(e.AttributePath)
		for _, v := range values(obj, e.AttributePath) {
			elem, ok := v.(map[string]any)
			if !ok {
				// A simple multi-valued attribute: its values are what
				// `value` names inside the brackets.
				elem = map[string]any{"value": v}
			}
			if m.match(e.ValueFilter, elem, inner) {
				return true
			}
		}
	case *fp.AttributeExpression:
		uri, path := sc.name(e.AttributePath)
		vs := values(obj, e.AttributePath)
		if e.AttributePath.SubAttribute == nil && isComplex(vs) {
			path += ".value"
		}
		return compareAll(vs, strings.ToLower(string(e.Operator)), e.CompareValue, m.opts.caseExact(uri, path))
	}
	return false
}

func isComplex(vs []any) bool {
	for _, v := range vs {
		if _, ok := v.(map[string]any); ok {
			return true
		}
	}
	return false
}

// values returns the values that p names in obj, with a multi-valued
// attribute's values (and a sub-attribute of each) flattened into one list.
func values(obj map[string]any, p fp.AttributePath) []any {
	v, ok := lookup(obj, p.URI(), p.AttributeName)
	if !ok {
		return nil
	}
	vs := flatten(v)
	if p.SubAttribute == nil {
		return vs
	}
	var out []any
	for _, v := range vs {
		if m, ok := v.(map[string]any); ok {
			if _, sv, ok := resource.Find(m, *p.SubAttribute); ok {
				out = append(out, flatten(sv)...)
			}
		}
	}
	return out
}

func flatten(v any) []any {
	if a, ok := v.([]any); ok {
		return a
	}
	return []any{v}
}

// lookup finds attribute name of schema uri in obj.
func lookup(obj map[string]any, uri, name string) (any, bool) {
	if uri == "" {
		_, v, ok := resource.Find(obj, name)
		return v, ok
	}
	if c, ok := schemaContainer(obj, uri); ok {
		_, v, ok := resource.Find(c, name)
		return v, ok
	}
	// The parser reads `urn:…:enterprise:2.0:User pr` as URN
	// "urn:…:enterprise:2.0" and attribute "User": together they name the
	// extension's object.
	_, v, ok := resource.Find(obj, uri+":"+name)
	return v, ok
}

// schemaContainer returns the object holding the attributes of schema uri:
// obj for a core schema, the object under the URN for an extension.
func schemaContainer(obj map[string]any, uri string) (map[string]any, bool) {
	if c, ok := resource.Container(obj, uri, false); ok {
		return c, true
	}
	if _, v, ok := resource.Find(obj, uri); ok {
		c, isObj := v.(map[string]any)
		return c, isObj
	}
	// Core schemas of other resource types (Group) than package resource
	// knows of.
	const core = "urn:ietf:params:scim:schemas:core:"
	if len(uri) > len(core) && strings.EqualFold(uri[:len(core)], core) {
		return obj, true
	}
	return nil, false
}
