package console

import (
	"time"

	"github.com/tilgang/tilgang/internal/i18n"
)

// text is one message in both languages (Danish, English); a message
// with verbs is a fmt format.
type text = i18n.Text

// textTables are the tables translate looks in: the shared texts, then one
// per page file. A new page file adds its table here. Treat them as
// constant.
var textTables = i18n.Tables{commonTexts, signinTexts, userTexts, tokenTexts, settingsTexts, passkeyTexts, flowTexts}

// translate returns the message key in lang (i18n.Tables.Translate).
func translate(lang, key string, args ...any) string { return textTables.Translate(lang, key, args...) }

// formatDate writes the date of t in Copenhagen as people write it, the
// zero time as "" (i18n.Date).
func formatDate(t time.Time, lang string) string { return i18n.Date(t, lang) }

var commonTexts = map[string]text{
	"lang.self":     {"Dansk", "English"},
	"lang.nav":      {"Sprog", "Language"},
	"error.prefix":  {"Fejl", "Error"},
	"error.summary": {"Der er et problem", "There is a problem"},
	"skip":          {"Gå til indholdet", "Skip to content"},
	"nav.label":     {"Administration", "Administration"},
	"nav.users":     {"Brugere", "Users"},
	"nav.tokens":    {"Tokens", "Tokens"},
	"nav.settings":  {"Indstillinger", "Settings"},
	"nav.passkeys":  {"Adgangsnøgler", "Passkeys"},
	"signout":       {"Log ud", "Sign out"},
	"signedin":      {"Logget ind som %s", "Signed in as %s"},
	"save":          {"Gem", "Save"},
	"cancel":        {"Annullér", "Cancel"},
	"yes":           {"Ja", "Yes"},
	"no":            {"Nej", "No"},

	"notfound.title": {"Siden findes ikke", "Page not found"},
	"notfound.body":  {"Tjek adressen, eller gå til forsiden.", "Check the address, or go to the start page."},
	"notfound.back":  {"Til forsiden", "To the start page"},

	"forbidden.title": {"Formularen kunne ikke sendes", "The form could not be sent"},
	"forbidden.body": {"Af hensyn til din sikkerhed skal formularen sendes fra den side, der viste den, med cookies slået til. Gå tilbage, genindlæs siden og prøv igen.",
		"For your security, the form must be sent from the page that showed it, with cookies turned on. Go back, reload the page and try again."},

	"denied.title": {"Det har du ikke adgang til", "You do not have access to this"},
	"denied.body":  {"Siden kræver en administratorrolle, du ikke har.", "The page needs an admin role you do not have."},

	"toomany.title": {"For mange forespørgsler", "Too many requests"},
	"toomany.body": {"Der er kommet for mange forespørgsler på kort tid. Vent et minut, og prøv igen.",
		"There have been too many requests in a short time. Wait a minute and try again."},

	"server.title": {"Noget gik galt", "Something went wrong"},
	"server.body":  {"Det er vores fejl, ikke din. Prøv igen om lidt.", "It is our fault, not yours. Please try again in a little while."},

	"stale.title": {"Nogen har ændret det samtidig", "Someone changed it at the same time"},
	"stale.body":  {"Åbn siden igen, og prøv en gang til.", "Open the page again and try once more."},
}
