package filter

import (
	"fmt"
	"strings"

	scimfilter "github.com/elimity-com/scim/filter"
	scim "github.com/elimity-com/scim/schema"
	fp "github.com/scim2/filter-parser/v2"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

// Validate reports, as an invalidFilter *resource.Error, what makes e a
// filter that a resource type with the schemas core and extensions cannot
// answer, rather than one that just matches nothing:
//
//   - an attribute path that names no attribute of those schemas. RFC 7644
//     §3.12 answers "the specified attribute and filter comparison
//     combination is not supported" with invalidFilter, and an identity
//     provider that looks a user up before creating it is better told
//     than shown an empty list, on which it would create a second user.
//     This check is the library's (github.com/elimity-com/scim/filter);
//   - gt, ge, lt and le on a boolean, binary or complex attribute (RFC 7644
//     §3.4.2.2). The library knows boolean and binary, not complex; this
//     check is tilgang's and runs first, so that the error names the
//     attribute;
//   - the comparisons Parse already refuses without a schema.
//
// An attribute without a schema URN is one of the core schema (RFC 7644
// §3.10), as Match reads it; an extension attribute needs its URN. The
// "schemas" attribute is known (RFC 7644 §3.4.2.2 filters on it), and so is
// an extension URN on its own (`urn:…:enterprise:2.0:User pr`).
func Validate(e Expression, core scim.Schema, extensions ...scim.Schema) error {
	v := validator{core: core, extensions: extensions}
	return v.expr(e, nil)
}

// validator validates the expressions of one filter.
type validator struct {
	core       scim.Schema
	extensions []scim.Schema
}

// within is the attribute whose value filter is being validated: its
// sub-attributes as a schema for the library, and its path for errors.
type within struct {
	schema scim.Schema
	path   string
}

func (v validator) expr(e Expression, in *within) error {
	switch e := e.(type) {
	case *fp.LogicalExpression:
		if err := v.expr(e.Left, in); err != nil {
			return err
		}
		return v.expr(e.Right, in)
	case *fp.NotExpression:
		return v.expr(e.Expression, in)
	case *fp.ValuePath:
		return v.valuePath(e, in)
	case *fp.AttributeExpression:
		return v.compare(e, in)
	}
	return nil
}

// schema returns the schema that the attribute path p names an attribute
// of, with p's URN in the schema's spelling (the library compares URNs
// case-sensitively, RFC 7643 §2.1 does not). ok is false for a URN of no
// schema of the resource type.
func (v validator) schema(p fp.AttributePath, in *within) (s scim.Schema, canonical fp.AttributePath, ok bool) {
	if in != nil {
		s = in.schema
	} else {
		s = v.core
	}
	uri := p.URI()
	if uri == "" {
		return s, p, true
	}
	if in == nil {
		for _, x := range append([]scim.Schema{v.core}, v.extensions...) {
			if strings.EqualFold(uri, x.ID) {
				s = x
				break
			}
		}
	}
	if !strings.EqualFold(uri, s.ID) {
		return scim.Schema{}, p, false
	}
	id := s.ID
	p.URIPrefix = &id
	return s, p, true
}

// resolve returns the attribute that p names in s, or ok false.
func resolve(s scim.Schema, p fp.AttributePath) (scim.CoreAttribute, bool) {
	a, ok := s.Attributes.ContainsAttribute(p.AttributeName)
	if ok && p.SubAttribute != nil {
		a, ok = a.SubAttributes().ContainsAttribute(*p.SubAttribute)
	}
	return a, ok
}

// known reports the attribute paths that name no attribute but are
// known all the same: "schemas" and an extension URN on its own.
func (v validator) known(p fp.AttributePath, in *within) bool {
	if in != nil || p.SubAttribute != nil {
		return false
	}
	if strings.EqualFold(p.AttributeName, "schemas") && (p.URI() == "" || strings.EqualFold(p.URI(), v.core.ID)) {
		return true
	}
	// The parser reads `urn:…:enterprise:2.0:User` as the URN
	// "urn:…:enterprise:2.0" and the attribute "User".
	for _, x := range v.extensions {
		if p.URI() != "" && strings.EqualFold(p.URI()+":"+p.AttributeName, x.ID) {
			return true
		}
	}
	return false
}

func (v validator) compare(e *fp.AttributeExpression, in *within) error {
	if err := checkValue(e); err != nil {
		return err
	}
	if v.known(e.AttributePath, in) {
		return nil
	}
	s, p, ok := v.schema(e.AttributePath, in)
	if !ok {
		return v.unknown(e, e.AttributePath, in)
	}
	op := fp.CompareOperator(strings.ToLower(string(e.Operator)))
	if a, found := resolve(s, p); found && isOrdering(op) {
		switch t := a.AttributeType(); t {
		case "boolean", "binary", "complex":
			return resource.InvalidFilter(fmt.Sprintf("%s: operator %s cannot compare %s attribute %s", e, op, t, in.name(e.AttributePath)))
		}
	}
	c := *e
	c.AttributePath = p
	c.Operator = op
	if err := scimfilter.NewFilterValidator(&c, s).Validate(); err != nil {
		return v.unknown(e, e.AttributePath, in)
	}
	return nil
}

// valuePath validates `attr[filter]`: the attribute with the library, then
// the filter against the attribute's sub-attributes, or against "value"
// for a multi-valued attribute of simple values (the library's
// MultiValuedFilterAttributes), as Match reads it.
func (v validator) valuePath(e *fp.ValuePath, in *within) error {
	s, p, ok := v.schema(e.AttributePath, in)
	if !ok {
		return v.unknown(e, e.AttributePath, in)
	}
	// The library's validator lets a value path on an unknown attribute
	// through; asking it about `attr pr` finds it out.
	present := &fp.AttributeExpression{AttributePath: p, Operator: fp.PR}
	if err := scimfilter.NewFilterValidator(present, s).Validate(); err != nil {
		return v.unknown(e, e.AttributePath, in)
	}
	a, _ := resolve(s, p)
	inner := &within{
		schema: scim.Schema{ID: s.ID, Attributes: scimfilter.MultiValuedFilterAttributes(a)},
		path:   in.name(e.AttributePath),
	}
	return v.expr(e.ValueFilter, inner)
}

// unknown is the error for an expression e whose attribute path p names
// no attribute. An extension attribute named without its URN gets a hint.
func (v validator) unknown(e Expression, p fp.AttributePath, in *within) error {
	name := in.name(p)
	detail := fmt.Sprintf("%s: no attribute %s", e, name)
	if in == nil && p.URI() == "" {
		for _, x := range v.extensions {
			if _, ok := resolve(x, p); ok {
				detail += fmt.Sprintf(" in the core schema; an extension attribute needs its schema URN: %s:%s", x.ID, name)
				return resource.InvalidFilter(detail)
			}
		}
	}
	return resource.InvalidFilter(detail + " in the resource type's schemas")
}

// name is the dotted path of p, inside the value path in names if any.
func (in *within) name(p fp.AttributePath) string {
	name := p.AttributeName
	if p.SubAttribute != nil {
		name += "." + *p.SubAttribute
	}
	if in != nil {
		return in.path + "." + name
	}
	if p.URI() != "" {
		return p.URI() + ":" + name
	}
	return name
}

// checkValues reports the comparisons RFC 7644 §3.4.2.2 refuses whatever
// the schema: gt, ge, lt, le, co, sw and ew with a boolean or null value.
func checkValues(e Expression) error {
	var err error
	walk(e, func(e Expression) {
		if c, ok := e.(*fp.AttributeExpression); ok && err == nil {
			err = checkValue(c)
		}
	})
	return err
}

func checkValue(e *fp.AttributeExpression) error {
	op := fp.CompareOperator(strings.ToLower(string(e.Operator)))
	if op == fp.PR || op == fp.EQ || op == fp.NE {
		return nil
	}
	switch e.CompareValue.(type) {
	case bool, nil:
		return resource.InvalidFilter(fmt.Sprintf("%s: operator %s needs a string, number or date value", e, op))
	}
	return nil
}

func isOrdering(op fp.CompareOperator) bool {
	return op == fp.GT || op == fp.GE || op == fp.LT || op == fp.LE
}
