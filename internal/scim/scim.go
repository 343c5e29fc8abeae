// Package scim is tilgang's SCIM 2.0 service provider (RFC 7643, RFC 7644)
// for the User resource. It is storage-agnostic: it needs a Users
// implementation and a way to authenticate tokens, and knows no AWS type.
package scim

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Prefix is where the service provider is mounted.
const Prefix = tilgang.SCIMPrefix

// Users is what the SCIM layer needs of user storage. active is the SCIM
// "active" attribute when the client sent one.
type Users interface {
	Create(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, u *tilgang.User, cpr string, active *bool) (*tilgang.User, error)
	Get(ctx context.Context, org *tilgang.Organisation, id string) (*tilgang.User, error)
	ByUserName(ctx context.Context, org *tilgang.Organisation, userName string) (*tilgang.User, error)
	ByExternalID(ctx context.Context, org *tilgang.Organisation, externalID string) (*tilgang.User, error)
	Replace(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, old, u *tilgang.User, cpr string, active *bool) error
	Delete(ctx context.Context, actor tilgang.Actor, u *tilgang.User) error
	// Page returns up to limit users in userName order after cursor ("" for
	// the first page) and the cursor of the next page ("" after the last);
	// with statuses (not nil), only users holding one of them.
	Page(ctx context.Context, org *tilgang.Organisation, statuses []tilgang.Status, cursor string, limit int) ([]*tilgang.User, string, error)
	// CursorAfter returns the Page cursor that continues right after u,
	// with or without statuses.
	CursorAfter(u *tilgang.User) string
	// Count counts the organisation's users, or with statuses (not nil)
	// those holding one of them.
	Count(ctx context.Context, org *tilgang.Organisation, statuses []tilgang.Status) (int, error)
}

// Authenticate resolves a bearer token to its token and organisation, or
// returns tilgang.ErrUnauthenticated.
type Authenticate func(ctx context.Context, token string) (*tilgang.Token, *tilgang.Organisation, error)

// Limits the service provider states in its ServiceProviderConfig.
const (
	DefaultCount   = 100
	MaxResults     = 1000
	MaxPayloadSize = httpx.MaxBodyBytes
)

// Options configure the SCIM handler.
type Options struct {
	// PublicBaseURL is where the API is served (PUBLIC_BASE_URL), e.g.
	// "https://tilgang.example.dk": resource locations are built from it,
	// never from the request's Host header, which a client chooses.
	PublicBaseURL string
	// Groups serves /Groups; without it the handler serves users only,
	// and discovery says so.
	Groups Groups
	// Limiter limits requests per source and per organisation (SPEC §14);
	// nil: no limit.
	Limiter Limiter
	// MaxFilterUsers bounds the users one request may read for a filter
	// other than a key look-up, or a sort (0: DefaultMaxFilterUsers).
	MaxFilterUsers int
	// MaxFilterGroups bounds the groups one request may read for a
	// filter other than a key look-up, or a sort (0:
	// DefaultMaxFilterGroups).
	MaxFilterGroups int
}

// Limiter limits requests; *ratelimit.Limiter is one. Both methods return
// *tilgang.LimitExceeded beyond the limit.
type Limiter interface {
	Source(r *http.Request) error
	Org(ctx context.Context, orgID string) error
}

// Handler serves SCIM. Build it with New.
type Handler struct {
	users        Users
	authenticate Authenticate
	log          *slog.Logger
	queries      *queryCache
	base         string // absolute URL of Prefix
	groups       Groups // nil: no /Groups
	limiter      Limiter
	maxRead      int // users a filter or sort may read
	maxGroups    int // groups a filter or sort may read
}

// New returns the SCIM handler.
func New(users Users, authenticate Authenticate, log *slog.Logger, opts Options) http.Handler {
	h := &Handler{users: users, authenticate: authenticate, log: log, queries: newQueryCache(),
		base: strings.TrimRight(opts.PublicBaseURL, "/") + Prefix, groups: opts.Groups, limiter: opts.Limiter, maxRead: opts.MaxFilterUsers,
		maxGroups: opts.MaxFilterGroups}
	if h.maxRead <= 0 {
		h.maxRead = DefaultMaxFilterUsers
	}
	if h.maxGroups <= 0 {
		h.maxGroups = DefaultMaxFilterGroups
	}
	mux := http.NewServeMux()
	route := func(pattern string, fn func(http.ResponseWriter, *http.Request, *session)) {
		mux.Handle(pattern, h.authenticated(fn))
	}
	route("GET "+Prefix+"/ServiceProviderConfig", h.serviceProviderConfig)
	// Microsoft's SCIM validator and reference code ask for this name.
	route("GET "+Prefix+"/serviceConfiguration", h.serviceProviderConfig)
	route("GET "+Prefix+"/Schemas", h.schemas)
	route("GET "+Prefix+"/Schemas/{id}", h.schema)
	route("GET "+Prefix+"/ResourceTypes", h.resourceTypes)
	route("GET "+Prefix+"/ResourceTypes/{id}", h.resourceType)
	route("GET "+Prefix+"/Users", h.listUsers)
	route("POST "+Prefix+"/Users/.search", h.searchUsers)
	route("POST "+Prefix+"/Users", h.createUser)
	route("GET "+Prefix+"/Users/{id}", h.getUser)
	route("PUT "+Prefix+"/Users/{id}", h.replaceUser)
	route("PATCH "+Prefix+"/Users/{id}", h.patchUser)
	route("DELETE "+Prefix+"/Users/{id}", h.deleteUser)
	if h.groups != nil {
		route("GET "+Prefix+"/Groups", func(w http.ResponseWriter, r *http.Request, s *session) {
			if q, err := queryFromURL(r); err != nil {
				h.fail(w, r, err)
			} else {
				h.listGroups(w, r, s, q)
			}
		})
		route("POST "+Prefix+"/Groups/.search", func(w http.ResponseWriter, r *http.Request, s *session) {
			if q, err := queryFromBody(w, r); err != nil {
				h.fail(w, r, err)
			} else {
				h.listGroups(w, r, s, q)
			}
		})
		route("POST "+Prefix+"/Groups", h.createGroup)
		route("GET "+Prefix+"/Groups/{id}", h.getGroup)
		route("PUT "+Prefix+"/Groups/{id}", h.replaceGroup)
		route("PATCH "+Prefix+"/Groups/{id}", h.patchGroup)
		route("DELETE "+Prefix+"/Groups/{id}", h.deleteGroup)
	}
	mux.Handle(Prefix+"/", h.authenticated(func(w http.ResponseWriter, r *http.Request, _ *session) {
		writeError(w, &Error{Status: http.StatusNotFound, Detail: "no such endpoint: " + r.Method + " " + r.URL.Path})
	}))
	return httpx.Log(log, mux)
}

// session is the authenticated client of one request.
type session struct {
	token *tilgang.Token
	org   *tilgang.Organisation
	base  string // absolute URL of Prefix, for locations
}

func (s *session) actor() tilgang.Actor {
	return tilgang.SCIMActor(s.token)
}

func (h *Handler) authenticated(fn func(http.ResponseWriter, *http.Request, *session)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The source first, so that guessing tokens is limited too; the
		// organisation once the token names it.
		if h.limiter != nil {
			if err := h.limiter.Source(r); err != nil {
				h.fail(w, r, err)
				return
			}
		}
		t, org, err := h.authenticate(r.Context(), httpx.BearerToken(r))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if h.limiter != nil {
			if err := h.limiter.Org(r.Context(), org.ID); err != nil {
				h.fail(w, r, err)
				return
			}
		}
		fn(w, r, &session{token: t, org: org, base: h.base})
	})
}
