package schema

import (
	"strings"
	"sync"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

// All returns the User schemas: core, enterprise, tilgang.
func All() []Schema {
	return []Schema{User(), Enterprise(), Tilgang()}
}

// ByID returns the schema with the given URN, matched case-insensitively.
func ByID(id string) (Schema, bool) {
	for _, s := range All() {
		if strings.EqualFold(s.ID, id) {
			return s, true
		}
	}
	return Schema{}, false
}

// shared holds the schemas that Find searches. Find runs for every
// attribute of every filter, PATCH and projection, so the tables are built
// once, on first use; Find hands out copies.
var shared = sync.OnceValue(All)

// Find returns the definition of an attribute path in the schema uri: "" or
// the core URN means the core User schema. The path is an attribute name
// ("userName") or a sub-attribute ("name.givenName", "emails.value",
// "meta.lastModified"), matched case-insensitively; value filters
// ("emails[type eq \"work\"]") must be stripped first. With an empty uri a
// path may also begin with a schema URN ("urn:…:enterprise:2.0:User:department").
func Find(uri, path string) (Attribute, bool) {
	if uri == "" {
		uri, path = resource.SplitURN(path)
	}
	if uri == "" {
		uri = resource.UserSchema
	}
	var attrs []Attribute
	for _, s := range shared() {
		if strings.EqualFold(s.ID, uri) {
			attrs = s.Attributes
		}
	}
	name, sub, hasSub := strings.Cut(path, ".")
	a, ok := lookup(attrs, name)
	if !ok {
		return Attribute{}, false
	}
	if hasSub {
		if a, ok = lookup(a.SubAttributes, sub); !ok {
			return Attribute{}, false
		}
	}
	return a.clone(), true
}

func lookup(attrs []Attribute, name string) (Attribute, bool) {
	for _, a := range attrs {
		if strings.EqualFold(a.Name, name) {
			return a, true
		}
	}
	return Attribute{}, false
}
