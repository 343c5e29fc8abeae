package store

import (
	"fmt"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Entity kinds, kept in the type attribute of every item.
const (
	typeOrg       = "org"
	typeToken     = "token"
	typeUser      = "user"
	typeGuard     = "guard"
	typeActivity  = "activity"
	typeOutbox    = "outbox"
	typeCounter   = "counter"
	typeImport    = "import"
	typeImportRow = "importRow"
	typeUpload    = "upload"
	typeGroup     = "group"
	typeMember    = "member"
)

// Sort keys of singleton items.
const (
	skOrg    = "ORG"
	skToken  = "TOKEN"
	skUser   = "USER"
	skGuard  = "GUARD"
	skOutbox = "OUTBOX"
	skGroup  = "GROUP"
	// skAdminCount is the organisation's count of users with admin roles.
	skAdminCount = "ADMINS"
)

// Prefixes of sort keys in a user's and a group's item collection.
const (
	skHistoryPrefix = "HIST#"
	skMemberPrefix  = "MEMBER#"
)

func orgPK(orgID string) string { return "ORG#" + orgID }

func tokenPK(hash string) string { return "TOKEN#" + hash }

func orgTokensPK(orgID string) string { return "ORG#" + orgID + "#TOKENS" }

// userPK puts the organisation in every user key, so an id of another
// organisation simply is not found.
func userPK(orgID, userID string) string { return "ORG#" + orgID + "#USER#" + userID }

func orgUsersPK(orgID string) string { return "ORG#" + orgID + "#USERS" }

func orgStatusPK(orgID, status string) string { return "ORG#" + orgID + "#STATUS#" + status }

// Guard items make userName, externalId and CPR unique per organisation:
// each user owns one guard per set value, written in the same transaction.
func userNameGuardPK(orgID, userName string) string {
	return userNameKeyPK(orgID, tilgang.FoldUserName(userName))
}

// userNameKeyPK is the userName guard's key of a folded name: of
// tilgang.FoldUserName's, or of tilgang.LegacyFoldUserName's for a user
// the guard migration has not moved (RefoldGuards).
func userNameKeyPK(orgID, folded string) string { return "ORG#" + orgID + "#USERNAME#" + folded }

func externalIDGuardPK(orgID, externalID string) string {
	return "ORG#" + orgID + "#EXTERNALID#" + externalID
}

func cprGuardPK(orgID, lookup string) string { return "ORG#" + orgID + "#CPR#" + lookup }

func outboxPK(id string) string { return "OUTBOX#" + id }

// An import's record and its row results share a partition: the rows are
// read in line order with one Query.
func importPK(orgID, importID string) string { return "ORG#" + orgID + "#IMPORT#" + importID }

func orgImportsPK(orgID string) string { return "ORG#" + orgID + "#IMPORTS" }

const skImport = "IMPORT"

// uploadPK is the key of an upload grant: the organisation and the object's
// name, which is what an S3 event names.
func uploadPK(orgID, name string) string { return "ORG#" + orgID + "#UPLOAD#" + name }

const skUpload = "UPLOAD"

// importRowSK orders rows by line: fixed width, as lines never exceed the
// row limit by many digits.
func importRowSK(line int) string { return fmt.Sprintf("ROW#%09d", line) }

// A group's item and its membership items share a partition: the group is
// one GetItem, its members one Query on the same key.
func groupPK(orgID, groupID string) string { return "ORG#" + orgID + "#GROUP#" + groupID }

func orgGroupsPK(orgID string) string { return "ORG#" + orgID + "#GROUPS" }

func memberSK(userID string) string { return skMemberPrefix + userID }

// userGroupsPK is the GSI2 partition of a user's memberships.
func userGroupsPK(orgID, userID string) string { return "ORG#" + orgID + "#USERGROUPS#" + userID }

// Group guards make displayName and externalId unique per organisation,
// like a user's guards, but in their own key space: a group may share its
// name with a user.
func groupNameGuardPK(orgID, displayName string) string {
	return "ORG#" + orgID + "#GROUPNAME#" + tilgang.FoldName(displayName)
}

func groupExternalIDGuardPK(orgID, externalID string) string {
	return "ORG#" + orgID + "#GROUPEXTID#" + externalID
}
