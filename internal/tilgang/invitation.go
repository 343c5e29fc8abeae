package tilgang

import "time"

// InvitationStatus is where an invitation is (SPEC §8).
//
//	pending ──invitee accepts──▶ accepted ──admin approves──▶ approved
//	   │  ▲                          └──────admin rejects───▶ rejected
//	   │  └─resend─ expired (pending past ExpiresAt; never stored)
//	   └──revoke──▶ revoked ◀──revoke── expired
type InvitationStatus string

// The statuses of an invitation. InvitationExpired is never stored: it is
// a pending invitation whose link has expired, computed when it is read.
const (
	InvitationPending  InvitationStatus = "pending"
	InvitationAccepted InvitationStatus = "accepted"
	InvitationApproved InvitationStatus = "approved"
	InvitationRejected InvitationStatus = "rejected"
	InvitationRevoked  InvitationStatus = "revoked"
	InvitationExpired  InvitationStatus = "expired"
)

// InvitationStatuses lists every status, for validating filters.
var InvitationStatuses = []InvitationStatus{
	InvitationPending, InvitationAccepted, InvitationApproved, InvitationRejected, InvitationRevoked, InvitationExpired,
}

// InvitationValidity is how long an invitation link stays valid by default.
const InvitationValidity = 14 * 24 * time.Hour

// MaxInvitations is how many addresses one request may invite (seed 003).
const MaxInvitations = 250

// Invitation is an offer of a role in an organisation, mailed to an address
// that is not a user yet. The link token is never stored: LinkID is the
// nonce of the current link, and a resend replaces it, which kills every
// older link.
type Invitation struct {
	ID          string // UUID
	OrgID       string
	Email       string // the invitee's address; the invitee cannot change it
	Role        string // one of AdminRoles
	OrgUnit     string // the role's organisation unit, if any
	Language    string // of the mail and the page
	InviterName string // the name of the admin token that invited
	// Status is the status at the time the invitation was read: a stored
	// pending invitation reads as expired once ExpiresAt has passed.
	Status     InvitationStatus
	LinkID     string
	CreatedAt  time.Time
	UpdatedAt  time.Time // of the last change
	ExpiresAt  time.Time // the link works before this time
	AcceptedAt time.Time // zero until accepted
	UserID     string    // the user the acceptance created
	// Version counts stored changes; a write based on an older version
	// fails with ErrStale.
	Version int64
}

// StatusAt returns the invitation's status at now: a pending invitation is
// expired from ExpiresAt on.
func (i *Invitation) StatusAt(now time.Time) InvitationStatus {
	switch {
	case i.Status != InvitationPending && i.Status != InvitationExpired:
		return i.Status
	case now.Before(i.ExpiresAt):
		return InvitationPending
	}
	return InvitationExpired
}

// Invitation errors.
var (
	ErrInvitationNotFound = &Error{Kind: KindNotFound, Code: "invitation.not_found", Message: "no such invitation"}
	// ErrInvitationPending refuses to invite an address that has a pending
	// invitation of the organisation which has not expired.
	ErrInvitationPending = &Error{Kind: KindConflict, Code: "invitation.pending", Field: "email",
		Message: "the address has a pending invitation"}
	// ErrInviteeIsUser refuses to invite an address that is the userName of
	// one of the organisation's users.
	ErrInviteeIsUser = &Error{Kind: KindConflict, Code: "user.exists", Field: "email",
		Message: "the address is already a user of the organisation"}
)
