package admin

import (
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/tilgang"
)

type tokenInput struct {
	Name  string   `json:"name"`
	Kind  string   `json:"kind"`
	Roles []string `json:"roles"`
}

type tokenJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Roles     []string  `json:"roles"`
	CreatedAt time.Time `json:"createdAt"`
	// Token is the secret, in the answer to POST only.
	Token string `json:"token,omitempty"`
}

func tokenOf(t *tilgang.Token) tokenJSON {
	return tokenJSON{ID: t.ID, Name: t.Name, Kind: string(t.Kind), Roles: nonNil(t.Roles), CreatedAt: t.CreatedAt}
}

func (h *Handler) createToken(w http.ResponseWriter, r *http.Request, s *session) {
	body, err := httpx.ReadBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var in tokenInput
	if err := httpx.Decode(body, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	var errs []*tilgang.Error
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		errs = append(errs, tilgang.Invalid("name", "field.required", "give the token a name"))
	case utf8.RuneCountInString(in.Name) > 100:
		errs = append(errs, tilgang.Invalid("name", "field.too_long", "at most 100 characters"))
	}
	kind := tilgang.TokenKind(in.Kind)
	switch kind {
	case tilgang.TokenSCIM:
		if len(in.Roles) > 0 {
			errs = append(errs, tilgang.Invalid("roles", "roles.not_allowed", "SCIM tokens carry no roles"))
		}
	case tilgang.TokenAdmin:
		if len(in.Roles) == 0 {
			errs = append(errs, tilgang.Invalid("roles", "roles.required", "an admin token needs at least one role"))
		}
		for i, role := range in.Roles {
			switch {
			case !slices.Contains(tilgang.AdminRoles, role):
				errs = append(errs, tilgang.Invalid("roles", "role.invalid", "unknown role "+role))
			case slices.Contains(in.Roles[:i], role):
				errs = append(errs, tilgang.Invalid("roles", "role.duplicate", "role "+role+" is listed twice"))
			}
		}
	default:
		errs = append(errs, tilgang.Invalid("kind", "kind.invalid", `kind must be "scim" or "admin"`))
	}
	if err := joinProblems(errs); err != nil {
		h.fail(w, r, err)
		return
	}
	// A token grants no role it lacks itself, or a company-admin could
	// make itself a rights-admin.
	for _, role := range in.Roles {
		if !s.token.HasRole(role) {
			h.fail(w, r, &tilgang.Error{Kind: tilgang.KindForbidden, Code: "token.role_missing", Field: "roles",
				Message: "a token can only grant roles that it holds itself; " + role + " is missing"})
			return
		}
	}
	plain, hash := secret.NewToken(kind.Prefix())
	id, _ := uuid.NewV7()
	t := &tilgang.Token{ID: id.String(), OrgID: s.org.ID, Name: in.Name, Kind: kind, Roles: in.Roles, Hash: hash}
	if err := h.store.CreateToken(r.Context(), t); err != nil {
		h.fail(w, r, err)
		return
	}
	out := tokenOf(t)
	out.Token = plain
	writeJSON(w, http.StatusCreated, out)
}

func (h *Handler) listTokens(w http.ResponseWriter, r *http.Request, s *session) {
	tokens, err := h.store.Tokens(r.Context(), s.org.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	items := make([]tokenJSON, 0, len(tokens))
	for _, t := range tokens {
		items = append(items, tokenOf(t))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (h *Handler) deleteToken(w http.ResponseWriter, r *http.Request, s *session) {
	// Token ids are UUIDs; anything else names no token, and an over-long
	// one would make DynamoDB refuse the key with a 5xx.
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, tilgang.ErrTokenNotFound)
		return
	}
	if err := h.store.DeleteToken(r.Context(), s.org.ID, id.String()); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
