package scim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tilgang/tilgang/internal/scim/resource"
	"github.com/tilgang/tilgang/internal/scim/schema"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/validate"
)

// maxKeptBytes bounds the attributes a user keeps verbatim. A DynamoDB item
// holds at most 400 KB, and the user item carries its product fields too.
const maxKeptBytes = 128 << 10

// notKept are the core attributes that the product holds in its own fields
// or computes: everything else of the core User schema and the whole
// enterprise extension is kept verbatim, so that an identity provider reads
// back what it wrote (RFC 7643 §4.1, §4.3; SPEC §5).
var notKept = map[string]bool{
	"schemas": true, "id": true, "externalid": true, "username": true, "meta": true,
	"active": true, "password": true, "groups": true,
}

// keep returns the attributes of r that the user keeps
// verbatim: names in the schema's case, unknown and read-only attributes
// dropped (RFC 7644 §3.5.1), booleans sent as strings made booleans (Entra
// ID sends "True"), and null or empty values left out, as unassigned
// (RFC 7643 §2.5). A multi-valued attribute may mark one value primary
// (RFC 7643 §2.4).
func keep(r resource.Resource) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range r {
		if strings.EqualFold(k, resource.EnterpriseSchema) {
			ext, ok := v.(map[string]any)
			if !ok {
				if v == nil {
					continue
				}
				return nil, resource.InvalidValue(resource.EnterpriseSchema + " must be an object")
			}
			kept := map[string]any{}
			for name, v := range ext {
				if err := keepAttribute(kept, resource.EnterpriseSchema, name, v); err != nil {
					return nil, err
				}
			}
			if len(kept) > 0 {
				out[resource.EnterpriseSchema] = kept
			}
			continue
		}
		if strings.HasPrefix(strings.ToLower(k), "urn:") || notKept[strings.ToLower(k)] {
			continue
		}
		if err := keepAttribute(out, resource.UserSchema, k, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// encodeKept is kept as the user stores it: nil for nothing, else JSON
// with sorted keys, so that an unchanged user compares equal.
func encodeKept(kept map[string]any) ([]byte, error) {
	if len(kept) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(kept)
	if err != nil {
		return nil, fmt.Errorf("scim: encode kept attributes: %w", err)
	}
	if len(b) > maxKeptBytes {
		return nil, resource.InvalidValue(fmt.Sprintf("the user's attributes take %d bytes; at most %d are kept", len(b), maxKeptBytes))
	}
	return b, nil
}

// keepAttribute puts attribute name of schema uri into out under its
// schema name, if it is one to keep.
func keepAttribute(out map[string]any, uri, name string, v any) error {
	a, ok := schema.Find(uri, name)
	if !ok || a.Mutability == schema.ReadOnly {
		return nil
	}
	path := a.Name
	if uri != resource.UserSchema {
		path = uri + ":" + a.Name
	}
	v, err := keptValue(a, path, v)
	if err != nil || v == nil {
		return err
	}
	out[a.Name] = v
	return nil
}

// keptValue is v as kept for attribute a, or nil when it holds nothing.
func keptValue(a schema.Attribute, path string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if !a.MultiValued {
		return keptSingle(a, path, v), nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, resource.InvalidValue(path + " must be an array")
	}
	var kept []any
	primaries := 0
	for _, e := range list {
		e = keptSingle(a, path, e)
		if e == nil {
			continue
		}
		if m, isObj := e.(map[string]any); isObj && m["primary"] == true {
			primaries++
		}
		kept = append(kept, e)
	}
	if primaries > 1 {
		return nil, resource.InvalidValue(path + ": at most one value may be primary (RFC 7643 §2.4)")
	}
	if len(kept) == 0 {
		return nil, nil
	}
	return kept, nil
}

// keptSingle is one value of a: a complex value with its sub-attributes
// in the schema's case, or v itself.
func keptSingle(a schema.Attribute, path string, v any) any {
	if a.Type == schema.TypeBoolean {
		return keptBoolean(v)
	}
	if a.Type != schema.TypeComplex {
		return v
	}
	m, ok := v.(map[string]any)
	if s, isStr := v.(string); isStr {
		if _, hasValue := lookupSub(a, "value"); hasValue {
			// A bare value for a complex attribute, as Entra ID sends
			// the enterprise manager: {"value": …} is what it means.
			m, ok = map[string]any{"value": s}, true
		}
	}
	if !ok {
		return v // the schema check names the wrong type
	}
	out := map[string]any{}
	for k, sv := range m {
		sub, found := lookupSub(a, k)
		if !found || sub.Mutability == schema.ReadOnly || sv == nil {
			continue
		}
		if sub.Type == schema.TypeBoolean {
			sv = keptBoolean(sv)
		}
		out[sub.Name] = sv
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func lookupSub(a schema.Attribute, name string) (schema.Attribute, bool) {
	for _, s := range a.SubAttributes {
		if strings.EqualFold(s.Name, name) {
			return s, true
		}
	}
	return schema.Attribute{}, false
}

// keptBoolean turns "True" and "false" into booleans; anything else is
// left for the schema check to refuse.
func keptBoolean(v any) any {
	if s, ok := v.(string); ok {
		if b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(s))); err == nil {
			return b
		}
	}
	return v
}

// decodeKept decodes kept attributes in the generic form of a request
// body (json.Number, []any, map[string]any).
func decodeKept(b []byte) map[string]any {
	if len(b) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		// keep wrote it with json.Marshal; a broken document loses only
		// what the product does not hold itself.
		return nil
	}
	return m
}

// pick returns the index in list of the value the product takes from a
// multi-valued attribute: the primary one, else the first of the first
// type in types that has one, else the first. -1 for none.
func pick(list []any, types ...string) int {
	for i, e := range list {
		if m, ok := e.(map[string]any); ok && keptBoolean(lookup(m, "primary")) == true {
			return i
		}
	}
	for _, t := range types {
		for i, e := range list {
			if m, ok := e.(map[string]any); ok {
				if s, _ := lookup(m, "type").(string); strings.EqualFold(s, t) {
					return i
				}
			}
		}
	}
	if len(list) > 0 {
		return 0
	}
	return -1
}

func lookup(m map[string]any, name string) any {
	_, v, _ := resource.Find(m, name)
	return v
}

// Types the product prefers for its own e-mail and phone fields (SPEC §5).
var (
	emailTypes = []string{"work"}
	phoneTypes = []string{"work", "mobile"}
)

// normaliser is how the rulebook stores a value (validate.Email,
// validate.Phone), so that "+45 55 55 55 55" as sent and "+4555555555" as
// stored are seen as one value.
type normaliser func(string) (string, error)

func (n normaliser) same(sent, stored string) bool {
	if sent == stored {
		return true
	}
	v, err := n(sent)
	return err == nil && v == stored
}

// overlay puts u's kept attributes into r and then makes them agree with
// u's product fields, which another door (the admin API, a CSV file) may
// have changed since the identity provider wrote them: the value the
// product took from a multi-valued attribute is replaced, not added to.
func overlay(r resource.Resource, u *tilgang.User) {
	kept := decodeKept(u.SCIMAttributes)
	for k, v := range kept {
		r[k] = v
	}
	agreeName(r, u, kept == nil)
	agreeValue(r, "emails", u.Email, emailTypes, validate.Email)
	agreeValue(r, "phoneNumbers", u.Phone, phoneTypes, validate.Phone)
	ent, _ := r[resource.EnterpriseSchema].(map[string]any)
	if ent == nil {
		ent = map[string]any{}
	}
	agreeString(ent, "employeeNumber", u.EmployeeNumber)
	agreeString(ent, "department", u.Department)
	agreeString(ent, "organization", u.Organization)
	if m, _ := ent["manager"].(map[string]any); u.Manager == "" {
		delete(ent, "manager")
	} else if m == nil || m["value"] != u.Manager {
		ent["manager"] = map[string]any{"value": u.Manager}
	}
	if len(ent) > 0 {
		r[resource.EnterpriseSchema] = ent
	} else {
		delete(r, resource.EnterpriseSchema)
	}
}

// agreeName sets name.givenName and name.familyName from u. A user that
// no identity provider wrote also gets name.formatted and a displayName
// built from them; one that a provider wrote keeps its own, unless the
// names changed since.
func agreeName(r resource.Resource, u *tilgang.User, built bool) {
	name, _ := r["name"].(map[string]any)
	if name == nil {
		name = map[string]any{}
	}
	formatted := strings.TrimSpace(u.FirstName + " " + u.LastName)
	given, _ := name["givenName"].(string)
	family, _ := name["familyName"].(string)
	if strings.TrimSpace(given) != strings.TrimSpace(u.FirstName) || strings.TrimSpace(family) != strings.TrimSpace(u.LastName) {
		agreeString(name, "givenName", u.FirstName)
		agreeString(name, "familyName", u.LastName)
		if _, ok := name["formatted"]; ok || built {
			agreeString(name, "formatted", formatted)
		}
	}
	if len(name) > 0 {
		r["name"] = name
	} else {
		delete(r, "name")
	}
	if built && formatted != "" {
		r["displayName"] = formatted
	}
}

// agreeValue makes the value the product takes from the multi-valued
// attribute attr equal to v: replaced, removed when v is empty, or added as
// the primary work value when there was none.
func agreeValue(r resource.Resource, attr, v string, types []string, stored normaliser) {
	list, _ := r[attr].([]any)
	i := pick(list, types...)
	var cur string
	if i >= 0 {
		if m, ok := list[i].(map[string]any); ok {
			s, _ := lookup(m, "value").(string)
			cur = strings.TrimSpace(s)
		}
	}
	switch {
	case stored.same(cur, v):
		return
	case v == "":
		list = append(list[:i:i], list[i+1:]...)
	case i >= 0:
		m, _ := list[i].(map[string]any)
		c := make(map[string]any, len(m))
		for k, x := range m {
			c[k] = x
		}
		c["value"] = v
		list[i] = c
	default:
		list = append(list, map[string]any{"value": v, "type": "work", "primary": true})
	}
	if len(list) == 0 {
		delete(r, attr)
		return
	}
	r[attr] = list
}

func agreeString(m map[string]any, key, v string) {
	if cur, _ := m[key].(string); strings.TrimSpace(cur) == strings.TrimSpace(v) {
		return
	}
	if v == "" {
		delete(m, key)
		return
	}
	m[key] = v
}
