package tilgang

import (
	"strings"
	"time"
)

// Activity is one entry of a user's history. It names the fields a change
// touched but never holds their values, so history carries no sensitive data.
type Activity struct {
	At     time.Time
	Actor  string // admin token name, SCIM client, import id or the user
	Action string // e.g. "user.created"
	Fields []string
	Source string // "admin", "scim", "csv", "web", "console", "scheduler"
	// By names the actor as data: who it is, not only a label. Entries
	// written before it was recorded have none; ActorOf reads them.
	By *By
}

// Actor kinds of By.
const (
	ActorPerson = "person" // an administrator signed in to the console
	ActorToken  = "token"  // an admin API token
	ActorSCIM   = "scim"   // a SCIM client, by its token
	ActorImport = "import" // a row of a CSV import
	ActorUser   = "user"   // the user or invitee on their own page
	ActorSystem = "system" // the scheduler or the mailer
)

// ActorKinds are the kinds of By, in the order a filter offers them.
var ActorKinds = []string{ActorPerson, ActorToken, ActorSCIM, ActorImport, ActorUser, ActorSystem}

// By is who made a change, stored on its history entry so that history
// names people and tokens, not only a shared label (SPEC §9): a person by
// name and e-mail, a token or SCIM client by its name and id, a CSV row by
// its import and file, and that import's uploader.
type By struct {
	Kind  string `dynamodbav:"kind" json:"kind"`
	ID    string `dynamodbav:"id,omitempty" json:"id,omitempty"`
	Name  string `dynamodbav:"name,omitempty" json:"name,omitempty"`
	Email string `dynamodbav:"email,omitempty" json:"email,omitempty"`
	// File is the name of an import's file.
	File string `dynamodbav:"file,omitempty" json:"file,omitempty"`
	// Uploader is who uploaded an import's file.
	Uploader *By `dynamodbav:"uploader,omitempty" json:"uploader,omitempty"`
}

// Label is how pages and logs name b in one line, as history's Actor did
// before By: "admin token ci", "Anna Berg <anna@example.dk>".
func (b By) Label() string {
	switch b.Kind {
	case ActorPerson:
		if b.Email != "" {
			return b.Name + " <" + b.Email + ">"
		}
		return b.Name
	case ActorToken:
		return "admin token " + b.Name
	case ActorSCIM:
		return "SCIM client " + b.Name
	case ActorImport:
		return "import " + b.ID
	case ActorUser:
		return "the user"
	}
	return b.Name
}

// ActorOf is the actor of a, also for an entry written before history
// stored By: its kind then follows from the source, and its name (an
// import's id) from the label the entry holds.
func ActorOf(a Activity) By {
	if a.By != nil {
		return *a.By
	}
	switch a.Source {
	case "admin":
		return By{Kind: ActorToken, Name: strings.TrimPrefix(a.Actor, "admin token ")}
	case "scim":
		return By{Kind: ActorSCIM, Name: strings.TrimPrefix(a.Actor, "SCIM client ")}
	case "csv":
		return By{Kind: ActorImport, ID: strings.TrimPrefix(a.Actor, "import ")}
	case "web":
		return By{Kind: ActorUser}
	case "console":
		return By{Kind: ActorPerson, Name: a.Actor}
	}
	return By{Kind: ActorSystem, Name: a.Actor}
}

// TokenActor is the actor of an admin API call made with t.
func TokenActor(t *Token) Actor {
	b := By{Kind: ActorToken, ID: t.ID, Name: t.Name}
	return Actor{Name: b.Label(), Source: "admin", Roles: t.Roles, By: b}
}

// SCIMActor is the actor of a SCIM client calling with t.
func SCIMActor(t *Token) Actor {
	b := By{Kind: ActorSCIM, ID: t.ID, Name: t.Name}
	return Actor{Name: b.Label(), Source: "scim", By: b}
}

// ImportActor is the actor of the rows of imp: the import, its file and
// whoever uploaded it.
func ImportActor(imp *Import) Actor {
	b := By{Kind: ActorImport, ID: imp.ID, Name: imp.File, File: imp.File, Uploader: imp.UploaderBy}
	return Actor{Name: b.Label(), Source: "csv", By: b}
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
	// By is the actor as history stores it; the zero By records none.
	By By
}

// Label is how history names the actor: the name, and a person's address.
func (a Actor) Label() string {
	if a.Email == "" {
		return a.Name
	}
	return a.Name + " <" + a.Email + ">"
}

// Activity is an entry of action on fields by a, with a's By.
func (a Actor) Activity(action string, fields []string) Activity {
	act := Activity{Actor: a.Label(), Source: a.Source, Action: action, Fields: fields}
	if a.By.Kind != "" {
		by := a.By
		act.By = &by
	}
	return act
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
