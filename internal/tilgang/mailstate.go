package tilgang

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// MailState is what SES last reported of the mail to one user's or one
// invitation's address (SPEC §13): recorded from the SES configuration
// set's events, shown in the admin API, and checked by the mailer before it
// sends. The zero value is no report.
type MailState struct {
	State  string    // one of the MailState* constants
	At     time.Time // when SES saw it happen
	Reason string    // SES's classification, e.g. "Permanent/General"; never an address
	// Address is AddressHash of the address the report is about: a report
	// on an address that is no longer the user's or invitation's says
	// nothing about the current one.
	Address string
}

// The states of a MailState.
const (
	MailStateDelivered  = "delivered"
	MailStateBounced    = "bounced"      // a permanent bounce
	MailStateSoftBounce = "soft_bounced" // transient: SES gave up for now; not a stop
	MailStateComplained = "complained"
	MailStateSuppressed = "suppressed" // on SES's suppression list
	MailStateRejected   = "rejected"   // SES refused the content; not about the address
)

// Blocks reports whether no more mail may go to address: SES reported a
// permanent bounce, a complaint or suppression for this very address.
// Changing the address lifts the stop.
func (s *MailState) Blocks(address string) bool {
	if s == nil || s.Address == "" || s.Address != AddressHash(address) {
		return false
	}
	switch s.State {
	case MailStateBounced, MailStateComplained, MailStateSuppressed:
		return true
	}
	return false
}

// Current returns s if it is about address, else nil.
func (s *MailState) Current(address string) *MailState {
	if s == nil || s.Address != AddressHash(address) {
		return nil
	}
	return s
}

// AddressHash names an e-mail address without holding it: the SHA-256 of
// its NFKC, case-folded form (SPEC §14: e-mails compare so).
func AddressHash(address string) string {
	sum := sha256.Sum256([]byte(cases.Fold().String(norm.NFKC.String(strings.TrimSpace(address)))))
	return hex.EncodeToString(sum[:])
}

// MailTarget is whose mail state a mail changes: a user's, or when it goes
// to no user, an invitation's. The zero value is nobody's (mail to
// administrators' addresses).
type MailTarget struct {
	OrgID, UserID, InvitationID string
}

// Target is whose mail state m's outcome is.
func (m Mail) Target() MailTarget {
	switch {
	case m.UserID != "":
		return MailTarget{OrgID: m.OrgID, UserID: m.UserID}
	case m.InvitationID != "":
		return MailTarget{OrgID: m.OrgID, InvitationID: m.InvitationID}
	}
	return MailTarget{}
}

// IsZero reports whether t is nobody's.
func (t MailTarget) IsZero() bool { return t.UserID == "" && t.InvitationID == "" }

// Tags of every mail the mailer sends, which SES hands back in the events
// of the configuration set (package sesevents reads them): whose mail
// state an event changes, and which outbox item it was.
const (
	MailTagOrg        = "tilgang-org"
	MailTagUser       = "tilgang-user"
	MailTagInvitation = "tilgang-invitation"
	MailTagOutbox     = "tilgang-outbox"
)
