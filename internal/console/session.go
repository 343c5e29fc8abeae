package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Request is one request of a signed-in person: the session, the person
// as stored now, the organisation and the language.
type Request struct {
	*http.Request
	c       *Console
	Session *tilgang.Session
	Person  *tilgang.User
	Org     *tilgang.Organisation
	Lang    string
}

// pageFunc serves one signed-in request.
type pageFunc func(w http.ResponseWriter, q *Request)

// routeFunc registers pattern (a method and a path under Prefix) for
// people who hold role ("" for any admin role).
type routeFunc func(pattern, role string, fn pageFunc)

// Roles returns the names of the admin roles the person holds: what the
// person may do and grant (users.MayChange, SPEC §14).
func (q *Request) Roles() []string { return rolesOf(q.Person) }

// Has reports whether the person holds role.
func (q *Request) Has(role string) bool { return slices.Contains(q.Roles(), role) }

// Actor is the person as history names them (issue 16, point 5).
func (q *Request) Actor() tilgang.Actor {
	name := q.Person.FirstName + " " + q.Person.LastName
	if q.Person.FirstName == "" && q.Person.LastName == "" {
		name = q.Person.UserName
	}
	return tilgang.Actor{Name: name, Email: q.Person.Email, Source: "console", Roles: q.Roles(),
		By: tilgang.By{Kind: tilgang.ActorPerson, ID: q.Person.ID, Name: name, Email: q.Person.Email}}
}

// Fresh reports whether the person proved who they are within
// tilgang.ReauthWindow: creating tokens, granting admin roles and
// deleting users ask for it.
func (q *Request) Fresh() bool {
	return q.c.now().Sub(q.Session.AuthAt) <= tilgang.ReauthWindow
}

func rolesOf(u *tilgang.User) []string {
	var out []string
	for _, r := range u.Roles {
		if r.IsAdmin() && !slices.Contains(out, r.Role) {
			out = append(out, r.Role)
		}
	}
	return out
}

// route registers a signed-in page.
func (c *Console) route(pattern, role string, fn pageFunc) {
	c.mux.Handle(pattern, c.signedIn(role, false, fn))
}

// signedIn wraps fn: it reads the form, finds the session and the person
// (package session ends a session that is too old or whose person may no
// longer use the console), checks the CSRF field of a POST and the role.
// registering marks the passkey pages, which a person signed in with a
// link may use when the organisation requires passkeys.
func (c *Console) signedIn(role string, registering bool, fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !c.readForm(w, r) {
			return
		}
		c.keepLang(w, r)
		signed, ok := c.sessions.Find(w, r)
		if !ok {
			c.toSignIn(w, r)
			return
		}
		q := &Request{Request: r, c: c, Session: signed.Session, Person: signed.Person, Org: signed.Org, Lang: pickLang(r, signed.Org.Language)}
		if c.opts.Limiter != nil {
			if err := c.opts.Limiter.Org(r.Context(), q.Org.ID); err != nil && c.tooMany(w, r, err) {
				return
			}
		}
		if signed.NeedsPasskey(registering) {
			http.Redirect(w, r, Prefix+"/passkeys", http.StatusSeeOther)
			return
		}
		if !signed.CSRFValid(r) {
			c.forbidden(w, r)
			return
		}
		if role != "" && !q.Has(role) {
			c.render(w, r, http.StatusForbidden, "message.html", view{Lang: q.Lang, Name: "denied", Title: q.T("denied.title"),
				OrgName: q.Org.Name, Person: q.Person, Nav: q.nav(), CSRF: q.Session.CSRF, Wide: true,
				Page: message{Paragraphs: []string{q.T("denied.body")}}})
			return
		}
		fn(w, q)
	})
}

// readForm reads a form body of at most MaxFormBytes; it answers 413 or
// 400 itself and reports false when it could not.
func (c *Console) readForm(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost {
		return true
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		status := http.StatusBadRequest
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			status = http.StatusRequestEntityTooLarge
		}
		http.Error(w, http.StatusText(status), status)
		return false
	}
	return true
}

// toSignIn sends a request without a session to the sign-in page, which
// comes back to the page asked for.
func (c *Console) toSignIn(w http.ResponseWriter, r *http.Request) {
	target := Prefix + "/signin"
	if r.Method == http.MethodGet && r.URL.Path != Prefix+"/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// nav is the navigation of the signed-in pages: only what the person may
// open.
func (q *Request) nav() []navLink {
	links := []struct {
		key, path, role string
	}{
		{"nav.users", Prefix + "/", tilgang.RoleUserAdmin},
		{"nav.imports", Prefix + "/imports", tilgang.RoleUserAdmin},
		{"nav.invitations", Prefix + "/invitations", tilgang.RoleCompanyAdmin},
		{"nav.groups", Prefix + "/groups", tilgang.RoleUserAdmin},
		{"nav.history", Prefix + "/history", tilgang.RoleUserAdmin},
		{"nav.tokens", Prefix + "/tokens", tilgang.RoleCompanyAdmin},
		{"nav.settings", Prefix + "/settings", tilgang.RoleCompanyAdmin},
		{"nav.passkeys", Prefix + "/passkeys", ""},
	}
	var out []navLink
	for _, l := range links {
		if l.role != "" && !q.Has(l.role) {
			continue
		}
		cur := q.URL.Path == l.path || (l.path != Prefix+"/" && len(q.URL.Path) > len(l.path) && q.URL.Path[:len(l.path)+1] == l.path+"/")
		if l.path == Prefix+"/" && len(q.URL.Path) > len(Prefix+"/users") && q.URL.Path[:len(Prefix+"/users")] == Prefix+"/users" {
			cur = true
		}
		out = append(out, navLink{Label: q.T(l.key), Href: l.path, Current: cur})
	}
	return out
}
