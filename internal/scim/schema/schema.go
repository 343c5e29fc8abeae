// Package schema holds the SCIM schemas of tilgang's resource types
// (RFC 7643 §4, §7) and builds the discovery documents that RFC 7644 §4
// serves: Schemas, ResourceTypes and ServiceProviderConfig.
//
// Every schema is defined once, as a github.com/elimity-com/scim/schema
// Schema: the library's core User, enterprise User and core Group schemas
// with tilgang's differences applied through the library's own With*
// methods and parameter types, and the tilgang extension built with those
// parameters. What this package adds is what the library lacks: a
// read-only view of an attribute (Attribute) and look-up tables for the
// protocol code, which asks for case-exactness, mutability and
// multi-valuedness on every filter and PATCH; the check of a request's
// values against the schemas with the dialects of identity providers
// (Check); and the discovery documents the library only builds inside its
// own HTTP server.
package schema

import (
	"slices"
	"strings"
	"sync"

	scim "github.com/elimity-com/scim/schema"
)

// Attribute types (RFC 7643 §2.3), as Attribute.Type has them.
const (
	TypeString    = "string"
	TypeBoolean   = "boolean"
	TypeDecimal   = "decimal"
	TypeInteger   = "integer"
	TypeDateTime  = "dateTime"
	TypeReference = "reference"
	TypeComplex   = "complex"
	TypeBinary    = "binary"
)

// Mutability values (RFC 7643 §7).
const (
	ReadOnly  = "readOnly"
	ReadWrite = "readWrite"
	Immutable = "immutable"
	WriteOnly = "writeOnly"
)

// Returned values (RFC 7643 §7).
const (
	ReturnedAlways  = "always"
	ReturnedNever   = "never"
	ReturnedDefault = "default"
	ReturnedRequest = "request"
)

// Uniqueness values (RFC 7643 §7).
const (
	UniqueNone   = "none"
	UniqueServer = "server"
	UniqueGlobal = "global"
)

// Attribute is a read-only view of an attribute definition (RFC 7643 §7)
// in plain Go values. The definition itself is the library's
// scim.CoreAttribute; Find hands out copies of the view, so a caller that
// changes one changes nothing else.
type Attribute struct {
	Name            string
	Type            string
	MultiValued     bool
	Description     string
	Required        bool
	CaseExact       bool
	Mutability      string
	Returned        string
	Uniqueness      string
	CanonicalValues []string
	ReferenceTypes  []string
	SubAttributes   []Attribute
}

// view returns the Attribute view of a.
func view(a scim.CoreAttribute) Attribute {
	v := Attribute{
		Name:            a.Name(),
		Type:            a.AttributeType(),
		MultiValued:     a.MultiValued(),
		Description:     a.Description(),
		Required:        a.Required(),
		CaseExact:       a.CaseExact(),
		Mutability:      a.Mutability(),
		Returned:        a.Returned(),
		Uniqueness:      a.Uniqueness(),
		CanonicalValues: slices.Clone(a.CanonicalValues()),
	}
	for _, t := range a.ReferenceTypes() {
		v.ReferenceTypes = append(v.ReferenceTypes, string(t))
	}
	for _, s := range a.SubAttributes() {
		v.SubAttributes = append(v.SubAttributes, view(s))
	}
	return v
}

// clone returns a deep copy of a.
func (a Attribute) clone() Attribute {
	a.CanonicalValues = slices.Clone(a.CanonicalValues)
	a.ReferenceTypes = slices.Clone(a.ReferenceTypes)
	if a.SubAttributes != nil {
		subs := make([]Attribute, len(a.SubAttributes))
		for i, s := range a.SubAttributes {
			subs[i] = s.clone()
		}
		a.SubAttributes = subs
	}
	return a
}

// Resource is a resource type (RFC 7643 §6): its name and endpoint, its
// core schema and its extensions, and the look-up tables built from them
// once, when the Resource is made. A Resource is never changed after that,
// so it is safe for concurrent use.
type Resource struct {
	name, endpoint, description string
	core                        scim.Schema
	extensions                  []extension
	// attrs maps a schema URN, then an attribute path ("userName",
	// "name.givenName"), to its view; each path is there as defined and
	// in lower case, so that the usual spelling needs no lower-casing.
	attrs map[string]map[string]Attribute
}

// extension is a schema extension of a resource type and whether a
// resource must carry it (RFC 7643 §6 "schemaExtensions").
type extension struct {
	schema   scim.Schema
	required bool
}

func newResource(name, endpoint, description string, core scim.Schema, exts ...extension) *Resource {
	r := &Resource{name: name, endpoint: endpoint, description: description, core: core, extensions: exts,
		attrs: map[string]map[string]Attribute{}}
	for _, s := range r.Schemas() {
		table := map[string]Attribute{}
		for _, a := range s.Attributes {
			v := view(a)
			add(table, v.Name, v)
			for _, sub := range v.SubAttributes {
				add(table, v.Name+"."+sub.Name, sub)
			}
		}
		r.attrs[s.ID] = table
	}
	return r
}

func add(table map[string]Attribute, path string, a Attribute) {
	table[path] = a
	table[strings.ToLower(path)] = a
}

// The resource types, each built on first use and shared after that:
// sync.OnceValue rather than init(), so that a program that never serves
// SCIM never builds them, and nothing writes them once built.
var (
	user = sync.OnceValue(func() *Resource {
		// Both extensions are optional, so that a client that knows only
		// the core schema can still provision.
		return newResource("User", "/Users", "User Account", coreUser(),
			extension{schema: enterpriseUser()}, extension{schema: tilgangUser()})
	})
	group = sync.OnceValue(func() *Resource {
		return newResource("Group", "/Groups", "Group", coreGroup())
	})
)

// User is the User resource type: core User schema, enterprise and
// tilgang extensions.
func User() *Resource { return user() }

// Group is the Group resource type: the core Group schema, no extension.
func Group() *Resource { return group() }

// Name is the resource type's name, as meta.resourceType has it.
func (r *Resource) Name() string { return r.name }

// Endpoint is the resource type's endpoint relative to the base URL.
func (r *Resource) Endpoint() string { return r.endpoint }

// Core is the resource type's core schema. It is shared: callers read it
// and hand it to the library, and must not change its attributes.
func (r *Resource) Core() scim.Schema { return r.core }

// Extensions are the resource type's schema extensions, shared as Core is.
func (r *Resource) Extensions() []scim.Schema {
	out := make([]scim.Schema, len(r.extensions))
	for i, e := range r.extensions {
		out[i] = e.schema
	}
	return out
}

// Schemas are the core schema and the extensions, in that order.
func (r *Resource) Schemas() []scim.Schema {
	return append([]scim.Schema{r.core}, r.Extensions()...)
}

// Find returns the definition of an attribute path in the schema uri of
// the resource type: "" or the core URN means the core schema. The path
// is an attribute name ("userName") or a sub-attribute ("name.givenName",
// "emails.value", "meta.lastModified", "members.value"), matched
// case-insensitively; value filters ("emails[type eq \"work\"]") must be
// stripped first. With an empty uri a path may also begin with one of the
// resource type's schema URNs
// ("urn:…:enterprise:2.0:User:department").
func (r *Resource) Find(uri, path string) (Attribute, bool) {
	if uri == "" {
		uri, path = r.splitURN(path)
	}
	id := r.core.ID
	if uri != "" {
		var ok bool
		if id, ok = r.schemaID(uri); !ok {
			return Attribute{}, false
		}
	}
	table := r.attrs[id]
	a, ok := table[path]
	if !ok {
		a, ok = table[strings.ToLower(path)]
	}
	if !ok {
		return Attribute{}, false
	}
	return a.clone(), true
}

// schemaID returns the URN of the resource type's schema that uri names,
// in its defined spelling.
func (r *Resource) schemaID(uri string) (string, bool) {
	if strings.EqualFold(uri, r.core.ID) {
		return r.core.ID, true
	}
	for _, e := range r.extensions {
		if strings.EqualFold(uri, e.schema.ID) {
			return e.schema.ID, true
		}
	}
	return "", false
}

// splitURN splits a path that starts with one of the resource type's
// schema URNs and a colon into the URN and the rest; other paths come back
// with an empty URN.
func (r *Resource) splitURN(path string) (uri, rest string) {
	if uri, rest, ok := cutURN(path, r.core.ID); ok {
		return uri, rest
	}
	for _, e := range r.extensions {
		if uri, rest, ok := cutURN(path, e.schema.ID); ok {
			return uri, rest
		}
	}
	return "", path
}

// cutURN cuts the URN id and a colon off the front of path.
func cutURN(path, id string) (uri, rest string, ok bool) {
	if len(path) > len(id) && path[len(id)] == ':' && strings.EqualFold(path[:len(id)], id) {
		return id, path[len(id)+1:], true
	}
	return "", path, false
}

// Find is User().Find: the look-up of the User resource type, which is
// what the protocol code served before there were other resource types.
func Find(uri, path string) (Attribute, bool) { return User().Find(uri, path) }

// All returns every schema tilgang defines, each once: the User
// resource type's (core, enterprise, tilgang), then Group's. Discovery
// lists only those of the resource types a handler serves; see Schemas.
func All() []scim.Schema { return Schemas(User(), Group()) }

// Schemas returns the schemas of the served resource types, each once, in
// the order given.
func Schemas(served ...*Resource) []scim.Schema {
	var out []scim.Schema
	for _, r := range served {
		for _, s := range r.Schemas() {
			if !slices.ContainsFunc(out, func(o scim.Schema) bool { return o.ID == s.ID }) {
				out = append(out, s)
			}
		}
	}
	return out
}

// ByID returns the schema of the served resource types with the URN id,
// matched case-insensitively.
func ByID(id string, served ...*Resource) (scim.Schema, bool) {
	for _, s := range Schemas(served...) {
		if strings.EqualFold(s.ID, id) {
			return s, true
		}
	}
	return scim.Schema{}, false
}
