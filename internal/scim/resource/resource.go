// Package resource holds the generic form of SCIM resources that the
// filter, PATCH and attribute-selection code work on: a JSON object decoded
// with json.Decoder.UseNumber, so numbers are json.Number, objects
// map[string]any and arrays []any. Attribute names and schema URNs are
// matched case-insensitively (RFC 7643 §2.1).
package resource

import (
	"strings"
)

// Schema URNs of the User resource.
const (
	UserSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	EnterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	TilgangSchema    = "urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"
)

// GroupSchema is the schema URN of the Group resource (RFC 7643 §4.2).
const GroupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group"

// Extensions are the extension schemas of the User resource, whose
// attributes live in an object under the schema URN.
var Extensions = []string{EnterpriseSchema, TilgangSchema}

// Resource is a SCIM resource in generic form.
type Resource = map[string]any

// Find returns the key of m that equals name case-insensitively, and its
// value.
func Find(m map[string]any, name string) (key string, value any, ok bool) {
	if v, ok := m[name]; ok {
		return name, v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return k, v, true
		}
	}
	return "", nil, false
}

// Container returns the object that holds the attributes of schema uri in
// r: r itself for the core schema (or no uri), the object under the URN for
// an extension. With create set, a missing extension object is added.
// ok is false for a URN the resource does not know.
func Container(r Resource, uri string, create bool) (m map[string]any, ok bool) {
	if uri == "" || strings.EqualFold(uri, UserSchema) {
		return r, true
	}
	for _, ext := range Extensions {
		if !strings.EqualFold(uri, ext) {
			continue
		}
		if _, v, found := Find(r, ext); found {
			m, isObj := v.(map[string]any)
			return m, isObj
		}
		if !create {
			return nil, true
		}
		m = map[string]any{}
		r[ext] = m
		return m, true
	}
	return nil, false
}

// SplitURN splits a full attribute path that starts with a known schema URN
// ("urn:…:enterprise:2.0:User:employeeNumber") into the URN and the rest.
// Other paths come back with an empty URN.
func SplitURN(path string) (uri, rest string) {
	for _, s := range append([]string{UserSchema}, Extensions...) {
		if len(path) > len(s) && strings.EqualFold(path[:len(s)], s) && path[len(s)] == ':' {
			return s, path[len(s)+1:]
		}
	}
	return "", path
}
