package scim

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

// reader reads typed attributes from a generic resource and keeps the
// first type error, so that mapping code reads straight through. It is
// lenient where identity providers are known to deviate: booleans as
// "True"/"False" strings (Entra ID), numbers as strings, a manager as a
// bare id.
type reader struct {
	err error
}

func (rd *reader) fail(attr, want string) {
	if rd.err == nil {
		rd.err = resource.InvalidValue(attr + " must be " + want)
	}
}

func (rd *reader) str(m map[string]any, attr string) string {
	_, v, ok := resource.Find(m, attr)
	if !ok || v == nil {
		return ""
	}
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String() // numbers in string attributes, e.g. an employee number
	}
	rd.fail(attr, "a string")
	return ""
}

func (rd *reader) boolean(m map[string]any, attr string) *bool {
	_, v, ok := resource.Find(m, attr)
	if !ok || v == nil {
		return nil
	}
	switch v := v.(type) {
	case bool:
		return &v
	case string:
		if b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(v))); err == nil {
			return &b
		}
	}
	rd.fail(attr, "a boolean")
	return nil
}

func (rd *reader) integer(m map[string]any, attr string) int {
	_, v, ok := resource.Find(m, attr)
	if !ok || v == nil {
		return 0
	}
	var s string
	switch v := v.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = strings.TrimSpace(v)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		rd.fail(attr, "an integer")
	}
	return n
}

func (rd *reader) object(m map[string]any, attr string) map[string]any {
	_, v, ok := resource.Find(m, attr)
	if !ok || v == nil {
		return nil
	}
	o, isObj := v.(map[string]any)
	if !isObj {
		rd.fail(attr, "an object")
	}
	return o
}

func (rd *reader) list(m map[string]any, attr string) []any {
	_, v, ok := resource.Find(m, attr)
	if !ok || v == nil {
		return nil
	}
	l, isList := v.([]any)
	if !isList {
		rd.fail(attr, "an array")
	}
	return l
}

func (rd *reader) strs(m map[string]any, attr string) []string {
	var out []string
	for _, v := range rd.list(m, attr) {
		s, ok := v.(string)
		if !ok {
			rd.fail(attr, "an array of strings")
			return nil
		}
		out = append(out, s)
	}
	return out
}

// pickedValue reads the value the product takes from a multi-valued
// attribute such as emails (see pick).
func (rd *reader) pickedValue(m map[string]any, attr string, types []string) string {
	list := rd.list(m, attr)
	for _, v := range list {
		if _, ok := v.(map[string]any); !ok {
			rd.fail(attr, "an array of objects")
			return ""
		}
	}
	if i := pick(list, types...); i >= 0 {
		return strings.TrimSpace(rd.str(list[i].(map[string]any), "value"))
	}
	return ""
}

// manager reads the enterprise manager: {"value": id} as RFC 7643 has it,
// or a bare id as Entra ID sends it in path-less PATCH.
func (rd *reader) manager(ent map[string]any) string {
	_, v, ok := resource.Find(ent, "manager")
	if !ok || v == nil {
		return ""
	}
	if s, isStr := v.(string); isStr {
		return s
	}
	return rd.str(rd.object(ent, "manager"), "value")
}
