package patch

import (
	"fmt"
	"strings"

	filterparser "github.com/scim2/filter-parser/v2"
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
	filter filterparser.Expression
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
func parseTarget(path string) (target, *resource.Error) {
	if len(path) > MaxPathLength {
		return target{}, resource.InvalidPath(fmt.Sprintf("the path is longer than %d bytes", MaxPathLength))
	}
	p, ok := parsePath(path)
	if !ok || p.ValueExpression != nil && !decodeStrings(p.ValueExpression) {
		return target{}, resource.InvalidPath(fmt.Sprintf("%q is not a valid path", path))
	}
	t := target{attr: p.AttributePath.AttributeName, filter: p.ValueExpression}
	if uri := p.AttributePath.URI(); uri != "" {
		s, ok := schemaURN(uri)
		if !ok {
			return target{}, resource.InvalidPath(fmt.Sprintf("%q names an unknown schema", path))
		}
		if s != resource.UserSchema {
			t.uri = s
		}
	}
	switch {
	case t.filter == nil:
		t.sub = p.AttributePath.SubAttributeName()
	case p.AttributePath.SubAttribute != nil:
		// "name.givenName[…]": only a multi-valued attribute can be
		// filtered, and those have no sub-attribute that is.
		return target{}, resource.InvalidPath(fmt.Sprintf("%q filters a sub-attribute", path))
	default:
		t.sub = p.SubAttributeName()
	}
	return t, nil
}

// name returns the attribute path without filter, as Options take it.
func (t target) name() string {
	if t.sub == "" {
		return t.attr
	}
	return t.attr + "." + t.sub
}

// parsePath runs the parser. ParsePathNumber keeps numbers in filters as
// json.Number, the form resource values have. The parser is third-party
// code fed with untrusted input, so a panic in it counts as a path that
// does not parse rather than taking the request down.
func parsePath(path string) (p filterparser.Path, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	p, err := filterparser.ParsePathNumber([]byte(path))
	return p, err == nil && p.AttributePath.AttributeName != ""
}
