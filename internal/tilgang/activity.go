package tilgang

import "time"

// Activity is one entry of a user's history. It names the fields a change
// touched but never holds their values, so history carries no sensitive data.
type Activity struct {
	At     time.Time
	Actor  string // admin token name, SCIM client, import id or the user
	Action string // e.g. "user.created"
	Fields []string
	Source string // "admin", "scim", "csv", "web", "console", "scheduler"
}

// Actor is who makes a change, as history records it, and the roles it
// acts with (an admin token's, later a console user's), which say what it
// may grant (SPEC §14, users.MayChange). History records no roles; nil
// roles grant nothing.
type Actor struct {
	Name   string
	Source string
	Roles  []string
	// Email is the address of a person acting in the console; history
	// names the person by it, since two people may share a name.
	Email string
}

// Label is how history names the actor: the name, and a person's address.
func (a Actor) Label() string {
	if a.Email == "" {
		return a.Name
	}
	return a.Name + " <" + a.Email + ">"
}

// Mail is an outbox message: written in the same transaction as the state
// change that causes it, and sent by the mailer.
//
// Mail to a user names only the user: the mailer reads the address when it
// sends, so that deleting the user leaves no address behind in the outbox.
type Mail struct {
	ID     string
	OrgID  string
	UserID string
	// InvitationID names the invitation of invitation mail; the mailer reads
	// it for the link and the address.
	InvitationID string
	Kind         string   // e.g. MailActivation
	To           []string // for mail to people who are not users (yet)
	Language     string
}

// Mail kinds.
const (
	MailActivation         = "activation"
	MailActivationReminder = "activation_reminder"
	MailInvitation         = "invitation"
	MailInvitationAccepted = "invitation_accepted" // to the organisation's admins
	MailApprovalDone       = "approval_done"
)

// Change is what accompanies every state change in the same transaction: its
// history entry and the mail it causes.
type Change struct {
	Activity Activity
	Mail     []Mail
	// MaxAdmins is the organisation's licence limit on users with an admin
	// role (0: none), checked in the same transaction when the change makes
	// a user an admin.
	MaxAdmins int
	// Row, when set, is the CSV import row this change applies. It is
	// stored in the same transaction under a key of its own that may be
	// written once, so a row is never applied twice (ErrRowApplied).
	Row *ImportRow
	// CPRLookups, when set, makes the change depend on the organisation's
	// CPR look-ups of the day (CPRLookupBudget): the store refuses it with
	// ErrCPRLookupLimit, before any other check, when they are used up.
	CPRLookups *CPRLookupBudget
}
