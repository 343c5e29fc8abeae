package tilgang

import (
	"time"
)

// Status is where a user is in its life cycle (SPEC §4).
type Status string

// The statuses of a user.
const (
	StatusImported          Status = "imported"
	StatusPendingActivation Status = "pending_activation"
	StatusActive            Status = "active"
	StatusAwaitingApproval  Status = "awaiting_approval"
	StatusDeactivated       Status = "deactivated"
)

// Statuses lists every status, for validating filters.
var Statuses = []Status{StatusImported, StatusPendingActivation, StatusActive, StatusAwaitingApproval, StatusDeactivated}

// Kinds of user (seed 002).
const (
	KindEmployee = "employee"
	KindExternal = "external"
)

// LoginMeansPrivateMitID lets a user activate with their private MitID; it
// needs a CPR number and an organisation that allows it.
const LoginMeansPrivateMitID = "PrivatID"

// AdminRoles are the roles that make a user an administrator: they count
// against the organisation's MaxAdmins and exclude anonymity.
var AdminRoles = []string{RoleUserAdmin, RoleCompanyAdmin, RoleRightsAdmin}

// Role is a role a user holds, optionally limited to one organisation unit.
type Role struct {
	Role    string
	OrgUnit string
}

// IsAdmin reports whether the role is one of AdminRoles.
func (r Role) IsAdmin() bool {
	for _, a := range AdminRoles {
		if r.Role == a {
			return true
		}
	}
	return false
}

// Deactivation is a window of whole days in Europe/Copenhagen, both ends
// inclusive, formatted YYYY-MM-DD. An empty To leaves it open.
type Deactivation struct {
	From string
	To   string
}

// SealedCPR is how a CPR number is kept: a keyed hash for look-ups and
// uniqueness, and an encrypted copy for showing it masked. The plain number
// is never stored. The zero value means the user has no CPR number.
type SealedCPR struct {
	Lookup string
	Sealed []byte
}

// IsZero reports whether no CPR number is held.
func (c SealedCPR) IsZero() bool { return c.Lookup == "" }

// User is a person who can log in on behalf of an organisation.
type User struct {
	ID             string // UUID
	OrgID          string
	UserName       string // unique per organisation as FoldUserName folds it; stored as sent
	ExternalID     string // unique per organisation when set
	FirstName      string
	LastName       string
	Email          string
	Phone          string
	CPR            SealedCPR
	DateOfBirth    string // YYYY-MM-DD
	Anonymous      bool   // chosen at creation only
	ReferenceText  string
	TargetIAL      int
	EAN            string
	PNumber        string
	SENumber       string
	LoginMeans     string
	Authenticators []string
	Rights         []string
	CanSign        bool
	SealProfiles   []string
	Kind           string
	Roles          []Role
	Department     string
	// EmployeeNumber, Organization and Manager come from an identity
	// provider's enterprise extension (RFC 7643 §4.3); Manager is the
	// manager's id as the provider sends it.
	EmployeeNumber string
	Organization   string
	Manager        string
	// SCIMAttributes holds, as a JSON object, the SCIM core and enterprise
	// attributes an identity provider sent that have no field above
	// (addresses, a second e-mail, title, …), so that they read back as
	// they were written (SPEC §5). The fields above are derived from them
	// when the provider writes, and win when another door changed them.
	SCIMAttributes []byte
	Status         Status
	// StatusBeforeDeactivation is where a deactivated user returns to.
	StatusBeforeDeactivation Status
	Deactivation             *Deactivation
	Activation               *Activation
	CreatedAt                time.Time
	UpdatedAt                time.Time
	// UserNameKey is the key under which the store holds the user's
	// userName guard, as the store read it: FoldUserName(UserName), or
	// LegacyFoldUserName(UserName) for a user written before userNames
	// were folded with NFKC and not yet moved (store.RefoldGuards). The
	// store sets it; doors leave it alone, and a new user's is ignored.
	UserNameKey string
	// InvitationID names the invitation whose acceptance created the user,
	// if one did: the invitation holds the user's address, and deleting
	// the user erases it there too (SPEC §14). No door changes it.
	InvitationID string
	// Version counts stored changes; a write based on an older version fails
	// with a conflict.
	Version int64
	// Unreadable names the stored attributes that did not decode when the
	// user was read; nil for a record read whole. Such a user is what
	// could be salvaged (UnreadableUser): it may be shown and deleted,
	// never stored.
	Unreadable []string
}

// IsAdmin reports whether the user holds any admin role.
func (u *User) IsAdmin() bool {
	for _, r := range u.Roles {
		if r.IsAdmin() {
			return true
		}
	}
	return false
}

// Clone returns a deep copy, so that a change can be prepared next to the
// stored original.
func (u *User) Clone() *User {
	c := *u
	c.Authenticators = append([]string(nil), u.Authenticators...)
	c.Rights = append([]string(nil), u.Rights...)
	c.SealProfiles = append([]string(nil), u.SealProfiles...)
	c.Roles = append([]Role(nil), u.Roles...)
	c.CPR.Sealed = append([]byte(nil), u.CPR.Sealed...)
	if u.Activation != nil {
		a := *u.Activation
		c.Activation = &a
	}
	if u.Deactivation != nil {
		d := *u.Deactivation
		c.Deactivation = &d
	}
	return &c
}

// Activation is an outstanding activation of a user. Secrets are kept only
// as keyed hashes.
type Activation struct {
	// LinkID is the nonce of the current link (secret.Link.Nonce): the
	// token itself is never stored, and a new activation gets a new LinkID,
	// which kills the old link.
	LinkID string
	// CodeHash is the keyed hash of the temporary code that a date-of-birth
	// user types on the activation page; empty for other users.
	CodeHash  string
	IssuedAt  time.Time
	ExpiresAt time.Time
	// FailedAttempts counts wrong codes; at MaxActivationAttempts the
	// activation is locked.
	FailedAttempts int
}

// MaxActivationAttempts is how many wrong codes lock an activation.
const MaxActivationAttempts = 5

// ActivationValidity is how long an activation link or code stays valid.
const ActivationValidity = 30 * 24 * time.Hour

// GetID returns u.ID, so that code over users and groups alike can name
// the resource it found.
func (u *User) GetID() string { return u.ID }
