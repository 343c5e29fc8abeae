package csvfile

import (
	"fmt"
	"strings"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/validate"
)

// Template is the header line of the import template, the column names in
// the order the seed guides give them.
const Template = tilgang.ImportHeader

// Codes of file-level problems, the Code of a *FileError. Each rejects the
// whole file.
const (
	CodeFileEmpty       = "file.empty"         // no header line
	CodeFileBinary      = "file.binary"        // not a text file (a workbook, UTF-16, an image...)
	CodeFileTooLarge    = "file.too_large"     // over Options.MaxBytes
	CodeFileTooManyRows = "file.too_many_rows" // over Options.MaxRows
	CodeFileQuote       = "file.quote"         // an unclosed quote swallows the rest of the file
	CodeHeaderMissing   = "header.missing"
	CodeHeaderUnknown   = "header.unknown"
	CodeHeaderDuplicate = "header.duplicate"

	// The import's own, which the Reader does not give: the file's version
	// was deleted or replaced before it could be read, and the folder the
	// file was dropped in names no organisation.
	CodeFileChanged = "file.changed"
	CodeOrgUnknown  = "organisation.unknown"
)

// Codes of the rules against guessing CPR numbers (SPEC §14). The Reader
// gives CodeCPRWithUUID: a U or D row that names its user by UUID may not
// also give a CPR number, whose comparison with the user's would tell
// whether it is the user's. The import gives CodeCPRLookupLimit to the
// rows that name their user by CPR number alone beyond the limits of such
// look-ups (per file, per organisation per day), whether or not a user has
// the number.
const (
	CodeCPRWithUUID    = "cpr.with_uuid"
	CodeCPRLookupLimit = "cpr.lookup_limit"
)

// Codes of row-level problems of the file's format, the Code of a Problem.
// A row with any of them must not be applied; the other rows are
// unaffected.
const (
	CodeActionUnknown   = "action.unknown"
	CodeUUIDFormat      = "uuid.format"
	CodeFieldNotAllowed = "field.not_allowed" // UUID in a C row
	CodeAnonymousValue  = "anonymous.value"   // Anonym not J, N or empty
	CodeRowColumns      = "row.columns"
	CodeRowQuote        = "row.quote"
	CodeEncodingInvalid = "encoding.invalid"
)

// Codes of the users' vocabulary (tilgang/rules.go, validate, cpr) that the
// Reader gives too: no action, or no UUID or CPR number to find a U or D
// row's user, by; a number Excel wrote in scientific notation; a TargetIAL
// that is not a whole number above 0; and whatever cpr.Parse says of a CPR
// number. Every other rule is the users rulebook's.
var (
	codeRequired   = tilgang.ErrRequired.Code
	codeScientific = validate.ErrNumberScientific.Code
	codeIALRange   = validate.ErrIALRange.Code
)

// codes lists every code the Reader gives, for tests and for callers that
// check a code is known.
var codes = []string{
	CodeFileEmpty, CodeFileBinary, CodeFileTooLarge, CodeFileTooManyRows, CodeFileQuote,
	CodeHeaderMissing, CodeHeaderUnknown, CodeHeaderDuplicate,
	codeRequired, CodeActionUnknown, CodeUUIDFormat, CodeFieldNotAllowed, CodeAnonymousValue,
	codeScientific, codeIALRange, cpr.ErrFormat.Code, cpr.ErrInvalidDate.Code, cpr.ErrLeadingZeroLost.Code,
	cpr.ErrTwelveDigits.Code, CodeRowColumns, CodeRowQuote, CodeEncodingInvalid, CodeCPRWithUUID,
}

// knownCode reports whether the Reader gives code.
func knownCode(code string) bool {
	for _, c := range codes {
		if c == code {
			return true
		}
	}
	return false
}

// text is one message in both languages. Messages never quote a cell's
// value: a receipt is read more widely than a CPR number may be.
type text struct{ en, da string }

// catalogue holds the fix-it message of every code a receipt can carry: the
// Reader's, the users rulebook's (whichever door a rule is broken through,
// its code is the same; here it gets the words of a person fixing a
// spreadsheet) and the import's. A key is a code, or code/variant where one
// code has several causes that need different advice; a variant is a
// situation of the Reader's or, for the rulebook's problems, the field the
// problem blames in lower case (the admin API's name, as in
// "field.required/ean"). Every message says what to do.
var catalogue = map[string]text{
	// The file.
	CodeFileEmpty: {
		"The file is empty. Fill in the header line and one row per user, and upload the file again.",
		"Filen er tom. Udfyld overskriftslinjen og én række pr. bruger, og upload filen igen.",
	},
	CodeFileBinary: {
		"The file is not a CSV file. In Excel, choose Save As with the file type " +
			"CSV (semicolon separated) (*.csv), and upload that file.",
		"Filen er ikke en CSV-fil. Vælg Gem som i Excel med filtypen " +
			"CSV (semikolonsepareret) (*.csv), og upload den fil.",
	},
	CodeFileBinary + "/workbook": {
		"The file is an Excel workbook, not a CSV file. In Excel, choose Save As with the file type " +
			"CSV (semicolon separated) (*.csv), and upload that file.",
		"Filen er en Excel-projektmappe, ikke en CSV-fil. Vælg Gem som i Excel med filtypen " +
			"CSV (semikolonsepareret) (*.csv), og upload den fil.",
	},
	CodeFileBinary + "/utf16": {
		"The file is saved as Unicode text (UTF-16), which cannot be read. In Excel, choose Save As " +
			"with the file type CSV (semicolon separated) (*.csv) or CSV UTF-8, and upload that file.",
		"Filen er gemt som Unicode-tekst (UTF-16), som ikke kan læses. Vælg Gem som i Excel " +
			"med filtypen CSV (semikolonsepareret) (*.csv) eller CSV UTF-8, og upload den fil.",
	},
	CodeFileTooLarge: {
		"The file is larger than %s. Split it into smaller files and upload them one at a time.",
		"Filen er større end %s. Del den op i mindre filer, og upload dem én ad gangen.",
	},
	CodeFileTooManyRows: {
		"The file has more than %d rows. Split it into files of at most %[1]d rows " +
			"and upload them one at a time.",
		"Filen har flere end %d rækker. Del den op i filer med højst %[1]d rækker, " +
			"og upload dem én ad gangen.",
	},
	CodeFileQuote: {
		`The quotation mark (") that starts a cell on line %d is never closed, so the rows after it ` +
			"cannot be read. Remove the quotation mark or add the closing one, and upload the file again.",
		`Anførselstegnet ("), der starter en celle i linje %d, bliver aldrig afsluttet, så rækkerne ` +
			"efter det kan ikke læses. Fjern anførselstegnet, eller tilføj det afsluttende, " +
			"og upload filen igen.",
	},
	CodeFileQuote + "/after": {
		"After line %d a row is longer than 1 MB: most likely a quotation mark (\") that starts a cell " +
			"is never closed, so the rest of the file cannot be read. Remove the quotation mark or " +
			"add the closing one, and upload the file again.",
		"Efter linje %d er en række længere end 1 MB: sandsynligvis bliver et anførselstegn (\"), " +
			"der starter en celle, aldrig afsluttet, så resten af filen kan ikke læses. " +
			"Fjern anførselstegnet, eller tilføj det afsluttende, og upload filen igen.",
	},
	CodeFileQuote + "/header": {
		`The header line has a quotation mark (") in the wrong place. Remove it and upload the file again.`,
		`Overskriftslinjen har et anførselstegn (") et forkert sted. Fjern det, og upload filen igen.`,
	},
	CodeHeaderMissing: {
		"The header line lacks the column %s. The first line must hold the column names " +
			"of the template: " + Template + ".",
		"Overskriftslinjen mangler kolonnen %s. Første linje skal indeholde skabelonens " +
			"kolonnenavne: " + Template + ".",
	},
	CodeHeaderMissing + "/identity": {
		"The header line needs a CPR column, a Foedselsdato column or both. The first line " +
			"must hold the column names of the template: " + Template + ".",
		"Overskriftslinjen skal have en CPR-kolonne, en Foedselsdato-kolonne eller begge. " +
			"Første linje skal indeholde skabelonens kolonnenavne: " + Template + ".",
	},
	CodeHeaderUnknown: {
		"The header line has a column %s that is not known. The first line must hold the column " +
			"names of the template: " + Template + ". If the first line is a user, " +
			"insert the header line above it.",
		"Overskriftslinjen har en kolonne %s, som ikke kendes. Første linje skal indeholde " +
			"skabelonens kolonnenavne: " + Template + ". Hvis første linje er en bruger, " +
			"så indsæt overskriftslinjen over den.",
	},
	CodeHeaderDuplicate: {
		"The column %s appears more than once in the header line. Delete the extra column " +
			"and upload the file again.",
		"Kolonnen %s står mere end én gang i overskriftslinjen. Slet den ekstra kolonne, " +
			"og upload filen igen.",
	},

	CodeFileChanged: {
		"The file was deleted or replaced before it could be read. Upload it again if it should still be imported.",
		"Filen blev slettet eller erstattet, før den kunne læses. Læg den op igen, hvis den stadig skal importeres.",
	},
	CodeOrgUnknown: {
		"The folder name after imports/ is not the id of an organisation. Upload the file to imports/<your organisation id>/.",
		"Mappenavnet efter imports/ er ikke id'et på en organisation. Læg filen i imports/<jeres organisations-id>/.",
	},

	// The format of a row.
	codeRequired: {
		"This cell is mandatory. Fill it in.",
		"Cellen er obligatorisk. Udfyld den.",
	},
	codeRequired + "/action": {
		"Fill in the action: C (create), U (update) or D (delete).",
		"Udfyld aktionen: C (opret), U (opdatér) eller D (slet).",
	},
	codeRequired + "/identity_user": {
		"Fill in the user's UUID or CPR number, so that the user can be found.",
		"Udfyld brugerens UUID eller CPR-nummer, så brugeren kan findes.",
	},
	CodeActionUnknown: {
		"The action must be C (create), U (update) or D (delete).",
		"Aktionen skal være C (opret), U (opdatér) eller D (slet).",
	},
	CodeUUIDFormat: {
		"A UUID is 32 hexadecimal characters, with or without hyphens. " +
			"Copy it again from the user's information.",
		"Et UUID består af 32 hexadecimale tegn, med eller uden bindestreger. " +
			"Kopiér det igen fra brugerens oplysninger.",
	},
	CodeFieldNotAllowed: {
		"Leave UUID empty when creating a user (C): the user gets a UUID when it is created.",
		"Lad UUID være tom, når en bruger oprettes (C): brugeren får et UUID, når den oprettes.",
	},
	CodeAnonymousValue: {
		"Anonym must be J (yes), N (no) or empty.",
		"Anonym skal være J (ja), N (nej) eller tom.",
	},
	codeScientific: {
		"Excel has written the number in scientific notation (like 5,79E+12), and digits are lost. " +
			"In Excel, format the column as Text and type the number again in full.",
		"Excel har skrevet tallet i videnskabelig notation (fx 5,79E+12), og cifre er gået tabt. " +
			"Formatér kolonnen som Tekst i Excel, og indtast hele tallet igen.",
	},
	cpr.ErrFormat.Code: {
		"A CPR number is 10 digits, DDMMYYSSSS (a hyphen after the sixth digit is allowed). " +
			"Correct the number; if Excel changed it, format the column as Text and type it again.",
		"Et CPR-nummer er 10 cifre, DDMMÅÅSSSS (en bindestreg efter sjette ciffer er tilladt). " +
			"Ret nummeret; hvis Excel har ændret det, så formatér kolonnen som Tekst, og indtast det igen.",
	},
	// Not a real date (the Reader) or a date still to come (the rulebook).
	cpr.ErrInvalidDate.Code: {
		"The first six digits of the CPR number (DDMMYY) are not a real date, or a date still to come. Check the number.",
		"De første seks cifre i CPR-nummeret (DDMMÅÅ) er ikke en gyldig dato, eller en dato, der endnu ikke er kommet. Kontrollér nummeret.",
	},
	cpr.ErrLeadingZeroLost.Code: {
		"The CPR number has 9 digits: Excel has removed its leading zero. " +
			"Format the column as Text and type the number again with its leading zero.",
		"CPR-nummeret har 9 cifre: Excel har fjernet det foranstillede nul. " +
			"Formatér kolonnen som Tekst, og indtast nummeret igen med nullet foran.",
	},
	cpr.ErrTwelveDigits.Code: {
		"The CPR number has 12 digits (DDMMYYYYSSSS). " +
			"Write it with 10 digits, DDMMYYSSSS, with a two-digit year.",
		"CPR-nummeret har 12 cifre (DDMMÅÅÅÅSSSS). " +
			"Skriv det med 10 cifre, DDMMÅÅSSSS, med tocifret årstal.",
	},
	// Not a whole number (the Reader), not 3 or 4, or above the
	// organisation's IAL (the rulebook).
	codeIALRange: {
		"TargetIAL must be 3 (substantial) or 4 (high), and no higher than your organisation's IAL.",
		"TargetIAL skal være 3 (betydelig) eller 4 (høj) og ikke højere end organisationens IAL.",
	},
	CodeRowColumns: {
		"The row has %d cells, but the header line has %d. " +
			"Look for a missing or an extra separator (%s) in the row.",
		"Rækken har %d celler, men overskriftslinjen har %d. " +
			"Kig efter et manglende eller et ekstra skilletegn (%s) i rækken.",
	},
	CodeRowColumns + "/unnamed": {
		"The row has a value in a column without a column name. " +
			"Move the value to the right column, or delete it.",
		"Rækken har en værdi i en kolonne uden kolonnenavn. " +
			"Flyt værdien til den rigtige kolonne, eller slet den.",
	},
	CodeRowQuote: {
		`A quotation mark (") in the row is in the wrong place. A cell that contains quotation marks ` +
			`must itself be in quotation marks, with each inner one doubled (""); or remove them.`,
		`Et anførselstegn (") i rækken står et forkert sted. En celle med anførselstegn skal selv ` +
			`stå i anførselstegn, med hvert indre anførselstegn skrevet dobbelt (""); ellers fjern dem.`,
	},
	CodeCPRWithUUID: {
		"Leave CPR empty when the row has a UUID: the UUID finds the user, and a CPR number cannot be changed.",
		"Lad CPR være tom, når rækken har et UUID: UUID'et finder brugeren, og et CPR-nummer kan ikke ændres.",
	},
	CodeEncodingInvalid: {
		"The cell contains characters that are not valid text. Type its text again, " +
			"and save the file as CSV UTF-8 or CSV (semicolon separated).",
		"Cellen indeholder tegn, som ikke er gyldig tekst. Indtast teksten igen, " +
			"og gem filen som CSV UTF-8 eller CSV (semikolonsepareret).",
	},

	// The users rulebook.
	codeRequired + "/cpr": {
		"Fill in the CPR number or the date of birth (Foedselsdato): a user needs one of them.",
		"Udfyld CPR-nummer eller fødselsdato (Foedselsdato): en bruger skal have ét af dem.",
	},
	codeRequired + "/ean": {
		"Your organisation has registered EAN numbers: fill in one of them.",
		"Jeres organisation har registreret EAN-numre: udfyld et af dem.",
	},
	codeRequired + "/pnumber": {
		"Your organisation has registered P-numbers: fill in one of them.",
		"Jeres organisation har registreret P-numre: udfyld et af dem.",
	},
	codeRequired + "/senumber": {
		"Your organisation has registered SE-numbers: fill in one of them.",
		"Jeres organisation har registreret SE-numre: udfyld et af dem.",
	},
	tilgang.ErrTooLong.Code: {
		"The text is too long: at most %d characters. Shorten it.",
		"Teksten er for lang: højst %d tegn. Forkort den.",
	},
	tilgang.ErrTextControl.Code: {
		"The cell holds a line break, tab or other invisible control character. " +
			"Retype the text on one line, without pressing Alt+Enter, and upload the row again.",
		"Cellen indeholder et linjeskift, en tabulator eller et andet usynligt styretegn. " +
			"Skriv teksten igen på én linje uden at trykke Alt+Enter, og upload rækken igen.",
	},
	tilgang.ErrTooMany.Code: {
		"The user has more entries in a list than allowed, which the file cannot correct. " +
			"Correct the user in the admin API, and upload the row again.",
		"Brugeren har flere punkter i en liste end tilladt, hvilket filen ikke kan rette. " +
			"Ret brugeren i admin-API'et, og upload rækken igen.",
	},
	tilgang.ErrImmutable.Code: {
		"This field cannot be changed once the user is created. " +
			"Leave the cell empty when updating a user (U).",
		"Feltet kan ikke ændres, når brugeren er oprettet. " +
			"Lad cellen være tom, når en bruger opdateres (U).",
	},
	// A file's userName is its e-mail address, which is ASCII; the rulebook
	// can still name these codes, so they have a text like every code.
	validate.ErrUserNameScripts.Code: {
		"The user name mixes letters of Latin, Cyrillic or Greek script, which look alike. Write it in one script.",
		"Brugernavnet blander bogstaver fra latinsk, kyrillisk eller græsk skrift, som ligner hinanden. Skriv det med én skrift.",
	},
	validate.ErrUserNameInvisible.Code: {
		"The user name holds an invisible character, such as a zero-width space or a soft hyphen. Retype it.",
		"Brugernavnet indeholder et usynligt tegn, fx et mellemrum uden bredde eller en blød bindestreg. Skriv det igen.",
	},
	validate.ErrEmailFormat.Code: {
		"This is not a valid e-mail address. Write only the address, like name@example.dk.",
		"Det er ikke en gyldig e-mailadresse. Skriv kun selve adressen, fx navn@eksempel.dk.",
	},
	validate.ErrPhoneFormat.Code: {
		"A phone number is 8 digits, or + followed by country code and number. If Excel removed " +
			"the + or a leading zero, format the column as Text and type the number again.",
		"Et telefonnummer er 8 cifre eller + efterfulgt af landekode og nummer. Hvis Excel har " +
			"fjernet + eller et nul foran, så formatér kolonnen som Tekst, og indtast nummeret igen.",
	},
	validate.ErrDOBFormat.Code: {
		"Write the date of birth as DDMMYYYY, 8 digits (like 01021990): a real date, no earlier " +
			"than 1875 and not in the future. If Excel removed the leading zero, format the column " +
			"as Text and type the date again.",
		"Skriv fødselsdatoen som DDMMÅÅÅÅ, 8 cifre (fx 01021990): en gyldig dato, tidligst i 1875 " +
			"og ikke i fremtiden. Hvis Excel har fjernet nullet foran, så formatér kolonnen som " +
			"Tekst, og indtast datoen igen.",
	},
	tilgang.ErrDOBMismatch.Code: {
		"The date of birth does not match the date in the CPR number. " +
			"Correct one of them, or leave Foedselsdato empty.",
		"Fødselsdatoen passer ikke med datoen i CPR-nummeret. " +
			"Ret en af dem, eller lad Foedselsdato være tom.",
	},
	tilgang.ErrEANUnregistered.Code: {
		"Fill in one of your organisation's registered EAN numbers (13 digits), " +
			"as listed in the organisation's settings.",
		"Udfyld et af organisationens registrerede EAN-numre (13 cifre), " +
			"som de står under organisationens indstillinger.",
	},
	tilgang.ErrPNumberUnregistered.Code: {
		"Fill in one of your organisation's registered P-numbers (10 digits), " +
			"as listed in the organisation's settings.",
		"Udfyld et af organisationens registrerede P-numre (10 cifre), " +
			"som de står under organisationens indstillinger.",
	},
	tilgang.ErrSENumberUnregistered.Code: {
		"Fill in one of your organisation's registered SE-numbers (8 digits), " +
			"as listed in the organisation's settings.",
		"Udfyld et af organisationens registrerede SE-numre (8 cifre), " +
			"som de står under organisationens indstillinger.",
	},
	tilgang.ErrAnonymousNotAllowed.Code: {
		"Your organisation does not allow anonymous users. Write N or leave the cell empty.",
		"Jeres organisation tillader ikke anonyme brugere. Skriv N, eller lad cellen være tom.",
	},
	tilgang.ErrAnonymousAdmin.Code: {
		"An anonymous user cannot be an administrator. Remove the user's admin role in the admin API, " +
			"or write N in Anonym.",
		"En anonym bruger kan ikke være administrator. Fjern brugerens administratorrolle i admin-API'et, " +
			"eller skriv N i Anonym.",
	},
	tilgang.ErrReferenceTextDisabled.Code: {
		"Your organisation has not enabled reference texts. Leave the cell empty, " +
			"or first enable reference texts in the organisation's settings.",
		"Jeres organisation har ikke slået referencetekst til. Lad cellen være tom, " +
			"eller slå først referencetekst til under organisationens indstillinger.",
	},
	tilgang.ErrLoginMeansValue.Code: {
		"Loginmiddel must be PrivatID or empty.",
		"Loginmiddel skal være PrivatID eller tom.",
	},
	tilgang.ErrLoginMeansNeedsCPR.Code: {
		"Activation with private MitID (PrivatID) needs the user's CPR number. " +
			"Fill in the CPR number, or leave Loginmiddel empty.",
		"Aktivering med privat MitID (PrivatID) kræver brugerens CPR-nummer. " +
			"Udfyld CPR-nummeret, eller lad Loginmiddel være tom.",
	},
	tilgang.ErrLoginMeansNotAllowed.Code: {
		"Your organisation does not allow activation with private MitID. Leave Loginmiddel empty.",
		"Jeres organisation tillader ikke aktivering med privat MitID. Lad Loginmiddel være tom.",
	},
	tilgang.ErrKindInvalid.Code: {
		"The user's kind is neither employee nor external, which the file cannot correct. " +
			"Correct the user in the admin API, and upload the row again.",
		"Brugerens type er hverken medarbejder eller ekstern, hvilket filen ikke kan rette. " +
			"Ret brugeren i admin-API'et, og upload rækken igen.",
	},
	tilgang.ErrRoleRequired.Code: {
		"The user has a role without a name, which the file cannot correct. " +
			"Correct the user's roles in the admin API, and upload the row again.",
		"Brugeren har en rolle uden navn, hvilket filen ikke kan rette. " +
			"Ret brugerens roller i admin-API'et, og upload rækken igen.",
	},

	// The import: what only the stored users can show.
	tilgang.ErrUserNotFound.Code: {
		"No user of the organisation has this UUID or CPR number. Check the cell, or use action C to create the user.",
		"Ingen bruger i organisationen har dette UUID eller CPR-nummer. Tjek cellen, eller brug aktion C for at oprette brugeren.",
	},
	tilgang.ErrUserUnreadable.Code: {
		"The user's stored record cannot be read, so it cannot be changed; it can be deleted (action D). The operator is told.",
		"Brugerens gemte oplysninger kan ikke læses, så brugeren kan ikke ændres; den kan slettes (aktion D). Driften får besked.",
	},
	tilgang.ErrUserNameTaken.Code: {
		"A user with this user name, external id or CPR number exists already (perhaps from an earlier row of this file). " +
			"Use action U to change that user.",
		"Der findes allerede en bruger med dette brugernavn, eksterne id eller CPR-nummer (måske fra en tidligere række i filen). " +
			"Brug aktion U for at ændre brugeren.",
	},
	tilgang.ErrUserNameTaken.Code + "/username": {
		"A user with this e-mail address as user name exists already (perhaps from an earlier row of this file). " +
			"Use action U to change that user, or correct the address.",
		"Der findes allerede en bruger med denne e-mailadresse som brugernavn (måske fra en tidligere række i filen). " +
			"Brug aktion U for at ændre brugeren, eller ret adressen.",
	},
	tilgang.ErrUserNameTaken.Code + "/cpr": {
		"A user with this CPR number exists already (perhaps from an earlier row of this file). Use action U to change that user.",
		"Der findes allerede en bruger med dette CPR-nummer (måske fra en tidligere række i filen). Brug aktion U for at ændre brugeren.",
	},
	CodeCPRLookupLimit: {
		"The row finds its user by CPR number alone, and the limit of such rows is reached " +
			"(%d per file, %d per organisation per day). Fill in the user's UUID instead of the CPR number " +
			"(leave CPR empty), and upload the row again.",
		"Rækken finder sin bruger alene ud fra CPR-nummeret, og grænsen for sådanne rækker er nået " +
			"(%d pr. fil, %d pr. organisation pr. dag). Udfyld brugerens UUID i stedet for CPR-nummeret " +
			"(lad CPR være tom), og upload rækken igen.",
	},
	// A C row's CPR number refused because the organisation's CPR
	// look-ups of the day are spent (users.DefaultCPRLookupsPerDay).
	CodeCPRLookupLimit + "/cpr": {
		"The organisation has used up the CPR numbers it may check against its users today, because many rows or requests " +
			"gave CPR numbers that other users already have. The row was not applied: upload it again tomorrow, and ask the " +
			"other administrators why so many numbers were taken.",
		"Organisationen har i dag brugt de CPR-opslag, den må foretage, fordi mange rækker eller forespørgsler angav CPR-numre, " +
			"som andre brugere allerede har. Rækken blev ikke udført: upload den igen i morgen, og spørg de andre administratorer, " +
			"hvorfor så mange numre var i brug.",
	},
	CodeCPRLookupLimit + "/import": {
		"%d rows found their user by CPR number alone beyond the limit (%d per file, %d per organisation per day) " +
			"and were not applied. Give those rows the user's UUID instead of the CPR number, and upload them again.",
		"%d rækker fandt deres bruger alene ud fra CPR-nummeret ud over grænsen (%d pr. fil, %d pr. organisation pr. dag) " +
			"og blev ikke udført. Giv de rækker brugerens UUID i stedet for CPR-nummeret, og upload dem igen.",
	},
	tilgang.ErrMaxAdmins.Code: {
		"The organisation has as many administrators as its licence allows.",
		"Organisationen har så mange administratorer, som licensen tillader.",
	},
	tilgang.ErrStale.Code: {
		"The user was changed by someone else while the row was applied. Upload the row again in a new file.",
		"Brugeren blev ændret af en anden, mens rækken blev udført. Upload rækken igen i en ny fil.",
	},
}

// codeOf returns the code of a catalogue key.
func codeOf(key string) string {
	code, _, _ := strings.Cut(key, "/")
	return code
}

// message returns the catalogue text for key in lang ("en", else Danish),
// formatted with args. An unknown variant falls back to its code's message
// rather than panicking in the middle of an import; TestMessagesUsed makes
// sure no key in the source is missing. An unknown code gives the key.
func message(lang, key string, args ...any) string {
	t, ok := catalogue[key]
	if !ok {
		t, ok = catalogue[codeOf(key)]
		if !ok {
			return key
		}
	}
	s := t.da
	if lang == "en" {
		s = t.en
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// Message returns the fix-it text of a problem that the caller found in a
// row (the users rulebook's, the import's), in lang: "en" for English,
// anything else Danish. variant is the field the problem blames, as the
// admin API names it, for a more precise text where the code has one; args
// fill in the text's numbers (the limit of field.too_long). It returns ""
// for a code the catalogue does not know, which a test rules out for every
// code a receipt can carry.
func Message(lang, code, variant string, args ...any) string {
	if _, ok := catalogue[code]; !ok {
		return ""
	}
	return message(language(lang), code+"/"+strings.ToLower(variant), args...)
}

// language returns "en" for English and "da" for anything else, Danish being
// the product's default language.
func language(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "da"
}
