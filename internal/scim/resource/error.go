package resource

import scimerrors "github.com/elimity-com/scim/errors"

// Error is a problem with a SCIM request that the protocol layer answers
// with status 400 and ScimType (RFC 7644 §3.12). The keywords are the
// library's (github.com/elimity-com/scim/errors), the one list of them.
// The library's own error values are fixed, shared values whose detail is
// the RFC's general sentence; Error carries a detail that names the
// attribute, filter or operation at fault, and no status, which is the
// protocol layer's to choose.
type Error struct {
	ScimType scimerrors.ScimType
	Detail   string
}

func (e *Error) Error() string { return string(e.ScimType) + ": " + e.Detail }

// InvalidFilter reports a filter that does not parse or cannot be applied.
func InvalidFilter(detail string) *Error {
	return &Error{ScimType: scimerrors.ScimTypeInvalidFilter, Detail: detail}
}

// InvalidPath reports a path that does not parse or names no attribute.
func InvalidPath(detail string) *Error {
	return &Error{ScimType: scimerrors.ScimTypeInvalidPath, Detail: detail}
}

// NoTarget reports a path whose value filter matched nothing (RFC 7644 §3.5.2).
func NoTarget(detail string) *Error {
	return &Error{ScimType: scimerrors.ScimTypeNoTarget, Detail: detail}
}

// InvalidValue reports a value of the wrong type or shape.
func InvalidValue(detail string) *Error {
	return &Error{ScimType: scimerrors.ScimTypeInvalidValue, Detail: detail}
}

// InvalidSyntax reports a request body that is not what the protocol needs.
func InvalidSyntax(detail string) *Error {
	return &Error{ScimType: scimerrors.ScimTypeInvalidSyntax, Detail: detail}
}

// Mutability reports an attempt to change a readOnly or immutable attribute.
func Mutability(detail string) *Error {
	return &Error{ScimType: scimerrors.ScimTypeMutability, Detail: detail}
}
