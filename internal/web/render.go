package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strings"
)

//go:embed templates
var templateFiles embed.FS

// pageTemplates are the page templates, each rendered inside
// templates/layout.html. A new page adds its file here.
var pageTemplates = []string{"activate.html", "invitation.html", "message.html"}

// views holds the parsed templates, one set per page.
type views struct {
	pages map[string]*template.Template
	css   string
}

func mustParseViews() *views {
	layout := template.Must(template.ParseFS(templateFiles, "templates/layout.html"))
	v := &views{pages: map[string]*template.Template{}, css: assetURL(styleSheet)}
	for _, name := range pageTemplates {
		t := template.Must(template.Must(layout.Clone()).ParseFS(templateFiles, "templates/"+name))
		v.pages[name] = t
	}
	return v
}

// view is what the layout renders.
type view struct {
	Lang    string
	Name    string // the page's name, for tests and styles: main[data-page]
	Title   string // the h1 and the document title
	Error   bool   // the page reports an error in the form: "Error: " in the title
	OrgName string // shown in the header when the page belongs to one
	CSS     string
	Page    any // what the page's template reads
}

// T returns the text key in the page's language.
func (v view) T(key string, args ...any) string { return translate(v.Lang, key, args...) }

// Switch is the link to the other language.
func (v view) Switch() langLink {
	other := "en"
	if v.Lang == "en" {
		other = "da"
	}
	return langLink{Lang: other, Label: translate(other, "lang.self"), Href: "?" + langParam + "=" + other}
}

// langLink is the language switch: a plain link to the same address with
// another lang parameter, so it works without JavaScript.
type langLink struct{ Lang, Label, Href string }

// render writes the page tmpl with status. It renders into a buffer first,
// so that a template error becomes a clean 500 page.
func (p *pages) render(w http.ResponseWriter, r *http.Request, status int, tmpl string, v view) {
	v.CSS = p.views.css
	var buf bytes.Buffer
	if err := p.views.pages[tmpl].ExecuteTemplate(&buf, "layout", v); err != nil {
		p.log.ErrorContext(r.Context(), "web: render page", "page", v.Name, "error", err)
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// message is the content of a page that only tells: a title and a few
// paragraphs, with no form.
type message struct {
	Paragraphs []string
	// Again, if set, links to the page's own address in a GET, which
	// shows the link's form (or its state) afresh.
	Again *backLink
}

// backLink is a link back to the page's own address, in its language.
type backLink struct{ Label, Href string }

// renderMessage writes a page that tells the reader what happened and
// what to do next. name keys its texts: name.title, name.body or
// name.body.1, name.body.2, .... args fill the paragraphs that have verbs;
// the others are shown as they are. A page with a name.again text links
// back to its own address with it.
func (p *pages) renderMessage(w http.ResponseWriter, r *http.Request, status int, name, lang, orgName string, args ...any) {
	paragraph := func(key string) string {
		if s := translate(lang, key); !strings.Contains(s, "%") {
			return s
		}
		return translate(lang, key, args...)
	}
	var paras []string
	if textTables.Has(name + ".body") {
		paras = append(paras, paragraph(name+".body"))
	}
	for i := 1; textTables.Has(fmt.Sprintf("%s.body.%d", name, i)); i++ {
		paras = append(paras, paragraph(fmt.Sprintf("%s.body.%d", name, i)))
	}
	m := message{Paragraphs: paras}
	if textTables.Has(name + ".again") {
		m.Again = &backLink{Label: translate(lang, name+".again"), Href: "?" + langParam + "=" + lang}
	}
	p.render(w, r, status, "message.html", view{
		Lang: lang, Name: name, Title: translate(lang, name+".title"), OrgName: orgName,
		Page: m,
	})
}

// notFound answers every address that is no page.
func (p *pages) notFound(w http.ResponseWriter, r *http.Request) {
	p.renderMessage(w, r, http.StatusNotFound, "notfound", p.languages.pick(r, ""), "")
}

// methodNotAllowed answers a page's address with a method it does not take.
func (p *pages) methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		p.renderMessage(w, r, http.StatusMethodNotAllowed, "method", p.languages.pick(r, ""), "")
	}
}

// crossOrigin answers a form posted from another site, which
// http.CrossOriginProtection refuses.
func (p *pages) crossOrigin(w http.ResponseWriter, r *http.Request) {
	p.renderMessage(w, r, http.StatusForbidden, "forbidden", p.languages.pick(r, ""), "")
}

// serverError logs err and answers 500. The error never holds a CPR
// number or a link token: the users service and the store do not put them
// in errors, and the request log names only the route.
func (p *pages) serverError(w http.ResponseWriter, r *http.Request, lang string, err error) {
	p.log.ErrorContext(r.Context(), "web: page failed", "route", r.Pattern, "error", err)
	p.renderMessage(w, r, http.StatusInternalServerError, "server", lang, "")
}
