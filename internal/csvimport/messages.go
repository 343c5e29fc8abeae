package csvimport

// Problems only the import can see (the reader's are in csvfile), in
// Danish and English; each says what to do.

// codeOrgUnknown rejects a file dropped under an organisation id that does
// not exist.
const codeOrgUnknown = "organisation.unknown"

// codeObjectChanged rejects a file whose version was deleted or overwritten
// before it could be read.
const codeObjectChanged = "file.changed"

var catalogue = map[string]struct{ en, da string }{
	codeOrgUnknown: {
		"The folder name after imports/ is not the id of an organisation. Upload the file to imports/<your organisation id>/.",
		"Mappenavnet efter imports/ er ikke id'et på en organisation. Læg filen i imports/<jeres organisations-id>/.",
	},
	codeObjectChanged: {
		"The file was deleted or replaced before it could be read. Upload it again if it should still be imported.",
		"Filen blev slettet eller erstattet, før den kunne læses. Læg den op igen, hvis den stadig skal importeres.",
	},
	"user.not_found": {
		"No user of the organisation has this UUID or CPR number. Check the cell, or use action C to create the user.",
		"Ingen bruger i organisationen har dette UUID eller CPR-nummer. Tjek cellen, eller brug aktion C for at oprette brugeren.",
	},
	"user.identity_mismatch": {
		"UUID and CPR number belong to two different users. Correct one of them, or leave CPR empty.",
		"UUID og CPR-nummer hører til to forskellige brugere. Ret en af dem, eller lad CPR stå tom.",
	},
	"user.exists/email": {
		"A user with this e-mail address exists already (perhaps from an earlier row of this file). Use action U to change that user, or correct the address.",
		"Der findes allerede en bruger med denne e-mailadresse (måske fra en tidligere række i filen). Brug aktion U for at ændre brugeren, eller ret adressen.",
	},
	"user.exists/username": {
		"A user with this e-mail address as user name exists already (perhaps from an earlier row of this file). Use action U to change that user, or correct the address.",
		"Der findes allerede en bruger med denne e-mailadresse som brugernavn (måske fra en tidligere række i filen). Brug aktion U for at ændre brugeren, eller ret adressen.",
	},
	"user.exists/cpr": {
		"A user with this CPR number exists already (perhaps from an earlier row of this file). Use action U to change that user.",
		"Der findes allerede en bruger med dette CPR-nummer (måske fra en tidligere række i filen). Brug aktion U for at ændre brugeren.",
	},
	"organisation.max_admins": {
		"The organisation has as many administrators as its licence allows.",
		"Organisationen har så mange administratorer, som licensen tillader.",
	},
}

// message returns the text for key ("code" or "code/field") in lang, or ""
// if the import has none.
func message(lang, key string) string {
	t, ok := catalogue[key]
	if !ok {
		return ""
	}
	if lang == "en" {
		return t.en
	}
	return t.da
}
