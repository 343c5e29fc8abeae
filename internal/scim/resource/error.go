package resource

// Error is a problem with a SCIM request that the protocol layer answers
// with status 400 and ScimType (RFC 7644 §3.12), e.g. "invalidFilter",
// "invalidPath", "noTarget", "invalidValue", "mutability", "invalidSyntax".
type Error struct {
	ScimType string
	Detail   string
}

func (e *Error) Error() string { return e.ScimType + ": " + e.Detail }

// InvalidFilter reports a filter that does not parse or cannot be applied.
func InvalidFilter(detail string) *Error { return &Error{ScimType: "invalidFilter", Detail: detail} }

// InvalidPath reports a path that does not parse or names no attribute.
func InvalidPath(detail string) *Error { return &Error{ScimType: "invalidPath", Detail: detail} }

// NoTarget reports a path whose value filter matched nothing (RFC 7644 §3.5.2).
func NoTarget(detail string) *Error { return &Error{ScimType: "noTarget", Detail: detail} }

// InvalidValue reports a value of the wrong type or shape.
func InvalidValue(detail string) *Error { return &Error{ScimType: "invalidValue", Detail: detail} }

// InvalidSyntax reports a request body that is not what the protocol needs.
func InvalidSyntax(detail string) *Error { return &Error{ScimType: "invalidSyntax", Detail: detail} }

// Mutability reports an attempt to change a readOnly or immutable attribute.
func Mutability(detail string) *Error { return &Error{ScimType: "mutability", Detail: detail} }
