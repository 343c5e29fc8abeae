package web

import (
	"net/http"
	"time"

	"github.com/tilgang/tilgang/internal/i18n"

	"golang.org/x/text/language"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// langParam is the query parameter of the language switch and the hidden
// form field that keeps the choice across a POST.
const langParam = "lang"

// languages picks the language of a page. The zero value is not usable;
// build it with newLanguages.
type languages struct {
	matcher language.Matcher
}

func newLanguages() languages {
	tags := make([]language.Tag, len(tilgang.Languages))
	for i, l := range tilgang.Languages {
		tags[i] = language.MustParse(l)
	}
	return languages{matcher: language.NewMatcher(tags)}
}

// pick returns "da" or "en": the choice of the switch link (the lang field
// of a posted form, then the query), else the best match of the browser's
// Accept-Language, else fallback (the organisation's language) when it is
// one of ours, else Danish.
func (l languages) pick(r *http.Request, fallback string) string {
	if lang := chosen(r); lang != "" {
		return lang
	}
	if h := r.Header.Get("Accept-Language"); h != "" {
		if tags, _, err := language.ParseAcceptLanguage(h); err == nil && len(tags) > 0 {
			if _, i, conf := l.matcher.Match(tags...); conf != language.No {
				return tilgang.Languages[i]
			}
		}
	}
	if supported(fallback) {
		return fallback
	}
	return tilgang.Languages[0]
}

// chosen returns the choice of the switch link, the lang field of a posted
// form, then the query, or "" when the reader made none.
func chosen(r *http.Request) string {
	for _, v := range []string{r.PostForm.Get(langParam), r.URL.Query().Get(langParam)} {
		if supported(v) {
			return v
		}
	}
	return ""
}

func supported(lang string) bool {
	for _, l := range tilgang.Languages {
		if lang == l {
			return true
		}
	}
	return false
}

// text is one message in both languages (Danish, English). A message
// with verbs is a fmt format.
type text = i18n.Text

// textTables are the tables translate looks in: the shared texts, then one
// table per page. Treat them as constant.
var textTables = i18n.Tables{commonTexts, activationTexts, invitationTexts}

// translate returns the message key in lang (i18n.Tables.Translate).
func translate(lang, key string, args ...any) string { return textTables.Translate(lang, key, args...) }

// commonTexts are the texts of the layout and of the pages every link can
// end on.
var commonTexts = map[string]text{
	"lang.self":    {"Dansk", "English"},
	"lang.nav":     {"Sprog", "Language"},
	"error.prefix": {"Fejl", "Error"},
	"error.summary": {"Der er et problem",
		"There is a problem"},

	"unknown.title": {"Linket virker ikke", "This link does not work"},
	"unknown.body.1": {"Tjek, at du har kopieret hele linket fra mailen, og prøv igen.",
		"Check that you copied the whole link from the mail, and try again."},
	"unknown.body.2": {"Virker det stadig ikke, så bed din administrator om et nyt link.",
		"If it still does not work, ask your administrator for a new link."},

	"gone.title": {"Linket virker ikke længere", "The link no longer works"},
	"gone.body":  {"Bed din administrator om et nyt link.", "Ask your administrator for a new link."},

	"notfound.title": {"Siden findes ikke", "Page not found"},
	"notfound.body": {"Tjek adressen, eller åbn linket fra din mail igen.",
		"Check the address, or open the link in your mail again."},

	"forbidden.title": {"Formularen kunne ikke sendes", "The form could not be sent"},
	"forbidden.body.1": {"Af hensyn til din sikkerhed skal formularen sendes fra den side, der viste den, med cookies slået til.",
		"For your security, the form must be sent from the page that showed it, with cookies turned on."},
	"forbidden.body.2": {"Åbn linket fra din mail igen, og udfyld formularen en gang til.",
		"Open the link in your mail again and fill in the form once more."},

	"toomany.title": {"For mange forespørgsler", "Too many requests"},
	"toomany.body": {"Siden har fået for mange forespørgsler på kort tid. Vent et minut, og prøv igen.",
		"The page has had too many requests in a short time. Wait a minute and try again."},

	"badform.title": {"Formularen kunne ikke læses", "The form could not be read"},
	"badform.body": {"Åbn linket fra din mail igen, og udfyld formularen en gang til.",
		"Open the link in your mail again and fill in the form once more."},

	"method.title": {"Det kan siden ikke", "The page cannot do that"},
	"method.body": {"Åbn linket fra din mail igen.",
		"Open the link in your mail again."},

	"retry.title": {"Prøv igen", "Please try again"},
	"retry.body.1": {"Det, du sendte, kom samtidig med en anden ændring af det samme link, så det blev ikke gemt.",
		"What you sent arrived at the same time as another change to the same link, so it was not saved."},
	"retry.body.2": {"Åbn siden igen, og prøv en gang til.",
		"Open the page again and try once more."},
	"retry.again": {"Åbn siden igen", "Open the page again"},

	"server.title": {"Noget gik galt", "Something went wrong"},
	"server.body": {"Det er vores fejl, ikke din. Prøv igen om lidt.",
		"It is our fault, not yours. Please try again in a little while."},
}

// formatDate writes the date of t in Copenhagen as people write it:
// "2. januar 2026" or "2 January 2026" (i18n.Date).
func formatDate(t time.Time, lang string) string { return i18n.Date(t, lang) }
