package scim

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	scimerrors "github.com/elimity-com/scim/errors"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/scim/resource"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// ErrorSchema is the schema URN of SCIM error bodies (RFC 7644 §3.12).
const ErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"

// Error is a SCIM error response. ScimType is one of the library's
// keywords (RFC 7644 §3.12, Table 9).
type Error struct {
	Status   int
	ScimType scimerrors.ScimType
	Detail   string
	// limited is set on 429: the limit's Retry-After.
	limited *tilgang.LimitExceeded
}

func (e *Error) Error() string { return e.Detail }

func writeError(w http.ResponseWriter, e *Error) {
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tilgang SCIM"`)
	}
	if e.limited != nil {
		w.Header().Set("Retry-After", e.limited.RetryAfterHeader())
	}
	// The body is the library's: its ScimError marshals to the Error
	// message of RFC 7644 §3.12, status as a string.
	body := scimerrors.ScimError{ScimType: e.ScimType, Detail: e.Detail, Status: e.Status}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(body)
}

// fail answers err as a SCIM error. It is the one place where domain,
// body and protocol errors become statuses and scimTypes.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, h.toError(r, err))
}

func (h *Handler) toError(r *http.Request, err error) *Error {
	var (
		se   *Error
		re   *resource.Error
		body *httpx.BodyError
		lim  *tilgang.LimitExceeded
	)
	switch {
	case errors.As(err, &se):
		return se
	case errors.As(err, &lim):
		// RFC 7644 §3.12 has no scimType for it: the status and a detail.
		return &Error{Status: http.StatusTooManyRequests, Detail: lim.Error(), limited: lim}
	case errors.Is(err, tilgang.ErrUnauthenticated):
		return &Error{Status: http.StatusUnauthorized, Detail: "missing or invalid SCIM token"}
	case errors.As(err, &re):
		return &Error{Status: http.StatusBadRequest, ScimType: re.ScimType, Detail: re.Detail}
	case errors.As(err, &body):
		if body.Status == http.StatusRequestEntityTooLarge || body.Status == http.StatusUnsupportedMediaType {
			return &Error{Status: body.Status, Detail: body.Message}
		}
		return &Error{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeInvalidSyntax, Detail: body.Message}
	}
	if errors.Is(err, tilgang.ErrUserUnreadable) {
		return unreadableUser(r)
	}
	if problems := tilgang.Problems(err); len(problems) > 0 {
		return domainError(problems[0])
	}
	h.log.ErrorContext(r.Context(), "SCIM request failed", slog.String("route", r.Pattern), slog.Any("error", err))
	return &Error{Status: http.StatusInternalServerError, Detail: "the request could not be completed; try again"}
}

// unreadableUser answers a request for a user whose stored record does not
// decode whole (tilgang.UnreadableUser; the users service logged it).
// DELETE works (deleteUser). A change is refused with 409, the status of a
// request that conflicts with the resource's current state (RFC 9110
// §15.5.10): sending it again will not help until the record is restored
// or deleted. A read is the service provider's own fault, which RFC 7644
// §3.12 answers 500 with advice in the detail: the user exists, so 404
// would invite the client to create it again.
func unreadableUser(r *http.Request) *Error {
	detail := "the stored record of this user cannot be read (user.unreadable); " +
		"it can be deleted with DELETE but not changed, and the operator is told"
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return &Error{Status: http.StatusInternalServerError, Detail: detail}
	}
	return &Error{Status: http.StatusConflict, Detail: detail}
}

// domainError answers a domain error. Its detail ends in the stable code,
// e.g. "emails: not a valid e-mail address; … (email.format)", so that an
// identity provider's engineer sees the same code as the admin API and a
// CSV receipt give for the same fault.
func domainError(e *tilgang.Error) *Error {
	detail := e.Message + " (" + e.Code + ")"
	if e.Field != "" {
		detail = scimAttribute(e.Field) + ": " + detail
	}
	switch e.Kind {
	case tilgang.KindNotFound:
		return &Error{Status: http.StatusNotFound, Detail: detail}
	case tilgang.KindConflict:
		return &Error{Status: http.StatusConflict, ScimType: scimerrors.ScimTypeUniqueness, Detail: detail}
	case tilgang.KindStale:
		// A race between two writers that gave no If-Match: a conflict, not
		// a failed precondition (RFC 7644 §3.14 keeps 412 for If-Match).
		return &Error{Status: http.StatusConflict, Detail: detail}
	case tilgang.KindForbidden:
		return &Error{Status: http.StatusForbidden, Detail: detail}
	case tilgang.KindLimit:
		return &Error{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeTooMany, Detail: detail}
	}
	if e.Code == "field.immutable" {
		return &Error{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeMutability, Detail: detail}
	}
	return &Error{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeInvalidValue, Detail: detail}
}

// scimAttribute names a domain field as a SCIM client knows it.
func scimAttribute(field string) string {
	switch field {
	case "userName", "externalId":
		return field
	case "firstName":
		return "name.givenName"
	case "lastName":
		return "name.familyName"
	case "email":
		return "emails"
	case "phone":
		return "phoneNumbers"
	case "department", "employeeNumber", "organization", "manager":
		return resource.EnterpriseSchema + ":" + field
	default:
		return resource.TilgangSchema + ":" + field
	}
}
