package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tilgang/tilgang/internal/i18n"
	"github.com/tilgang/tilgang/internal/session"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/web"
)

//go:embed templates
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// styleSheet is the activation pages' sheet: one look, one file.
var styleSheet = web.StyleSheet()

// assetVersions are the content hashes in the assets' addresses, so a
// browser may keep them for long.
func assetURL(name string, b []byte) string {
	sum := sha256.Sum256(b)
	return Prefix + "/assets/" + name + "?v=" + hex.EncodeToString(sum[:6])
}

// assets serves the style sheet and the passkey script.
func assets(w http.ResponseWriter, r *http.Request) {
	var b []byte
	var ct string
	switch name := r.PathValue("name"); name {
	case "site.css":
		b, ct = styleSheet, "text/css; charset=utf-8"
	case "passkey.js":
		b, _ = assetFiles.ReadFile("assets/passkey.js")
		ct = "text/javascript; charset=utf-8"
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(b)
}

// contentSecurityPolicy allows the sheet, the passkey script and forms
// that post back; no inline script or style runs.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// views holds the templates: the layout, parsed at start, and each page
// file inside it, parsed when it is first rendered. Parsing them all at
// start took about 7 ms of every cold start, for pages most instances
// never show.
type views struct {
	layout      *template.Template
	mu          sync.Mutex
	pages       map[string]*template.Template
	css, script string
}

var funcs = template.FuncMap{
	"join":     strings.Join,
	"fieldOf":  fieldOf,
	"selectOf": selectOf,
}

// formField is one labelled input of a form, with its error.
type formField struct {
	ID, Label, Hint, Err, Prefix, Type, Value, Auto string
	Options                                         []option
}

// errorer is a form page that has errors at its fields.
type errorer interface{ Err(field string) string }

func fieldOf(v view, id, label, typ, value, auto, hint string) formField {
	f := formField{ID: id, Label: v.T(label), Type: typ, Value: value, Auto: auto, Prefix: v.T("error.prefix")}
	if hint != "" {
		f.Hint = v.T(hint)
	}
	if e, ok := v.Page.(errorer); ok {
		f.Err = e.Err(id)
	}
	return f
}

func selectOf(v view, id, label string, opts []option) formField {
	f := fieldOf(v, id, label, "", "", "", "")
	f.Options = opts
	return f
}

func mustParseViews() *views {
	script, _ := assetFiles.ReadFile("assets/passkey.js")
	return &views{layout: template.Must(template.New("").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html")),
		pages: map[string]*template.Template{}, css: assetURL("site.css", styleSheet), script: assetURL("passkey.js", script)}
}

// page returns the page file name inside the layout, parsing it on first
// use.
func (v *views) page(name string) (*template.Template, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if t, ok := v.pages[name]; ok {
		return t, nil
	}
	if name == "layout.html" || strings.ContainsAny(name, "/*?[\\") {
		return nil, fmt.Errorf("console: no page template %q", name)
	}
	layout, err := v.layout.Clone()
	if err != nil {
		return nil, err
	}
	t, err := layout.ParseFS(templateFiles, "templates/"+name)
	if err != nil {
		return nil, fmt.Errorf("console: page template %q: %w", name, err)
	}
	v.pages[name] = t
	return t, nil
}

// all parses every page file (the tests check them all).
func (v *views) all() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, path := range names {
		name := strings.TrimPrefix(path, "templates/")
		if name == "layout.html" {
			continue
		}
		if out[name], err = v.page(name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// view is what the layout renders.
type view struct {
	Lang    string
	Name    string // main[data-page]
	Title   string
	Error   bool // "Error: " in the document title
	OrgName string
	CSS     string
	Script  string // the passkey script, on the pages that use it
	Path    string // the page's address, for the language switch
	Query   url.Values
	// Signed-in pages: the navigation and the sign-out form.
	Person *tilgang.User
	Nav    []navLink
	CSRF   string
	Wide   bool
	Page   any
}

type navLink struct {
	Label, Href string
	Current     bool
}

// T returns the text key in the page's language.
func (v view) T(key string, args ...any) string { return translate(v.Lang, key, args...) }

// Date and Time write a time as people in Denmark read it.
func (v view) Date(t time.Time) string { return formatDate(t, v.Lang) }
func (v view) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatDate(t, v.Lang) + " " + t.In(tilgang.Copenhagen()).Format("15:04")
}

// Switch is the link to the same page in the other language.
func (v view) Switch() langLink {
	other := "en"
	if v.Lang == "en" {
		other = "da"
	}
	q := url.Values{}
	for k, vs := range v.Query {
		q[k] = vs
	}
	q.Set(langParam, other)
	return langLink{Lang: other, Label: translate(other, "lang.self"), Href: v.Path + "?" + q.Encode()}
}

type langLink struct{ Lang, Label, Href string }

// render writes the page tmpl, rendering into a buffer first so that a
// template error becomes a clean 500.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, tmpl string, v view) {
	v.CSS = c.views.css
	if v.Path == "" {
		v.Path = r.URL.Path
		v.Query = r.URL.Query()
		v.Query.Del(langParam)
	}
	t, err := c.views.page(tmpl)
	if err != nil {
		c.log.ErrorContext(r.Context(), "console: no template", "template", tmpl, "error", err)
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		c.log.ErrorContext(r.Context(), "console: render page", "page", v.Name, "error", err)
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// Render writes a signed-in page: the layout with the navigation, in the
// request's language, and the page's template tmpl with page.
func (q *Request) Render(w http.ResponseWriter, status int, tmpl, name, title string, page any) {
	q.c.render(w, q.Request, status, tmpl, view{
		Lang: q.Lang, Name: name, Title: title, OrgName: q.Org.Name, Person: q.Person, Nav: q.nav(),
		CSRF: q.Session.CSRF, Wide: true, Page: page, Script: q.c.views.script,
	})
}

// T returns the text key in the request's language.
func (q *Request) T(key string, args ...any) string { return translate(q.Lang, key, args...) }

// message is a page that only tells.
type message struct {
	Paragraphs []string
	Link       *navLink
}

// renderMessage writes a page that tells what happened: name.title and
// name.body, name.body.1, ... in lang.
func (c *Console) renderMessage(w http.ResponseWriter, r *http.Request, status int, name, lang string, link *navLink) {
	var paras []string
	if textTables.Has(name + ".body") {
		paras = append(paras, translate(lang, name+".body"))
	}
	for i := 1; textTables.Has(fmt.Sprintf("%s.body.%d", name, i)); i++ {
		paras = append(paras, translate(lang, fmt.Sprintf("%s.body.%d", name, i)))
	}
	c.render(w, r, status, "message.html", view{Lang: lang, Name: name, Title: translate(lang, name+".title"),
		Page: message{Paragraphs: paras, Link: link}})
}

func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	c.renderMessage(w, r, http.StatusNotFound, "notfound", pickLang(r, ""), &navLink{Label: translate(pickLang(r, ""), "notfound.back"), Href: Prefix + "/"})
}

func (c *Console) forbidden(w http.ResponseWriter, r *http.Request) {
	c.renderMessage(w, r, http.StatusForbidden, "forbidden", pickLang(r, ""), &navLink{Label: translate(pickLang(r, ""), "notfound.back"), Href: Prefix + "/"})
}

func (c *Console) serverError(w http.ResponseWriter, r *http.Request, lang string, err error) {
	c.log.ErrorContext(r.Context(), "console: page failed", "route", r.Pattern, "error", err)
	c.renderMessage(w, r, http.StatusInternalServerError, "server", lang, nil)
}

// langParam is the query parameter of the switch and the form field that
// keeps the choice across a POST; langCookie keeps it across pages
// (package session has them: the passkey ceremonies answer in the same
// language).
const (
	langParam  = session.LangParam
	langCookie = session.LangCookie
)

// pickLang returns "da" or "en" (session.Lang).
func pickLang(r *http.Request, fallback string) string { return session.Lang(r, fallback) }

// keepLang remembers a language chosen with the switch.
func (c *Console) keepLang(w http.ResponseWriter, r *http.Request) {
	if v := r.URL.Query().Get(langParam); i18n.Supported(v) {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: v, Path: "/", MaxAge: 365 * 24 * 3600,
			Secure: c.sessions.Secure(), HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
}
