package mail

import (
	htmltemplate "html/template"
	"strings"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Names in mail are plain text (SPEC §14). Whoever types a name (an
// invitee, an administrator, an identity provider) writes into a mail
// that the organisation's verified sender sends, so a name must neither
// pose as the mail's own words nor become a link:
//
//   - control characters (refused at every door, tilgang.HasControl, but a
//     record may predate the rule) become spaces and runs of white space
//     one space, so a name is one line and never a paragraph of its own;
//   - the names of other people (who invites, who accepted) are quoted,
//     so "Bo URGENT: pay now" reads as what someone typed;
//   - the characters that make text look like a link or an address (. : /
//     @) get an invisible WORD JOINER (U+2060) beside them, which no URL
//     or address may hold, so mail clients do not auto-link the text; in
//     HTML each also sits in a <span> of its own, which defeats the
//     clients that look through invisible characters, and no name is ever
//     inside an <a>.

const wordJoiner = "\u2060"

// oneLine replaces control characters by spaces and collapses white space.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if tilgang.HasControl(string(r)) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// linkish reports whether r helps text look like a URL or an address.
func linkish(r rune) bool { return r == '.' || r == ':' || r == '/' || r == '@' }

// inertText is s for a plain-text part (and the subject): one line, with
// a word joiner beside every link-like character.
func inertText(s string) string {
	var b strings.Builder
	for _, r := range oneLine(s) {
		if linkish(r) {
			b.WriteString(wordJoiner)
			b.WriteRune(r)
			b.WriteString(wordJoiner)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// inertHTML is s for the HTML part: escaped, one line, every link-like
// character in a span of its own between word joiners.
func inertHTML(s string) htmltemplate.HTML {
	var b strings.Builder
	for _, r := range oneLine(s) {
		if linkish(r) {
			b.WriteString("<span>" + wordJoiner + string(r) + wordJoiner + "</span>")
			continue
		}
		b.WriteString(htmltemplate.HTMLEscapeString(string(r)))
	}
	return htmltemplate.HTML(b.String())
}

// quotes are the quotation marks of a language: Danish „…“, English “…”.
func quotes(lang string) (string, string) {
	if lang == "en" {
		return "\u201c", "\u201d"
	}
	return "\u201e", "\u201c"
}

// names are the names a message shows, made inert for one part.
type names struct {
	OrgName, RecipientName, InviterName, PersonName any
}

// textNames makes d's names inert for the plain-text part and the subject.
func textNames(d Data, lang string) names {
	open, close := quotes(lang)
	quoted := func(s string) any {
		if s = inertText(s); s == "" {
			return ""
		}
		return open + s + close
	}
	return names{OrgName: inertText(d.OrgName), RecipientName: inertText(d.RecipientName),
		InviterName: quoted(d.InviterName), PersonName: quoted(d.PersonName)}
}

// htmlNames makes d's names inert for the HTML part.
func htmlNames(d Data, lang string) names {
	open, close := quotes(lang)
	quoted := func(s string) any {
		h := inertHTML(s)
		if h == "" {
			return h
		}
		return htmltemplate.HTML(open) + h + htmltemplate.HTML(close)
	}
	return names{OrgName: inertHTML(d.OrgName), RecipientName: inertHTML(d.RecipientName),
		InviterName: quoted(d.InviterName), PersonName: quoted(d.PersonName)}
}
