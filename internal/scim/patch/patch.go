// Package patch implements SCIM PATCH (RFC 7644 §3.5.2) on resources in
// generic form: it decodes a PatchOp request body into operations and
// applies them to a copy of a resource.
//
// It knows no schema itself. The caller says which attributes are
// multi-valued and which are read-only through Options, and validates and
// coerces the result (Entra's "False" for false, required attributes) with
// its schema knowledge afterwards.
//
// Beyond the RFC it accepts what Entra ID and Okta are known to send:
// capitalised op names, path-less operations whose value keys are dotted,
// URN-prefixed or filtered paths, "add" to a filtered path that matches no
// value yet (a new value is made from the filter), and "remove" with a
// value naming the values to remove.
package patch

import (
	"strings"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

// PatchOpSchema is the schema URN of a PATCH request body.
const PatchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// MaxOperations is the most operations one request may hold.
const MaxOperations = 1000

// MaxPathLength is the longest path, in bytes, that Apply parses. Real
// paths are far shorter; the bound keeps the parser's work small.
const MaxPathLength = 1024

// maxFilterBytes bounds the value filter text one Apply parses. Parsing
// costs about 10 µs a byte, so MaxOperations long filters would take
// seconds; 64 KiB is over a thousand filters such as Okta's
// members[value eq "00u1abcd2EFGH3ijk4l5"], and each distinct filter
// counts once.
const maxFilterBytes = 64 << 10

// maxValueDepth bounds how deeply an operation's value may nest. A SCIM
// value is at most an object of extension attributes holding an array of
// complex values (RFC 7643 §2.3.8 forbids deeper complex values), so 8
// leaves room and stops work on hostile input early.
const maxValueDepth = 8

// The operations of RFC 7644 §3.5.2, as Decode normalises them.
const (
	OpAdd     = "add"
	OpRemove  = "remove"
	OpReplace = "replace"
)

// Operation is one PATCH operation. Op is "add", "remove" or "replace";
// Path is empty for a path-less operation; Value is the JSON value decoded
// with UseNumber, or nil.
type Operation struct {
	Op    string
	Path  string
	Value any
}

// Options give Apply the schema knowledge it needs.
type Options struct {
	// MultiValued reports whether the attribute (schema URN or "" for core,
	// attribute name lower- or mixed-case) is multi-valued; nil = none are.
	// An attribute whose value in the resource is an array counts as
	// multi-valued either way: the data says so.
	MultiValued func(uri, attr string) bool
	// ReadOnly reports whether the attribute (uri, dotted path
	// "meta.created") may not be changed by a client; changing it is a
	// mutability error. Nil = none. (id, meta and schemas are always
	// read-only.)
	ReadOnly func(uri, path string) bool
}

func (o Options) multiValued(uri, attr string) bool {
	return o.MultiValued != nil && o.MultiValued(uri, attr)
}

// readOnly reports whether path (an attribute or "attr.sub") of schema uri
// may not be changed by a client.
func (o Options) readOnly(uri, path string) bool {
	if uri == "" {
		top, _, _ := strings.Cut(path, ".")
		if strings.EqualFold(top, "id") || strings.EqualFold(top, "meta") || strings.EqualFold(top, "schemas") {
			return true
		}
	}
	return o.ReadOnly != nil && o.ReadOnly(uri, path)
}

// errorf keeps the scimType of err and puts context before its detail.
func errorf(err *resource.Error, context string) *resource.Error {
	return &resource.Error{ScimType: err.ScimType, Detail: context + ": " + err.Detail}
}
