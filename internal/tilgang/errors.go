package tilgang

import (
	"errors"
	"fmt"
)

// Kind classifies an Error for the protocol layers, which map it to an HTTP
// status in one place each.
type Kind int

// Error kinds.
const (
	KindInvalid   Kind = iota + 1 // the input breaks a rule
	KindNotFound                  // no such thing in this organisation
	KindConflict                  // uniqueness would be broken
	KindStale                     // the thing changed since it was read
	KindForbidden                 // the credential lacks a role
	KindLimit                     // a limit (size, count, licence) is reached
	KindState                     // the thing's status does not allow the step (SPEC §4)
	KindGone                      // a link is used, expired, locked or withdrawn
)

// Error is a domain error with a stable code, e.g. "user.exists".
type Error struct {
	Kind    Kind
	Code    string
	Field   string // the input field to blame, if any
	Message string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Field, e.Message, e.Code)
	}
	return fmt.Sprintf("%s (%s)", e.Message, e.Code)
}

// Is reports whether target is an *Error with e's Code and, if target names
// a field, e's Field too. So errors.Is matches a sentinel however the error
// was copied or re-worded (At, WithMessage), and a sentinel that names a
// field tells apart faults that share a code: ErrCPRTaken does not match a
// userName conflict, though both are "user.exists".
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && (t.Field == "" || t.Field == e.Field)
}

// At returns a copy of e that blames field. Sentinels are shared: At never
// changes e.
func (e *Error) At(field string) *Error {
	c := *e
	c.Field = field
	return &c
}

// WithMessage returns a copy of e with message, for a fault that has a
// more precise explanation than its code's (a limit, the organisation's
// setting). It never changes e.
func (e *Error) WithMessage(message string) *Error {
	c := *e
	c.Message = message
	return &c
}

// Invalid returns a KindInvalid error for field.
func Invalid(field, code, message string) *Error {
	return &Error{Kind: KindInvalid, Code: code, Field: field, Message: message}
}

// Errors common to several layers.
var (
	ErrUserNotFound  = &Error{Kind: KindNotFound, Code: "user.not_found", Message: "no such user"}
	ErrOrgNotFound   = &Error{Kind: KindNotFound, Code: "organisation.not_found", Message: "no such organisation"}
	ErrTokenNotFound = &Error{Kind: KindNotFound, Code: "token.not_found", Message: "no such token"}
	ErrStale         = &Error{Kind: KindStale, Code: "version.conflict", Message: "the resource was changed by someone else; read it again and retry"}
)

// ErrUnauthenticated means a bearer token is missing, unknown, revoked, of
// the wrong kind, or of an organisation that no longer exists. Protocol
// layers answer 401 and say no more.
var ErrUnauthenticated = errors.New("missing or invalid token")

// ErrMaxAdmins refuses a change that would give the organisation more
// admins than its licence allows (seed 002).
var ErrMaxAdmins = &Error{Kind: KindLimit, Code: "organisation.max_admins", Field: "roles",
	Message: "the organisation has as many admins as its licence allows"}

// Uniqueness conflicts, one per guarded attribute.
var (
	ErrUserNameTaken   = &Error{Kind: KindConflict, Code: "user.exists", Field: "userName", Message: "a user with this userName already exists"}
	ErrExternalIDTaken = &Error{Kind: KindConflict, Code: "user.exists", Field: "externalId", Message: "a user with this externalId already exists"}
	ErrCPRTaken        = &Error{Kind: KindConflict, Code: "user.exists", Field: "cpr", Message: "a user with this CPR number already exists"}

	ErrGroupNameTaken       = &Error{Kind: KindConflict, Code: "group.exists", Field: "displayName", Message: "a group with this displayName already exists"}
	ErrGroupExternalIDTaken = &Error{Kind: KindConflict, Code: "group.exists", Field: "externalId", Message: "a group with this externalId already exists"}
)

// Group errors. ErrUnknownMember refuses a member id that is no user of the
// group's organisation; UnknownMembers names the ids.
var (
	ErrGroupNotFound = &Error{Kind: KindNotFound, Code: "group.not_found", Message: "no such group"}
	ErrUnknownMember = &Error{Kind: KindInvalid, Code: "group.member_unknown", Field: "members", Message: "no user of this organisation has this id"}
)

// Problems returns every *Error in err, looking through errors.Join trees,
// so that a layer can report all invalid fields at once.
func Problems(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range joined.Unwrap() {
				walk(e)
			}
			return
		}
		var e *Error
		if errors.As(err, &e) {
			out = append(out, e)
		}
	}
	walk(err)
	return out
}

// Link errors: why an activation or invitation link no longer opens. Pages
// show each clearly; an unknown link and a guessed one look the same.
var (
	ErrLinkUnknown = &Error{Kind: KindNotFound, Code: "link.unknown", Message: "the link is not known"}
	ErrLinkExpired = &Error{Kind: KindGone, Code: "link.expired", Message: "the link has expired"}
	ErrLinkUsed    = &Error{Kind: KindGone, Code: "link.used", Message: "the link has been used"}
	ErrLinkLocked  = &Error{Kind: KindGone, Code: "link.locked", Message: "the link is locked after too many wrong tries"}
	ErrLinkRevoked = &Error{Kind: KindGone, Code: "link.revoked", Message: "the invitation was withdrawn"}
)

// Authority errors (SPEC §14): the credential may call the operation but
// lacks the role that the change asks for. They share the route check's
// code, token.role_missing, so a client handles every missing role alike;
// Field says which part of the change needs more.
var (
	// ErrRoleAuthority refuses granting or removing an admin role by a
	// credential without company-admin.
	ErrRoleAuthority = &Error{Kind: KindForbidden, Code: "token.role_missing", Field: "roles",
		Message: "granting or removing an admin role needs the company-admin role"}
	// ErrRightsAuthority refuses a change of rights, canSign or
	// sealProfiles by a credential without rights-admin.
	ErrRightsAuthority = &Error{Kind: KindForbidden, Code: "token.role_missing", Field: "rights",
		Message: "rights, canSign and sealProfiles need the rights-admin role"}
	// ErrUserAuthority refuses a change of a user's other fields, and a
	// new user, by a credential without user-admin.
	ErrUserAuthority = &Error{Kind: KindForbidden, Code: "token.role_missing",
		Message: "changing a user's details needs the user-admin role"}
	// ErrAdminUserAuthority refuses changing or deleting an administrator
	// by a credential that could not grant the administrator's roles: a
	// user-admin who changed a company-admin's e-mail address could take
	// over the account.
	ErrAdminUserAuthority = &Error{Kind: KindForbidden, Code: "token.role_missing", Field: "roles",
		Message: "only a company-admin may change or delete a user who holds an admin role"}
)
