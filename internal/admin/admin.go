// Package admin serves the admin JSON API (SPEC §9–10) at /admin/v1.
//
// Every request carries an organisation's admin token; every answer is JSON,
// every error application/problem+json (RFC 9457) with a stable code.
package admin

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/tilgang/tilgang/internal/groups"
	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/logging"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// Prefix is where the API is mounted.
const Prefix = "/admin/v1"

// Handler serves the admin API. Build it with New.
//
// Every rule is the domain services': a handler decodes the request, calls
// one service and encodes the answer, and fail maps the service's errors
// to problems in one place.
type Handler struct {
	users       *users.Service
	tenants     *tenants.Service
	invitations *invitations.Service
	imports     *imports.Service
	groups      *groups.Service
	log         *slog.Logger
	mux         *http.ServeMux
	limiter     Limiter    // nil: no rate limit
	budget      MailBudget // nil: no mail budget
	mailStates  MailStates // nil: no mail states shown
}

// New returns the admin API over the services of users, organisations and
// their tokens, invitations, imports and groups, logging to log.
func New(users *users.Service, tenants *tenants.Service, invitations *invitations.Service, imports *imports.Service, groups *groups.Service, log *slog.Logger, opts ...Option) http.Handler {
	h := &Handler{users: users, tenants: tenants, invitations: invitations, imports: imports, groups: groups, log: log, mux: http.NewServeMux()}
	for _, o := range opts {
		o(h)
	}
	route := func(pattern, role string, fn handlerFunc) {
		h.mux.Handle(pattern, h.authenticated(role, fn))
	}
	route("GET "+Prefix+"/organisation", "", h.getOrganisation)
	route("PATCH "+Prefix+"/organisation", tilgang.RoleCompanyAdmin, h.patchOrganisation)
	route("GET "+Prefix+"/organisation/stats", "", h.getStats)
	route("POST "+Prefix+"/users", tilgang.RoleUserAdmin, h.createUser)
	route("GET "+Prefix+"/users", tilgang.RoleUserAdmin, h.listUsers)
	route("GET "+Prefix+"/users/{id}", tilgang.RoleUserAdmin, h.getUser)
	route("PATCH "+Prefix+"/users/{id}", tilgang.RoleUserAdmin, h.patchUser)
	route("DELETE "+Prefix+"/users/{id}", tilgang.RoleUserAdmin, h.deleteUser)
	route("POST "+Prefix+"/tokens", tilgang.RoleCompanyAdmin, h.createToken)
	route("GET "+Prefix+"/tokens", tilgang.RoleCompanyAdmin, h.listTokens)
	route("DELETE "+Prefix+"/tokens/{id}", tilgang.RoleCompanyAdmin, h.deleteToken)
	// Route groups of later capabilities, each in its own file.
	h.lifecycleRoutes(route)
	h.importRoutes(route)
	h.invitationRoutes(route)
	h.groupRoutes(route)
	h.mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, &problem{Status: http.StatusNotFound, Code: "route.not_found", Title: "No such endpoint"})
	})
	return httpx.Log(log, h.limitSources(h.mux))
}

// handlerFunc serves one authenticated request.
type handlerFunc func(http.ResponseWriter, *http.Request, *session)

// routeFunc registers pattern for callers whose token has role ("" for any).
type routeFunc func(pattern, role string, fn handlerFunc)

// session is the authenticated caller of one request.
type session struct {
	token *tilgang.Token
	org   *tilgang.Organisation
}

func (s *session) actor() tilgang.Actor {
	return tilgang.TokenActor(s.token)
}

// authenticated resolves the bearer token to its organisation and checks
// that it carries role ("" for any admin token).
func (h *Handler) authenticated(role string, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, p := h.authenticate(r.Context(), httpx.BearerToken(r))
		if p != nil {
			// Only a 401 asks for credentials; a failed look-up is no
			// reason for a client to drop its token.
			if p.Status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="tilgang admin"`)
			}
			writeProblem(w, r, p)
			return
		}
		if err := h.limitOrg(r.Context(), s); err != nil {
			h.fail(w, r, err)
			return
		}
		if role != "" && !s.token.HasRole(role) {
			writeProblem(w, r, &problem{Status: http.StatusForbidden, Code: "token.role_missing", Title: "The token lacks a role",
				Detail: "this call needs the " + role + " role"})
			return
		}
		fn(w, r, s)
	})
}

func (h *Handler) authenticate(ctx context.Context, token string) (*session, *problem) {
	// Never remembered: a revoked admin token stops at once.
	t, org, err := h.tenants.Authenticate(ctx, tilgang.TokenAdmin, token)
	switch {
	case errors.Is(err, tilgang.ErrUnauthenticated):
		return nil, &problem{Status: http.StatusUnauthorized, Code: "token.invalid", Title: "Missing or invalid admin token"}
	case err != nil:
		h.log.ErrorContext(ctx, "authentication failed", "error", err)
		return nil, internalProblem()
	}
	logging.SetOrg(ctx, org.ID)
	return &session{token: t, org: org}, nil
}
