package schema

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"
	scim "github.com/elimity-com/scim/schema"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

// Check reports the first value of res that does not fit its attribute in
// the schemas of r: a string where a boolean belongs, an object for a
// string, a binary that is not base64, a dateTime that is not one, an
// integer with a fraction, a single value for a multi-valued attribute,
// an attribute given twice in different case. The error is a
// *resource.Error with the scimType of the library's error (invalidValue,
// or invalidSyntax for the duplicate) and a detail that names the
// attribute path, which the library's errors do not. It checks a POST or
// PUT body, or the resource a PATCH produced, before it is mapped.
//
// The type checks are the library's (scim.CoreAttribute.ValidateSingular),
// value by value, so that the error can say where. Around them, Check
// does what the library does not:
//
//   - it follows RFC 7644 §3.3 and §3.5.1: values of readOnly attributes
//     are ignored, not checked, since a client may send back what it read;
//   - it ignores attributes that no schema of r defines, as the library's
//     validation does and tilgang always has: identity providers send
//     attributes and extensions tilgang has no use for, and refusing them
//     would break provisioning for nothing;
//   - it leaves required attributes to the domain's rulebook, whose errors
//     carry the stable code, and which SPEC §5 needs to answer a
//     uniqueness conflict before whatever else a body lacks;
//   - it accepts the values identity providers are known to send in place
//     of the schema's (see lenient and the dialect rules in checker), the
//     same values tilgang's mapping reads. It does so value by value, and
//     never through the library's package-wide SetAllowStringValues.
func Check(res resource.Resource, r *Resource) error {
	c := checker{schema: r.core.ID}
	// "schemas" is a common attribute that no schema lists; the library
	// defines it on its own.
	if err := c.object(res, scim.Attributes{scim.SchemasAttributes()}, ""); err != nil {
		return err
	}
	if err := c.object(res, r.core.Attributes, ""); err != nil {
		return err
	}
	for _, e := range r.extensions {
		v, err := lookup(res, e.schema.ID, "")
		if err != nil {
			return err
		}
		if v == nil {
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return invalid(scimerrors.ScimTypeInvalidValue, e.schema.ID, "must be an object holding the extension's attributes")
		}
		c := checker{schema: e.schema.ID}
		if err := c.object(m, e.schema.Attributes, e.schema.ID+":"); err != nil {
			return err
		}
	}
	return nil
}

// checker checks the attributes of one schema.
type checker struct {
	schema string // URN
}

// ignored reports attributes whose value is accepted in any shape because
// tilgang never reads it: Okta sends the password as {"value": …}, and
// tilgang neither stores nor checks passwords.
func (c checker) ignored(a scim.CoreAttribute) bool {
	return c.schema == scim.UserSchema && a.Name() == "password"
}

// bare reports complex attributes that a client may send as their value
// alone: Entra ID sends the enterprise manager as a bare id in PATCH.
func (c checker) bare(a scim.CoreAttribute) bool {
	return c.schema == resource.EnterpriseSchema && a.Name() == "manager"
}

// object checks the attributes attrs of the JSON object m; prefix goes
// before their names in errors.
func (c checker) object(m map[string]any, attrs scim.Attributes, prefix string) error {
	for _, a := range attrs {
		path := prefix + a.Name()
		v, err := lookup(m, a.Name(), prefix)
		if err != nil {
			return err
		}
		// null is unassigned (RFC 7643 §2.5), which any attribute may be.
		if v == nil || a.Mutability() == ReadOnly || c.ignored(a) {
			continue
		}
		if err := c.value(a, path, v); err != nil {
			return err
		}
	}
	return nil
}

// value checks the value v of attribute a, multi-valued or not.
func (c checker) value(a scim.CoreAttribute, path string, v any) error {
	if !a.MultiValued() {
		return c.single(a, path, v)
	}
	list, ok := v.([]any)
	if !ok {
		return invalid(scimerrors.ScimTypeInvalidValue, path, "must be an array: the attribute is multi-valued")
	}
	for i, e := range list {
		if err := c.single(a, fmt.Sprintf("%s[%d]", path, i), e); err != nil {
			return err
		}
	}
	return nil
}

// single checks one value of attribute a.
func (c checker) single(a scim.CoreAttribute, path string, v any) error {
	if a.AttributeType() != TypeComplex {
		if _, err := a.ValidateSingular(lenient(a, v)); err != nil {
			return invalid(err.ScimType, path, expectation(a.AttributeType()))
		}
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		if s, isStr := v.(string); isStr && c.bare(a) {
			m = map[string]any{"value": s}
		} else {
			return invalid(scimerrors.ScimTypeInvalidValue, path, expectation(TypeComplex))
		}
	}
	return c.object(m, a.SubAttributes(), path+".")
}

// lookup returns the value of attribute name in m, whose keys match
// case-insensitively (RFC 7643 §2.1). Two keys for one attribute make the
// body ambiguous: invalidSyntax, as the library answers it.
func lookup(m map[string]any, name, prefix string) (any, error) {
	if v, ok := m[name]; ok {
		for k := range m {
			if k != name && strings.EqualFold(k, name) {
				return nil, invalid(scimerrors.ScimTypeInvalidSyntax, prefix+name, "given twice, as "+strconv.Quote(name)+" and "+strconv.Quote(k))
			}
		}
		return v, nil
	}
	var (
		found bool
		key   string
		value any
	)
	for k, v := range m {
		if !strings.EqualFold(k, name) {
			continue
		}
		if found {
			return nil, invalid(scimerrors.ScimTypeInvalidSyntax, prefix+name, "given twice, as "+strconv.Quote(key)+" and "+strconv.Quote(k))
		}
		found, key, value = true, k, v
	}
	return value, nil
}

// lenient returns v in the JSON type the schema wants where identity
// providers are known to send another, and tilgang's mapping reads it:
//
//   - a boolean as a string: "True" and "False" from Entra ID, and the
//     other spellings strconv.ParseBool knows, in any case;
//   - a number where a string belongs: an employee number as 1234;
//   - an integer as a string: a target IAL as "3".
//
// Anything else comes back unchanged for the library to judge.
func lenient(a scim.CoreAttribute, v any) any {
	switch a.AttributeType() {
	case TypeBoolean:
		if s, ok := v.(string); ok {
			if b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(s))); err == nil {
				return b
			}
		}
	case TypeString:
		if n, ok := v.(json.Number); ok {
			return n.String()
		}
	case TypeInteger:
		if s, ok := v.(string); ok {
			if s = strings.TrimSpace(s); s != "" {
				if _, err := strconv.Atoi(s); err == nil {
					return json.Number(s)
				}
			}
		}
	}
	return v
}

// expectation says what a value of a type must be, for an error detail.
func expectation(typ string) string {
	switch typ {
	case TypeBoolean:
		return "must be true or false"
	case TypeInteger:
		return "must be a whole number"
	case TypeDecimal:
		return "must be a number"
	case TypeDateTime:
		return "must be a date and time as xsd:dateTime, such as 2026-01-31T12:00:00Z"
	case TypeBinary:
		return "must be a base64-encoded string"
	case TypeReference:
		return "must be a string holding a URI"
	case TypeComplex:
		return "must be an object"
	}
	return "must be a string"
}

// invalid is the error for the attribute at path.
func invalid(typ scimerrors.ScimType, path, detail string) error {
	return &resource.Error{ScimType: typ, Detail: path + ": " + detail}
}
