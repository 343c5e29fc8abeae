package scim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/scim/patch"
	"github.com/tilgang/tilgang/internal/scim/resource"
	"github.com/tilgang/tilgang/internal/scim/schema"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// contentType is the SCIM media type alone (RFC 7644 §3.1; SPEC §5): JSON
// is UTF-8 by definition (RFC 8259 §8.1), and strict clients compare the
// header to the media type.
const contentType = "application/scim+json"

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
	res := toResource(u, s.base)
	if sel.asks("groups") && h.groups != nil {
		refs, err := h.groups.OfUser(r.Context(), s.org, u.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		res["groups"] = groupRefs(refs, s.base)
	}
	w.Header().Set("ETag", httpx.VersionETag(u.Version).String())
	if status == http.StatusCreated {
		w.Header().Set("Location", s.base+"/Users/"+u.ID)
	}
	writeJSON(w, status, sel.apply(res))
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
	in, err := readUser(res)
	if err != nil {
		h.fail(w, r, h.conflictFirst(r, s, res, "", err))
		return
	}
	u, err := h.users.Create(r.Context(), s.actor(), s.org, in.user, in.cpr, in.active)
	if err != nil {
		h.fail(w, r, h.conflictFirst(r, s, res, "", err))
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
	return u, matches(w, r, u.Version, "user")
}

// matches answers 412 and reports false when If-Match names another version
// of the resource, "user" or "group" (RFC 7644 §3.14).
func matches(w http.ResponseWriter, r *http.Request, version int64, what string) bool {
	if tag := httpx.VersionETag(version); !httpx.IfMatch(r.Header, tag) {
		writeError(w, &Error{Status: http.StatusPreconditionFailed, Detail: "If-Match does not match the " + what + "'s version " + tag.String()})
		return false
	}
	return true
}

// notModified answers 304 and reports true when If-None-Match names the
// resource's version (RFC 7644 §3.14).
func notModified(w http.ResponseWriter, r *http.Request, version int64) bool {
	if tag := httpx.VersionETag(version); !httpx.IfNoneMatch(r.Header, tag) {
		w.Header().Set("ETag", tag.String())
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	return false
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, s *session) {
	u, ok := h.lookUp(w, r, s)
	if !ok {
		return
	}
	if notModified(w, r, u.Version) {
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
	in, err := readUser(res)
	if err != nil {
		h.fail(w, r, h.conflictFirst(r, s, res, old.ID, err))
		return
	}
	in.keepOmitted(old)
	u := in.user
	if err := h.users.Replace(r.Context(), s.actor(), s.org, old, u, in.cpr, in.active); err != nil {
		h.fail(w, r, h.conflictFirst(r, s, res, old.ID, err))
		return
	}
	h.queries.forget(s.org.ID)
	h.writeUser(w, r, s, http.StatusOK, u)
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, s *session) {
	u, err := h.users.Get(r.Context(), s.org, r.PathValue("id"))
	var damaged *tilgang.UnreadableUser
	if errors.As(err, &damaged) {
		// Erasure works whatever the stored record holds (SPEC §14).
		u, err = damaged.User, nil
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !matches(w, r, u.Version, "user") {
		return
	}
	if err := h.users.Delete(r.Context(), s.actor(), u); err != nil {
		h.fail(w, r, err)
		return
	}
	h.queries.forget(s.org.ID)
	w.WriteHeader(http.StatusNoContent)
}

// readUser checks res against the User schemas and maps it to the domain.
func readUser(res resource.Resource) (userInput, error) {
	if err := schema.Check(res, schema.User()); err != nil {
		return userInput{}, err
	}
	return fromResource(res)
}

// conflictFirst turns a refused write into 409 uniqueness when the
// userName or externalId of res belongs to a user other than self: an
// identity provider that meets a conflict looks the user up and links it,
// so the conflict must show whatever else the body lacks (SPEC §5).
func (h *Handler) conflictFirst(r *http.Request, s *session, res resource.Resource, self string, err error) error {
	return firstTaken(r.Context(), s.org, res, self, err,
		uniqueKey[*tilgang.User]{"userName", h.users.ByUserName, tilgang.ErrUserNameTaken},
		uniqueKey[*tilgang.User]{"externalId", h.users.ByExternalID, tilgang.ErrExternalIDTaken})
}

// uniqueKey is an attribute that at most one resource of an organisation
// holds, how to find that resource, and the conflict it means.
type uniqueKey[T interface{ GetID() string }] struct {
	attr  string
	find  func(context.Context, *tilgang.Organisation, string) (T, error)
	taken error
}

// firstTaken returns the conflict of the first key of res that a resource
// other than self holds, or err. Only an invalid body is looked at again,
// so the look-ups (key reads) cost nothing on the way to a success.
func firstTaken[T interface{ GetID() string }](ctx context.Context, org *tilgang.Organisation, res resource.Resource, self string, err error, keys ...uniqueKey[T]) error {
	if !invalid(err) {
		return err
	}
	for _, k := range keys {
		_, v, _ := resource.Find(res, k.attr)
		value, ok := v.(string)
		if !ok || strings.TrimSpace(value) == "" {
			continue
		}
		if found, lookErr := k.find(ctx, org, value); lookErr == nil && found.GetID() != self {
			return k.taken
		}
	}
	return err
}

// invalid reports whether err refuses the request's values (400), rather
// than a conflict, a state or a failure.
func invalid(err error) bool {
	var re *resource.Error
	if errors.As(err, &re) {
		return true
	}
	p := tilgang.Problems(err)
	return len(p) > 0 && p[0].Kind == tilgang.KindInvalid
}
