package scim

import (
	"net/http"
	"strings"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

// selection is a request's attributes or excludedAttributes (RFC 7644
// §3.9). The zero value returns resources whole.
type selection struct {
	include []attrPath
	exclude []attrPath
}

// attrPath is one entry of an attributes list: a schema URN (or "" for the
// core schema), an attribute and optionally a sub-attribute.
type attrPath struct {
	uri, attr, sub string
}

// maxSelection bounds the attributes a request may list.
const maxSelection = 100

func selectionFromQuery(r *http.Request) (selection, error) {
	q := r.URL.Query()
	return newSelection(splitList(q.Get("attributes")), splitList(q.Get("excludedAttributes")))
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func newSelection(include, exclude []string) (selection, error) {
	if len(include)+len(exclude) > maxSelection {
		return selection{}, resource.InvalidValue("too many attributes listed")
	}
	var sel selection
	for _, list := range []struct {
		in  []string
		out *[]attrPath
	}{{include, &sel.include}, {exclude, &sel.exclude}} {
		for _, p := range list.in {
			ap, err := parseAttrPath(p)
			if err != nil {
				return selection{}, err
			}
			*list.out = append(*list.out, ap)
		}
	}
	return sel, nil
}

func parseAttrPath(p string) (attrPath, error) {
	if strings.EqualFold(p, resource.UserSchema) {
		return attrPath{uri: resource.UserSchema}, nil // every core attribute
	}
	uri, rest := resource.SplitURN(p)
	switch {
	case uri == resource.UserSchema:
		uri = "" // core attributes are named the same with and without their URN
	case uri == "" && strings.HasPrefix(strings.ToLower(p), "urn:"):
		// A bare extension URN selects the whole extension.
		for _, ext := range resource.Extensions {
			if strings.EqualFold(p, ext) {
				return attrPath{uri: ext}, nil
			}
		}
		return attrPath{}, resource.InvalidValue("unknown schema in attribute " + p)
	}
	attr, sub, _ := strings.Cut(rest, ".")
	if attr == "" || strings.Contains(sub, ".") {
		return attrPath{}, resource.InvalidValue("not an attribute path: " + p)
	}
	return attrPath{uri: uri, attr: attr, sub: sub}, nil
}

// alwaysReturned are returned whatever the selection (RFC 7643 "returned":
// "always").
var alwaysReturned = []string{"id", "schemas"}

func isAlways(attr string) bool {
	for _, a := range alwaysReturned {
		if strings.EqualFold(a, attr) {
			return true
		}
	}
	return false
}

// apply projects r. It modifies and returns r, which is the caller's own.
func (s selection) apply(r resource.Resource) resource.Resource {
	if len(s.include) > 0 {
		out := resource.Resource{}
		for _, a := range alwaysReturned {
			if k, v, ok := resource.Find(r, a); ok {
				out[k] = v
			}
		}
		for _, p := range s.include {
			copyPath(r, out, p)
		}
		return out
	}
	for _, p := range s.exclude {
		if p.uri == "" && isAlways(p.attr) {
			continue
		}
		removePath(r, p)
	}
	return r
}

func copyPath(from, to resource.Resource, p attrPath) {
	if p.attr == "" && p.uri == resource.UserSchema {
		for k, v := range from {
			if !strings.HasPrefix(strings.ToLower(k), "urn:") {
				to[k] = v
			}
		}
		return
	}
	if p.attr == "" { // a whole extension
		if k, v, ok := resource.Find(from, p.uri); ok {
			to[k] = v
		}
		return
	}
	src, _ := resource.Container(from, p.uri, false)
	if src == nil {
		return
	}
	key, v, ok := resource.Find(src, p.attr)
	if !ok {
		return
	}
	dst, _ := resource.Container(to, p.uri, true)
	if p.sub == "" {
		dst[key] = v
		return
	}
	switch v := v.(type) {
	case map[string]any:
		sub, _ := dst[key].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
		}
		if k, sv, ok := resource.Find(v, p.sub); ok {
			sub[k] = sv
			dst[key] = sub
		}
	case []any:
		// A sub-attribute of a multi-valued attribute: that sub-attribute
		// of every element, merged with what other paths selected.
		prev, _ := dst[key].([]any)
		out := make([]any, len(v))
		for i, e := range v {
			m := map[string]any{}
			if i < len(prev) {
				if pm, ok := prev[i].(map[string]any); ok {
					m = pm
				}
			}
			if em, ok := e.(map[string]any); ok {
				if k, sv, ok := resource.Find(em, p.sub); ok {
					m[k] = sv
				}
			}
			out[i] = m
		}
		dst[key] = out
	}
}

func removePath(r resource.Resource, p attrPath) {
	if p.attr == "" && p.uri == resource.UserSchema {
		for k := range r {
			if !strings.HasPrefix(strings.ToLower(k), "urn:") && !isAlways(k) {
				delete(r, k)
			}
		}
		return
	}
	if p.attr == "" {
		if k, _, ok := resource.Find(r, p.uri); ok {
			delete(r, k)
		}
		return
	}
	c, _ := resource.Container(r, p.uri, false)
	if c == nil {
		return
	}
	key, v, ok := resource.Find(c, p.attr)
	if !ok {
		return
	}
	if p.sub == "" {
		delete(c, key)
		return
	}
	switch v := v.(type) {
	case map[string]any:
		if k, _, ok := resource.Find(v, p.sub); ok {
			delete(v, k)
		}
	case []any:
		for _, e := range v {
			if em, ok := e.(map[string]any); ok {
				if k, _, ok := resource.Find(em, p.sub); ok {
					delete(em, k)
				}
			}
		}
	}
}

// wants reports whether a core attribute that is returned by default is
// in the answer: one the caller must read at a cost (a group's members)
// is read only when it is.
func (s selection) wants(attr string) bool {
	if len(s.include) > 0 {
		return s.asks(attr)
	}
	for _, p := range s.exclude {
		if p.uri == "" && strings.EqualFold(p.attr, attr) && p.sub == "" {
			return false
		}
	}
	return true
}

// asks reports whether the attributes list names attr: how an attribute
// that is returned only on request ("returned": "request", RFC 7643 §7),
// such as a user's groups, is asked for.
func (s selection) asks(attr string) bool {
	for _, p := range s.include {
		if p.uri == "" && strings.EqualFold(p.attr, attr) {
			return true
		}
	}
	return false
}
