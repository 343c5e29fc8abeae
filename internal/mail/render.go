package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// templates holds one file per language and mail kind with the parts of
// the message (subject, heading, intro, action, expiry), a common file per
// language with the parts every kind shares, and one layout each for the
// HTML and the plain-text body, which place the parts.
//
//go:embed templates
var templates embed.FS

// Data is what a message says. The mailer fills OrgName and formats Expires
// in the message's language; a Lookup fills the rest for the kinds it
// serves. Empty fields leave their sentence out.
type Data struct {
	OrgName       string
	RecipientName string    // whom the greeting names; empty: a greeting without a name
	Link          string    // the call to action; empty: no button
	Expires       time.Time // when Link stops working; zero: no expiry line
	Proof         string    // activation: what the page will ask for, ProofCode or ProofCPR
	InviterName   string    // invitation: who invites
	Role          string    // invitation: the role offered
	PersonName    string    // invitation accepted: who accepted
}

// What an activation page asks for, as Data.Proof.
const (
	ProofCode = "code" // the temporary code from the administrator
	ProofCPR  = "cpr"  // the user's CPR number
)

// message is a rendered mail.
type message struct {
	Subject, Text, HTML string
}

// view is what the templates see: Data with the language, the expiry
// date written the local way, and the names made inert for the part
// (inert.go), which hide Data's.
type view struct {
	Data
	Lang    string
	Expires string
	// The names, one level above Data's, which they hide.
	OrgName, RecipientName, InviterName, PersonName any
}

// renderer renders the messages of every kind in every language, with
// the templates of each parsed once, when it is first rendered: parsing
// them all (two per kind and language) at start would add to every cold
// start of the mailer, which sends most batches in one language and a few
// kinds.
type renderer struct {
	kinds  map[string]bool
	mu     sync.Mutex
	parsed map[string]*parsed // by lang + "/" + kind
	parses int                // how many times templates were parsed, for the tests
}

// parsed are the templates of one kind in one language.
type parsed struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// newRenderer renders kinds from the embedded templates. The templates are
// part of the binary, so a parse error is a programming error that the
// golden-file tests catch.
func newRenderer(kinds []string) *renderer {
	r := &renderer{kinds: map[string]bool{}, parsed: map[string]*parsed{}}
	for _, k := range kinds {
		r.kinds[k] = true
	}
	return r
}

// templates returns the parsed templates of kind in lang, parsing them on
// the first call.
func (r *renderer) templates(kind, lang string) (*parsed, error) {
	key := lang + "/" + kind
	if !r.kinds[kind] || !slices.Contains(tilgang.Languages, lang) {
		return nil, fmt.Errorf("mail: no templates for %s", key)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.parsed[key]; ok {
		return p, nil
	}
	r.parses++
	parts := []string{"templates/" + lang + "/common.tmpl", "templates/" + lang + "/" + kind + ".tmpl"}
	text, err := texttemplate.New("layout.txt").ParseFS(templates, append(parts, "templates/layout.txt")...)
	if err != nil {
		return nil, fmt.Errorf("mail: templates of %s: %w", key, err)
	}
	html, err := htmltemplate.New("layout.html").ParseFS(templates, append(parts, "templates/layout.html")...)
	if err != nil {
		return nil, fmt.Errorf("mail: templates of %s: %w", key, err)
	}
	p := &parsed{text: text, html: html}
	r.parsed[key] = p
	return p, nil
}

// render renders kind in lang (one of tilgang.Languages) with d.
func (r *renderer) render(kind, lang string, d Data) (message, error) {
	key := lang + "/" + kind
	t, err := r.templates(kind, lang)
	if err != nil {
		return message{}, err
	}
	text, html := t.text, t.html
	v := view{Data: d, Lang: lang}
	v.setNames(textNames(d, lang))
	if !d.Expires.IsZero() {
		v.Expires = formatDate(d.Expires, lang)
	}
	var subject, body, page bytes.Buffer
	if err := text.ExecuteTemplate(&subject, "subject", v); err != nil {
		return message{}, fmt.Errorf("mail: render subject of %s: %w", key, err)
	}
	if err := text.Execute(&body, v); err != nil {
		return message{}, fmt.Errorf("mail: render text of %s: %w", key, err)
	}
	v.setNames(htmlNames(d, lang))
	if err := html.Execute(&page, v); err != nil {
		return message{}, fmt.Errorf("mail: render HTML of %s: %w", key, err)
	}
	// A subject is one line: a name with a line break must not add headers
	// or an empty subject.
	return message{Subject: strings.Join(strings.Fields(subject.String()), " "), Text: body.String(), HTML: page.String()}, nil
}

func (v *view) setNames(n names) {
	v.OrgName, v.RecipientName, v.InviterName, v.PersonName = n.OrgName, n.RecipientName, n.InviterName, n.PersonName
}

var danishMonths = [...]string{"januar", "februar", "marts", "april", "maj", "juni", "juli",
	"august", "september", "oktober", "november", "december"}

// formatDate writes the date of t in Copenhagen the way lang writes dates:
// "26. december 2026" in Danish, "26 December 2026" in English.
func formatDate(t time.Time, lang string) string {
	d := t.In(tilgang.Copenhagen())
	if lang == "en" {
		return fmt.Sprintf("%d %s %d", d.Day(), d.Month(), d.Year())
	}
	return fmt.Sprintf("%d. %s %d", d.Day(), danishMonths[d.Month()-1], d.Year())
}

// language picks the message's language: the mail's own (an invitee's
// choice), else the organisation's, else Danish.
func language(m tilgang.Mail, org *tilgang.Organisation) string {
	for _, l := range []string{m.Language, org.Language} {
		for _, known := range tilgang.Languages {
			if l == known {
				return l
			}
		}
	}
	return tilgang.Languages[0]
}
