package invitations

import (
	"fmt"
	"slices"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// The rules of an invitation's status (SPEC §8) live in this file only;
// see tilgang.InvitationStatus for the picture. A status is judged as it is
// now: a pending invitation whose link has expired is expired.

// transitions lists where each status may go. pending goes to itself by a
// resend, which issues a new link; so does expired.
var transitions = map[tilgang.InvitationStatus][]tilgang.InvitationStatus{
	tilgang.InvitationPending:  {tilgang.InvitationPending, tilgang.InvitationAccepted, tilgang.InvitationRevoked},
	tilgang.InvitationExpired:  {tilgang.InvitationPending, tilgang.InvitationRevoked},
	tilgang.InvitationAccepted: {tilgang.InvitationApproved, tilgang.InvitationRejected},
}

// ErrTransitionCode is the stable code of a refused step.
const ErrTransitionCode = "invitation.transition"

// verbs name the steps into each status, for messages.
var verbs = map[tilgang.InvitationStatus]string{
	tilgang.InvitationPending:  "resent",
	tilgang.InvitationAccepted: "accepted",
	tilgang.InvitationApproved: "approved",
	tilgang.InvitationRejected: "rejected",
	tilgang.InvitationRevoked:  "revoked",
}

// Transition returns nil if an invitation may go from status from to
// status to, and otherwise a KindState error with code ErrTransitionCode.
func Transition(from, to tilgang.InvitationStatus) error {
	if slices.Contains(transitions[from], to) {
		return nil
	}
	return &tilgang.Error{Kind: tilgang.KindState, Code: ErrTransitionCode, Field: "status",
		Message: fmt.Sprintf("an invitation that is %s cannot be %s", from, verbs[to])}
}

// linkState says why inv's link does not open at its current status, or
// nil if it does.
func linkState(inv *tilgang.Invitation) error {
	switch inv.Status {
	case tilgang.InvitationPending:
		return nil
	case tilgang.InvitationExpired:
		return tilgang.ErrLinkExpired
	case tilgang.InvitationRevoked:
		return tilgang.ErrLinkRevoked
	}
	return tilgang.ErrLinkUsed
}
