package users

// Profile says who asks for a user to be created or changed. The rules are
// the same for everyone; a profile only says which fields the asker must
// give and which defaults fill in the others. The doors use the profiles
// below. The zero Profile requires nothing but the userName every user
// has, which is the e-mail address unless the request names one.
type Profile struct {
	requireNames    bool // first name and surname
	requireEmail    bool
	requireIdentity bool // a CPR number or a date of birth
	// requireTargetIAL refuses a user without a target IAL; otherwise it
	// defaults to the organisation's IAL.
	requireTargetIAL bool
	// requireNumbers refuses a user without an EAN, P- or SE-number when
	// the organisation has registered numbers of that kind; otherwise the
	// organisation's only number of a kind is picked, as the seed guides do.
	requireNumbers bool
	// userNameAsSent keeps the userName as the asker (an identity
	// provider) sent it. Otherwise a user gets its e-mail address as its
	// userName unless the request names one, and the userName follows a
	// new address when it was the old one.
	userNameAsSent bool
	// cprResent ignores a CPR number (and a date of birth) given for a
	// user that has a CPR number: an identity provider sends the whole
	// user with every PUT, and whether the number it sent is the stored
	// one must not show (SPEC §14, no oracle on CPR numbers). Other
	// askers are told that the number cannot change, whatever it is.
	cprResent bool
}

// The profiles.
var (
	// AdminProfile is an administrator typing into the admin API (later the
	// console): names, e-mail and an identity (CPR number or date of
	// birth) are required; the target IAL defaults to the organisation's
	// and an organisation's only registered number of a kind is picked.
	AdminProfile = Profile{requireNames: true, requireEmail: true, requireIdentity: true}
	// ImportProfile is a row of a CSV file (SPEC §6): as AdminProfile, and
	// the target IAL and the organisation's registered numbers are required
	// too, as the import guide demands.
	ImportProfile = Profile{requireNames: true, requireEmail: true, requireIdentity: true,
		requireTargetIAL: true, requireNumbers: true}
	// InviteeProfile is a person accepting an invitation: names and the
	// invited e-mail address; the invitee has no identity to give.
	InviteeProfile = Profile{requireNames: true, requireEmail: true}
	// SCIMProfile is an identity provider: RFC 7643's minimal user, which
	// needs only a userName, kept as the provider sent it. A user without
	// an e-mail address gets its activation mail when it gets an address.
	SCIMProfile = Profile{userNameAsSent: true, cprResent: true}
)

// Limits on free text, so that no field can bloat a user's item towards
// DynamoDB's 400 KB, which it would refuse with an error that becomes a 5xx.
const (
	maxNameLength  = 200  // names, userName, externalId, the enterprise fields
	maxTextLength  = 1000 // reference text
	maxListEntries = 100  // entries of each list
	// maxEntryLength bounds each entry of the lists (and a role's name and
	// unit): 100 entries of 200 characters in four lists would reach the
	// item limit.
	maxEntryLength = 100
)

// MaxLength returns how many characters the user field named field (the
// admin API's name) may hold, for each entry of a list field, or 0 if the
// rulebook sets no limit of its own. The CSV receipt tells the limit with
// it.
func MaxLength(field string) int {
	switch field {
	case "userName", "externalId", "firstName", "lastName", "department", "employeeNumber", "organization", "manager":
		return maxNameLength
	case "referenceText":
		return maxTextLength
	case "roles", "authenticators", "rights", "sealProfiles":
		return maxEntryLength
	}
	return 0
}
