package patch

import (
	"fmt"
	"slices"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

// change applies op to the attribute t names in container, the core
// resource or an extension object.
func change(container map[string]any, op string, t target, value any, opts Options) *resource.Error {
	key, cur, exists := resource.Find(container, t.attr)
	if !exists {
		key = t.attr
	}
	_, isList := cur.([]any)
	multi := isList || opts.multiValued(t.uri, t.attr)
	switch {
	case t.filter != nil:
		if exists && !multi {
			return resource.InvalidPath(fmt.Sprintf("%s is not multi-valued and cannot be filtered", t.attr))
		}
		return changeFiltered(container, key, values(cur), op, t, value)
	case multi:
		return changeMulti(container, key, values(cur), op, t, value)
	}
	changeSingle(container, key, cur, op, t.sub, value)
	return nil
}

// changeSingle changes a single-valued attribute or a sub-attribute of it.
func changeSingle(container map[string]any, key string, cur any, op, sub string, value any) {
	m, isMap := cur.(map[string]any)
	switch {
	case sub == "" && op == OpRemove:
		delete(container, key)
		return
	case sub == "":
		v, ok := value.(map[string]any)
		if !isMap || !ok {
			// A value of another shape replaces whatever was there:
			// Entra ID sets manager to a bare id string.
			if m, ok := withoutNulls(value).(map[string]any); ok && len(m) == 0 {
				delete(container, key) // an empty complex value is unassigned
				return
			}
			set(container, key, value)
			return
		}
		merge(m, v)
	case op == OpRemove:
		if !isMap {
			return
		}
		unset(m, sub)
	default:
		if !isMap {
			if value == nil {
				return
			}
			m = map[string]any{}
			container[key] = m
		}
		set(m, sub, value)
	}
	if len(m) == 0 {
		delete(container, key) // an empty complex value is unassigned
	}
}

// changeMulti changes a multi-valued attribute, with no value filter.
func changeMulti(container map[string]any, key string, list []any, op string, t target, value any) *resource.Error {
	if t.sub != "" {
		return changeEverySub(container, key, list, op, t, value)
	}
	switch op {
	case OpRemove:
		if value == nil {
			delete(container, key)
			return nil
		}
		// Entra ID removes group members by value:
		// {"op":"Remove","path":"members","value":[{"value":"id"}]}.
		list = slices.DeleteFunc(list, func(e any) bool {
			return slices.ContainsFunc(values(value), func(v any) bool { return described(e, v) })
		})
		store(container, key, list)
		return nil
	case OpReplace:
		list = nil
	}
	var written []int
	for _, v := range values(withoutNulls(value)) {
		// Adding a value that is there already changes nothing
		// (RFC 7644 §3.5.2.1).
		if v == nil || slices.ContainsFunc(list, func(e any) bool { return equal(e, v) }) {
			continue
		}
		list = append(list, v)
		written = append(written, len(list)-1)
	}
	onePrimary(list, written)
	store(container, key, list)
	return nil
}

// changeEverySub changes a sub-attribute of every value of a multi-valued
// attribute: "emails.type" reads as a filter that matches all values.
func changeEverySub(container map[string]any, key string, list []any, op string, t target, value any) *resource.Error {
	var written []int
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		if op == OpRemove {
			unset(m, t.sub)
			continue
		}
		set(m, t.sub, clone(value))
		written = append(written, i)
	}
	if op != OpRemove {
		if len(written) == 0 {
			return resource.NoTarget(fmt.Sprintf("%s has no values to set %s in", t.attr, t.sub))
		}
		onePrimary(list, written)
	}
	store(container, key, list)
	return nil
}

// changeFiltered changes the values of a multi-valued attribute that the
// value filter of t matches, or a sub-attribute of them.
func changeFiltered(container map[string]any, key string, list []any, op string, t target, value any) *resource.Error {
	var matched []int
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			if t.sub != "" {
				continue
			}
			// A value of a multi-valued attribute of simple values is
			// named "value" in filters.
			m = map[string]any{"value": e}
		}
		if matches(t.filter, m) {
			matched = append(matched, i)
		}
	}
	switch {
	case op == OpRemove:
		// Removing what is not there leaves nothing to do; no error.
		for _, i := range matched {
			if t.sub == "" {
				list[i] = nil
			} else {
				unset(list[i].(map[string]any), t.sub)
			}
		}
	case len(matched) == 0 && op == OpReplace:
		return resource.NoTarget(fmt.Sprintf("no value of %s matches the filter", t.attr))
	case len(matched) == 0:
		e, ok := newValue(t.filter)
		if !ok {
			return resource.NoTarget(fmt.Sprintf("no value of %s matches the filter, and the filter does not describe a new one", t.attr))
		}
		list = append(list, e)
		matched = []int{len(list) - 1}
		fallthrough
	default:
		for _, i := range matched {
			if t.sub != "" {
				set(list[i].(map[string]any), t.sub, clone(value))
				continue
			}
			if op == OpReplace {
				list[i] = withoutNulls(clone(value))
				continue
			}
			// "add" to a complex value sets the sub-attributes given.
			e, ok := list[i].(map[string]any)
			v, isMap := value.(map[string]any)
			if !ok || !isMap {
				return resource.InvalidValue(fmt.Sprintf("add to %s[…] needs an object value", t.attr))
			}
			merge(e, clone(v).(map[string]any))
		}
	}
	if op != OpRemove {
		onePrimary(list, matched)
	}
	store(container, key, list)
	return nil
}

// described reports whether value e is what v describes in a remove:
// equal, or for complex values, having every sub-attribute v gives.
func described(e, v any) bool {
	em, ok1 := e.(map[string]any)
	vm, ok2 := v.(map[string]any)
	if !ok1 || !ok2 || len(vm) == 0 {
		return equal(e, v)
	}
	for k, want := range vm {
		if _, got, found := resource.Find(em, k); !found || !equal(got, want) {
			return false
		}
	}
	return true
}

// store sets a multi-valued attribute, dropping values that operations
// emptied; with none left it is unassigned (RFC 7644 §3.5.2.2).
func store(container map[string]any, key string, list []any) {
	list = slices.DeleteFunc(list, func(e any) bool {
		m, ok := e.(map[string]any)
		return e == nil || ok && len(m) == 0
	})
	if len(list) == 0 {
		delete(container, key)
		return
	}
	container[key] = list
}
