package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
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

// mayUseConsole reports whether u may be signed in: an administrator who
// is not deactivated, and not still waiting for approval.
func mayUseConsole(u *tilgang.User) bool {
	return u.IsAdmin() && len(u.Unreadable) == 0 &&
		u.Status != tilgang.StatusDeactivated && u.Status != tilgang.StatusAwaitingApproval
}

// route registers a signed-in page.
func (c *Console) route(pattern, role string, fn pageFunc) {
	c.mux.Handle(pattern, c.signedIn(role, false, fn))
}

// signedIn wraps fn: it reads the form, finds the session and the person,
// ends a session that is too old or whose person may no longer use the
// console, checks the CSRF field of a POST and the role.
// registering marks the passkey pages, which a person signed in with a
// link may use when the organisation requires passkeys.
func (c *Console) signedIn(role string, registering bool, fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !c.readForm(w, r) {
			return
		}
		c.keepLang(w, r)
		q, ok := c.session(w, r)
		if !ok {
			c.toSignIn(w, r)
			return
		}
		if c.opts.Limiter != nil {
			if err := c.opts.Limiter.Org(r.Context(), q.Org.ID); err != nil && c.tooMany(w, r, err) {
				return
			}
		}
		if q.Org.RequirePasskeys && !q.Session.Passkey && !registering {
			http.Redirect(w, r, Prefix+"/passkeys", http.StatusSeeOther)
			return
		}
		token := r.PostForm.Get(csrfField)
		if token == "" {
			token = r.Header.Get("X-CSRF-Token") // the passkey script's JSON requests
		}
		if r.Method == http.MethodPost && !hmac.Equal([]byte(token), []byte(q.Session.CSRF)) {
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

// csrfField is the form field of the CSRF value.
const csrfField = "csrf"

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

// session returns the request's session, with its person and
// organisation read now. A session past its idle or absolute limit, or
// whose person may no longer use the console, is deleted.
func (c *Console) session(w http.ResponseWriter, r *http.Request) (*Request, bool) {
	ck, err := r.Cookie(c.cookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 64 {
		return nil, false
	}
	hash := hashID(ck.Value)
	ctx := r.Context()
	s, err := c.Store.Session(ctx, hash)
	if err != nil {
		if !errors.Is(err, tilgang.ErrSessionNotFound) {
			c.log.ErrorContext(ctx, "console: read session", "error", err)
		}
		c.clearCookie(w)
		return nil, false
	}
	now := c.now()
	end := func(why string) (*Request, bool) {
		c.log.InfoContext(ctx, "console: session ended", "reason", why, "org", s.OrgID)
		if err := c.Store.DeleteSession(ctx, hash); err != nil {
			c.log.ErrorContext(ctx, "console: delete session", "error", err)
		}
		c.clearCookie(w)
		return nil, false
	}
	if now.Sub(s.LastSeen) > tilgang.SessionIdle {
		return end("idle")
	}
	if now.Sub(s.CreatedAt) > tilgang.SessionAbsolute {
		return end("absolute")
	}
	org, err := c.Tenants.Organisation(ctx, s.OrgID)
	if err != nil || org.Disabled() {
		return end("organisation")
	}
	person, err := c.Users.Get(ctx, org, s.UserID)
	if err != nil || !mayUseConsole(person) {
		return end("person")
	}
	// The idle limit counts from the last request; a write a minute is
	// enough to keep it within a minute of the truth.
	if now.Sub(s.LastSeen) > 0 && now.Sub(s.LastSeen) >= tilgang.SessionIdle/30 {
		s.LastSeen = now
		if err := c.Store.PutSession(ctx, s); err != nil {
			c.log.ErrorContext(ctx, "console: touch session", "error", err)
		}
	}
	return &Request{Request: r, c: c, Session: s, Person: person, Org: org, Lang: pickLang(r, org.Language)}, true
}

// startSession signs the person in: any session the browser had is
// deleted and a new one, with a new id, begins, so that an id planted
// before sign-in never becomes a signed-in one (no fixation).
func (c *Console) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, ref tilgang.SignInRef, passkey bool) error {
	if ck, err := r.Cookie(c.cookie); err == nil && ck.Value != "" && len(ck.Value) <= 64 {
		if err := c.Store.DeleteSession(ctx, hashID(ck.Value)); err != nil {
			return err
		}
	}
	id := rand.Text() + rand.Text()
	now := c.now()
	s := &tilgang.Session{Hash: hashID(id), OrgID: ref.OrgID, UserID: ref.UserID, CSRF: rand.Text(),
		CreatedAt: now, LastSeen: now, AuthAt: now, Passkey: passkey}
	if err := c.Store.PutSession(ctx, s); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: c.cookie, Value: id, Path: "/", HttpOnly: true, Secure: c.secure,
		SameSite: http.SameSiteLaxMode})
	return nil
}

func (c *Console) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: c.cookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: c.secure,
		SameSite: http.SameSiteLaxMode})
}

// hashID is how a session id or a link token is stored: a leaked table
// holds no id that signs anyone in.
func hashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
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
