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
)

// Sort keys of singleton items.
const (
	skOrg    = "ORG"
	skToken  = "TOKEN"
	skUser   = "USER"
	skGuard  = "GUARD"
	skOutbox = "OUTBOX"
	// skAdminCount is the organisation's count of users with admin roles.
	skAdminCount = "ADMINS"
)

// Prefixes of sort keys in a user's item collection.
const skHistoryPrefix = "HIST#"

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
	return "ORG#" + orgID + "#USERNAME#" + tilgang.FoldUserName(userName)
}

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

// importRowSK orders rows by line: fixed width, as lines never exceed the
// row limit by many digits.
func importRowSK(line int) string { return fmt.Sprintf("ROW#%09d", line) }
