// Package schema describes the SCIM schemas of tilgang's User resource
// (RFC 7643 §4, §7) and builds the discovery documents that RFC 7644 §4
// serves: Schemas, ResourceTypes and ServiceProviderConfig. The attribute
// definitions are also what the protocol code consults for case-exactness,
// mutability and which attributes are returned.
package schema

// Attribute types (RFC 7643 §2.3).
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

// Reference types that are not resource types (RFC 7643 §7).
const (
	RefExternal = "external"
	RefURI      = "uri"
)

// Attribute is an attribute definition (RFC 7643 §7). The JSON tags give
// the form of the "attributes" of a Schema resource.
type Attribute struct {
	Name            string      `json:"name"`
	Type            string      `json:"type"`
	MultiValued     bool        `json:"multiValued"`
	Description     string      `json:"description"`
	Required        bool        `json:"required"`
	CaseExact       bool        `json:"caseExact"`
	Mutability      string      `json:"mutability"`
	Returned        string      `json:"returned"`
	Uniqueness      string      `json:"uniqueness"`
	CanonicalValues []string    `json:"canonicalValues,omitempty"`
	ReferenceTypes  []string    `json:"referenceTypes,omitempty"`
	SubAttributes   []Attribute `json:"subAttributes,omitempty"`
}

// Schema is a schema definition (RFC 7643 §7).
type Schema struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Attributes  []Attribute `json:"attributes"`
}

// attr returns an attribute with the defaults of RFC 7643 §2.2, so that
// the tables only spell out what differs.
func attr(typ, name, desc string) Attribute {
	return Attribute{
		Name:        name,
		Type:        typ,
		Description: desc,
		Mutability:  ReadWrite,
		Returned:    ReturnedDefault,
		Uniqueness:  UniqueNone,
	}
}

func str(name, desc string) Attribute      { return attr(TypeString, name, desc) }
func boolean(name, desc string) Attribute  { return attr(TypeBoolean, name, desc) }
func integer(name, desc string) Attribute  { return attr(TypeInteger, name, desc) }
func dateTime(name, desc string) Attribute { return attr(TypeDateTime, name, desc) }
func binary(name, desc string) Attribute   { return attr(TypeBinary, name, desc) }

// ref returns a reference attribute; types names the resource types it may
// point at, or RefExternal / RefURI.
func ref(name, desc string, types ...string) Attribute {
	a := attr(TypeReference, name, desc)
	a.ReferenceTypes = types
	return a
}

// complexAttr returns a complex attribute. It is not called complex so as
// not to shadow the builtin.
func complexAttr(name, desc string, subs ...Attribute) Attribute {
	a := attr(TypeComplex, name, desc)
	a.SubAttributes = subs
	return a
}

// multi makes a multi-valued attribute.
func multi(a Attribute) Attribute {
	a.MultiValued = true
	return a
}

// plural is the usual multi-valued complex attribute of RFC 7643 §2.4:
// value, display, type (with the given canonical values) and primary.
func plural(name, desc string, value Attribute, types ...string) Attribute {
	return multi(complexAttr(name, desc,
		value,
		str("display", "A human-readable name for the value, for display only."),
		str("type", "What the value is used for.").canonical(types...),
		boolean("primary", "Whether this is the preferred value; at most one value is primary."),
	))
}

// readOnly marks the attribute and its sub-attributes read-only: a part of
// a read-only complex value cannot be writable.
func (a Attribute) readOnly() Attribute {
	a.Mutability = ReadOnly
	if a.SubAttributes != nil {
		subs := make([]Attribute, len(a.SubAttributes))
		for i, s := range a.SubAttributes {
			subs[i] = s.readOnly()
		}
		a.SubAttributes = subs
	}
	return a
}

func (a Attribute) writeOnly() Attribute {
	a.Mutability = WriteOnly
	return a
}

func (a Attribute) immutable() Attribute {
	a.Mutability = Immutable
	return a
}

func (a Attribute) required() Attribute {
	a.Required = true
	return a
}

func (a Attribute) caseExact() Attribute {
	a.CaseExact = true
	return a
}

func (a Attribute) returned(r string) Attribute {
	a.Returned = r
	return a
}

func (a Attribute) unique(u string) Attribute {
	a.Uniqueness = u
	return a
}

func (a Attribute) canonical(values ...string) Attribute {
	if len(values) > 0 {
		a.CanonicalValues = values
	}
	return a
}

// clone returns a deep copy, so that a caller cannot change a shared
// definition through the slices.
func (a Attribute) clone() Attribute {
	if a.CanonicalValues != nil {
		a.CanonicalValues = append([]string(nil), a.CanonicalValues...)
	}
	if a.ReferenceTypes != nil {
		a.ReferenceTypes = append([]string(nil), a.ReferenceTypes...)
	}
	if a.SubAttributes != nil {
		subs := make([]Attribute, len(a.SubAttributes))
		for i, s := range a.SubAttributes {
			subs[i] = s.clone()
		}
		a.SubAttributes = subs
	}
	return a
}
