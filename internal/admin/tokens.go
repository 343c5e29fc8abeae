package admin

import (
	"net/http"
	"time"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
)

type tokenInput struct {
	Name  string   `json:"name"`
	Kind  string   `json:"kind"`
	Roles []string `json:"roles"`
	// ExpiresAt, optional, is when the token stops working (RFC 3339).
	ExpiresAt *time.Time `json:"expiresAt"`
}

type tokenJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Roles     []string  `json:"roles"`
	CreatedAt time.Time `json:"createdAt"`
	// ExpiresAt is null for a token that never expires; LastUsedAt is null
	// until the token is used, and then exact to within an hour
	// (tilgang.TokenUseResolution).
	ExpiresAt  *time.Time `json:"expiresAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	// Token is the secret, in the answer to POST only.
	Token string `json:"token,omitempty"`
}

func tokenOf(t *tilgang.Token) tokenJSON {
	j := tokenJSON{ID: t.ID, Name: t.Name, Kind: string(t.Kind), Roles: nonNil(t.Roles), CreatedAt: t.CreatedAt}
	if !t.ExpiresAt.IsZero() {
		j.ExpiresAt = &t.ExpiresAt
	}
	if !t.LastUsedAt.IsZero() {
		j.LastUsedAt = &t.LastUsedAt
	}
	return j
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
	req := tenants.TokenRequest{Name: in.Name, Kind: tilgang.TokenKind(in.Kind), Roles: in.Roles}
	if in.ExpiresAt != nil {
		req.ExpiresAt = *in.ExpiresAt
	}
	minted, err := h.tenants.MintToken(r.Context(), s.token, s.org, req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := tokenOf(minted.Token)
	out.Token = minted.Secret
	writeJSON(w, http.StatusCreated, out)
}

func (h *Handler) listTokens(w http.ResponseWriter, r *http.Request, s *session) {
	tokens, err := h.tenants.Tokens(r.Context(), s.org)
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
	if err := h.tenants.RevokeToken(r.Context(), s.org, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
