package patch

import (
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

// clone returns a deep copy of a JSON value, so that Apply never shares
// maps or slices with its input resource or with the operations.
func clone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = clone(e)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = clone(e)
		}
		return l
	}
	return v
}

// shallow reports whether v nests at most depth objects and arrays deep;
// it looks no deeper than that.
func shallow(v any, depth int) bool {
	switch v := v.(type) {
	case map[string]any:
		if depth == 0 {
			return false
		}
		for _, e := range v {
			if !shallow(e, depth-1) {
				return false
			}
		}
	case []any:
		if depth == 0 {
			return false
		}
		for _, e := range v {
			if !shallow(e, depth-1) {
				return false
			}
		}
	}
	return true
}

// values returns the values of a multi-valued attribute: an array is its
// elements, nil is none, and anything else is one value (a client that
// sends an object where an array belongs means one element).
func values(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}

// withoutNulls drops the null sub-attributes of a complex value, or of
// each complex value in an array, and returns it. Null means unassigned
// (RFC 7643 §2.5): in a value merged into another it unassigns, but a
// value that is set whole has nothing to unassign.
func withoutNulls(v any) any {
	for _, e := range values(v) {
		if m, ok := e.(map[string]any); ok {
			maps.DeleteFunc(m, func(_ string, s any) bool { return s == nil })
		}
	}
	return v
}

// sortedKeys returns the keys of m in order, so that operations built
// from a path-less value apply in the same order every time.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// set sets m[name] to v, reusing the spelling of an existing key; a nil v
// unassigns (RFC 7643 §2.5: null and unassigned are the same).
func set(m map[string]any, name string, v any) {
	key, _, found := resource.Find(m, name)
	if !found {
		key = name
	}
	if v == nil {
		delete(m, key)
		return
	}
	m[key] = v
}

// unset removes name from m in any spelling.
func unset(m map[string]any, name string) {
	if key, _, found := resource.Find(m, name); found {
		delete(m, key)
	}
}

// merge sets each sub-attribute of src in dst: "add" and "replace" on a
// complex attribute leave sub-attributes that are not given unchanged
// (RFC 7644 §3.5.2.1, §3.5.2.3).
func merge(dst, src map[string]any) {
	for _, k := range sortedKeys(src) {
		set(dst, k, src[k])
	}
}

// project returns what a read-only check compares: the attribute value
// itself for sub == "", else the sub-attribute of a complex value or the
// sub-attributes of the elements of a multi-valued one.
func project(v any, sub string) any {
	if sub == "" {
		return v
	}
	switch v := v.(type) {
	case map[string]any:
		_, s, _ := resource.Find(v, sub)
		return s
	case []any:
		var out []any
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				if _, s, _ := resource.Find(m, sub); s != nil {
					out = append(out, s)
				}
			}
		}
		return out
	}
	return nil
}

// isPrimary reports whether a value is marked primary. Entra ID may send
// the boolean as a string, which the caller coerces later; it counts here
// so that two primaries cannot slip through.
func isPrimary(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	_, p, _ := resource.Find(m, "primary")
	switch p := p.(type) {
	case bool:
		return p
	case string:
		return strings.EqualFold(p, "true")
	}
	return false
}

// onePrimary keeps at most one value of list primary (RFC 7643 §2.4): the
// last one of written, the indices this operation wrote, that is primary,
// or failing that the last primary in the list.
func onePrimary(list []any, written []int) {
	n, winner := 0, -1
	for i, v := range list {
		if isPrimary(v) {
			n++
			winner = i
		}
	}
	if n < 2 {
		return
	}
	for _, i := range written {
		if i >= 0 && i < len(list) && isPrimary(list[i]) {
			winner = i
		}
	}
	for i, v := range list {
		if i != winner && isPrimary(v) {
			set(v.(map[string]any), "primary", false)
		}
	}
}

// equal reports whether two JSON values are the same.
func equal(a, b any) bool { return reflect.DeepEqual(a, b) }
