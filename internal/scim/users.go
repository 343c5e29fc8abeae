package scim

import (
	"encoding/json"
	"net/http"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/scim/patch"
	"github.com/tilgang/tilgang/internal/scim/resource"
	"github.com/tilgang/tilgang/internal/scim/schema"
	"github.com/tilgang/tilgang/internal/tilgang"
)

const contentType = "application/scim+json; charset=utf-8"

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeUser answers with u, projected by the request's attributes and
// excludedAttributes (RFC 7644 §3.9 applies to write responses too).
func (h *Handler) writeUser(w http.ResponseWriter, r *http.Request, s *session, status int, u *tilgang.User) {
	sel, err := selectionFromQuery(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", httpx.VersionETag(u.Version).String())
	if status == http.StatusCreated {
		w.Header().Set("Location", s.base+"/Users/"+u.ID)
	}
	writeJSON(w, status, sel.apply(toResource(u, s.base)))
}

func (h *Handler) readResource(w http.ResponseWriter, r *http.Request) (resource.Resource, error) {
	body, err := httpx.ReadBody(w, r)
	if err != nil {
		return nil, err
	}
	return decodeResource(body)
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, s *session) {
	res, err := h.readResource(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := schema.Check(res, schema.User()); err != nil {
		h.fail(w, r, err)
		return
	}
	in, err := fromResource(res)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.users.Create(r.Context(), s.actor(), s.org, in.user, in.cpr, in.active)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.queries.forget(s.org.ID)
	h.writeUser(w, r, s, http.StatusCreated, u)
}

// lookUp reads the user of the path, answering 404 for an id of another
// organisation or none, and checks If-Match.
func (h *Handler) lookUp(w http.ResponseWriter, r *http.Request, s *session) (*tilgang.User, bool) {
	u, err := h.users.Get(r.Context(), s.org, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	if tag := httpx.VersionETag(u.Version); !httpx.IfMatch(r.Header, tag) {
		writeError(w, &Error{Status: http.StatusPreconditionFailed, Detail: "If-Match does not match the user's version " + tag.String()})
		return nil, false
	}
	return u, true
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, s *session) {
	u, ok := h.lookUp(w, r, s)
	if !ok {
		return
	}
	if tag := httpx.VersionETag(u.Version); !httpx.IfNoneMatch(r.Header, tag) {
		w.Header().Set("ETag", tag.String())
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.writeUser(w, r, s, http.StatusOK, u)
}

// replaceUser is PUT: the body is the whole new state. id may be repeated
// in the body but not changed (RFC 7644 §3.5.1).
func (h *Handler) replaceUser(w http.ResponseWriter, r *http.Request, s *session) {
	old, ok := h.lookUp(w, r, s)
	if !ok {
		return
	}
	res, err := h.readResource(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, id, found := resource.Find(res, "id"); found && id != old.ID {
		h.fail(w, r, resource.Mutability("id cannot be changed"))
		return
	}
	h.store(w, r, s, old, res)
}

func (h *Handler) patchUser(w http.ResponseWriter, r *http.Request, s *session) {
	old, ok := h.lookUp(w, r, s)
	if !ok {
		return
	}
	body, err := httpx.ReadBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ops, err := patch.Decode(body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := patch.Apply(toResource(old, s.base), ops, patchOptions)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.store(w, r, s, old, res)
}

// patchOptions tell PATCH which attributes are multi-valued or read-only,
// from the schemas the service provider publishes.
var patchOptions = patch.Options{
	MultiValued: func(uri, attr string) bool {
		a, ok := schema.Find(uri, attr)
		return ok && a.MultiValued
	},
	ReadOnly: func(uri, path string) bool {
		a, ok := schema.Find(uri, path)
		return ok && a.Mutability == "readOnly"
	},
}

// store maps res to the domain and replaces old with it.
func (h *Handler) store(w http.ResponseWriter, r *http.Request, s *session, old *tilgang.User, res resource.Resource) {
	// res is a PUT body or what a PATCH made of the user: either way its
	// values must fit the schemas before they are mapped.
	if err := schema.Check(res, schema.User()); err != nil {
		h.fail(w, r, err)
		return
	}
	in, err := fromResource(res)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in.keepOmitted(old)
	u := in.user
	if err := h.users.Replace(r.Context(), s.actor(), s.org, old, u, in.cpr, in.active); err != nil {
		h.fail(w, r, err)
		return
	}
	h.queries.forget(s.org.ID)
	h.writeUser(w, r, s, http.StatusOK, u)
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, s *session) {
	u, ok := h.lookUp(w, r, s)
	if !ok {
		return
	}
	if err := h.users.Delete(r.Context(), s.actor(), u); err != nil {
		h.fail(w, r, err)
		return
	}
	h.queries.forget(s.org.ID)
	w.WriteHeader(http.StatusNoContent)
}
