package tilgang

import (
	"fmt"
	"strings"
)

// A stored record that does not decode (a bad restore, a hand edit, a
// migration that went wrong) must not take down more than itself (SPEC
// §14): lists show it as unavailable, and a single user whose record does
// not decode can still be looked at and deleted, so that erasure is always
// possible, but not changed, since a write would store a guess for what
// could not be read.

// ErrUserUnreadable refuses a change of a user whose stored record does
// not decode. Deleting the user is the one change that works.
var ErrUserUnreadable = &Error{Kind: KindState, Code: "user.unreadable",
	Message: "the user's stored record cannot be read; it can be deleted but not changed, and the incident is logged for the operator"}

// UnreadableUser is the error of reading a user whose stored record does
// not decode whole. User holds what could be read, with User.Unreadable
// naming the attributes that could not; it is enough to show the user as
// unavailable and to delete it. It wraps ErrUserUnreadable, so a layer that
// does not look further answers that. Its text names ids and attribute
// names only, never a value: it may be logged.
type UnreadableUser struct {
	User *User
}

func (e *UnreadableUser) Error() string {
	return fmt.Sprintf("user %s of organisation %s: stored attributes do not decode: %s",
		e.User.ID, e.User.OrgID, strings.Join(e.User.Unreadable, ", "))
}

func (e *UnreadableUser) Unwrap() error { return ErrUserUnreadable }
