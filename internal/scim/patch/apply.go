package patch

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tilgang/tilgang/internal/scim/filter"
	"github.com/tilgang/tilgang/internal/scim/resource"
)

// Apply applies ops in order to a deep copy of r and returns the copy; r
// is never modified. Either all operations apply or none do: on error the
// result is nil. Errors are *resource.Error.
func Apply(r resource.Resource, ops []Operation, opts Options) (resource.Resource, error) {
	out, _ := clone(r).(map[string]any)
	if out == nil {
		out = resource.Resource{}
	}
	a := &applier{opts: opts}
	for i, op := range ops {
		if err := a.apply(out, op); err != nil {
			return nil, errorf(err, fmt.Sprintf("Operations[%d]", i))
		}
	}
	tidyExtensions(out)
	return out, nil
}

// applier applies the operations of one Apply.
type applier struct {
	opts        Options
	filters     map[string]filter.Expression // value filters parsed so far
	filterBytes int                          // and their length
}

func (a *applier) apply(r resource.Resource, op Operation) *resource.Error {
	name, ok := normalOp(op.Op)
	if !ok {
		return resource.InvalidSyntax(fmt.Sprintf("unknown op %q", op.Op))
	}
	if !shallow(op.Value, maxValueDepth) {
		return resource.InvalidValue("the value is nested too deeply")
	}
	// The copy is the operation's own, so it can go into the resource.
	value := clone(op.Value)
	if op.Path != "" {
		return a.applyPath(r, name, op.Path, value)
	}
	if name == OpRemove {
		return resource.NoTarget("remove needs a path")
	}
	// Without a path the value holds attributes to add or replace, keyed
	// by name or by path: Entra ID sends "name.givenName" and
	// "urn:…:enterprise:2.0:User:department" keys, and whole extensions
	// under their schema URN.
	m, ok := value.(map[string]any)
	if !ok {
		return resource.InvalidValue(name + " without a path needs an object value")
	}
	for _, k := range sortedKeys(m) {
		if err := a.applyPath(r, name, k, m[k]); err != nil {
			return err
		}
	}
	return nil
}

// applyPath applies one operation to the attribute, or to all attributes
// of the schema, that path names.
func (a *applier) applyPath(r resource.Resource, op, path string, value any) *resource.Error {
	if len(path) > MaxPathLength {
		return resource.InvalidPath(fmt.Sprintf("the path is longer than %d bytes", MaxPathLength))
	}
	if uri, ok := schemaURN(path); ok {
		return a.applySchema(r, op, uri, value)
	}
	t, err := a.parseTarget(path)
	if err != nil {
		return err
	}
	return a.applyTarget(r, op, t, value)
}

// applySchema applies an operation whose path is a bare schema URN: the
// value holds attributes of that schema, and removing it removes them all.
func (a *applier) applySchema(r resource.Resource, op, uri string, value any) *resource.Error {
	core := uri == resource.UserSchema
	if op == OpRemove || value == nil {
		if core {
			return resource.InvalidPath("the core schema cannot be removed")
		}
		m, _ := resource.Container(r, uri, false)
		for _, k := range sortedKeys(m) {
			if a.opts.readOnly(uri, k) {
				return resource.Mutability(fmt.Sprintf("%s:%s is read-only", uri, k))
			}
		}
		unset(r, uri)
		return nil
	}
	m, ok := value.(map[string]any)
	if !ok {
		return resource.InvalidValue(fmt.Sprintf("the value for %s is not an object", uri))
	}
	for _, k := range sortedKeys(m) {
		path := k
		if !core {
			path = uri + ":" + k
		}
		if err := a.applyPath(r, op, path, m[k]); err != nil {
			return err
		}
	}
	return nil
}

// applyTarget applies one operation to one attribute path and then checks
// that no read-only part of it changed. Comparing before and after, rather
// than refusing any operation that names a read-only attribute, lets
// clients echo read-only values unchanged, as some do.
func (a *applier) applyTarget(r resource.Resource, op string, t target, value any) *resource.Error {
	guarded := readOnlyParts(op, t, value, a.opts)
	container, ok := resource.Container(r, t.uri, op != OpRemove)
	switch {
	case !ok:
		return resource.InvalidPath(fmt.Sprintf("%s is not an object", t.uri))
	case container == nil:
		return nil // removing from an extension the resource does not have
	}
	var before any
	if len(guarded) > 0 {
		_, v, _ := resource.Find(container, t.attr)
		before = clone(v)
	}
	if err := change(container, op, t, value, a.opts); err != nil {
		return err
	}
	_, after, _ := resource.Find(container, t.attr)
	for _, sub := range guarded {
		if !equal(project(before, sub), project(after, sub)) {
			name := t.attr
			if sub != "" {
				name += "." + sub
			}
			if t.uri != "" {
				name = t.uri + ":" + name
			}
			return resource.Mutability(name + " is read-only")
		}
	}
	return nil
}

// readOnlyParts returns the read-only parts of t.attr that op may change:
// "" for the attribute as a whole, else sub-attribute names, from the path
// or from the keys of the value.
func readOnlyParts(op string, t target, value any, opts Options) []string {
	if opts.readOnly(t.uri, t.attr) {
		return []string{""}
	}
	if t.sub != "" {
		if opts.readOnly(t.uri, t.name()) {
			return []string{t.sub}
		}
		return nil
	}
	if op == OpRemove {
		return nil
	}
	var parts []string
	seen := map[string]bool{}
	for _, v := range values(value) {
		m, _ := v.(map[string]any)
		for _, k := range sortedKeys(m) {
			lower := strings.ToLower(k)
			if seen[lower] {
				continue
			}
			seen[lower] = true
			if opts.readOnly(t.uri, t.attr+"."+k) {
				parts = append(parts, k)
			}
		}
	}
	return parts
}

// tidyExtensions drops extension objects that operations emptied and
// keeps "schemas" listing exactly the extensions present (RFC 7643 §3).
func tidyExtensions(r resource.Resource) {
	schemasKey, v, _ := resource.Find(r, "schemas")
	schemas, isList := v.([]any)
	for _, ext := range resource.Extensions {
		key, v, present := resource.Find(r, ext)
		if m, ok := v.(map[string]any); present && (v == nil || ok && len(m) == 0) {
			delete(r, key)
			present = false
		}
		if !isList {
			continue
		}
		i := slices.IndexFunc(schemas, func(s any) bool {
			s1, _ := s.(string)
			return strings.EqualFold(s1, ext)
		})
		switch {
		case present && i < 0:
			schemas = append(schemas, ext)
		case !present && i >= 0:
			schemas = slices.Delete(schemas, i, i+1)
		}
	}
	if isList {
		r[schemasKey] = schemas
	}
}
