package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// The tokens page (company-admins only, as in the admin API): the
// organisation's tokens, a new one shown once with the SCIM base URL and
// the steps in Entra ID and Okta, and revocation.

func (c *Console) tokenRoutes(route routeFunc) {
	route("GET "+Prefix+"/tokens", tilgang.RoleCompanyAdmin, c.listTokens)
	route("POST "+Prefix+"/tokens", tilgang.RoleCompanyAdmin, c.createToken)
	route("POST "+Prefix+"/tokens/{id}/revoke", tilgang.RoleCompanyAdmin, c.revokeToken)
}

type tokensPage struct {
	Tokens  []tokenRow
	Name    string
	Kind    string
	Roles   []roleOption
	Problem string
	Secret  string // the new token, shown once
	NewKind string
	SCIMURL string
	Notice  string
}

type tokenRow struct {
	ID, Name, Kind, Roles, Created, LastUsed, Expires string
}

func (c *Console) tokensPage(q *Request, p tokensPage) (tokensPage, error) {
	ts, err := c.Tenants.Tokens(q.Context(), q.Org)
	if err != nil {
		return p, err
	}
	v := view{Lang: q.Lang}
	for _, t := range ts {
		var roles []string
		for _, r := range t.Roles {
			roles = append(roles, q.T("role."+r))
		}
		p.Tokens = append(p.Tokens, tokenRow{ID: t.ID, Name: t.Name, Kind: q.T("token.kind." + string(t.Kind)),
			Roles: strings.Join(roles, ", "), Created: v.Date(t.CreatedAt), LastUsed: v.Date(t.LastUsedAt), Expires: v.Date(t.ExpiresAt)})
	}
	if p.Kind == "" {
		p.Kind = string(tilgang.TokenSCIM)
	}
	if p.Roles == nil {
		for _, r := range tilgang.AdminRoles {
			p.Roles = append(p.Roles, roleOption{Value: r, Label: q.T("role." + r), Disabled: !q.Has(r)})
		}
	}
	p.SCIMURL = c.opts.SCIMBaseURL
	return p, nil
}

func (c *Console) listTokens(w http.ResponseWriter, q *Request) {
	p := tokensPage{}
	if q.URL.Query().Get("done") == "revoked" {
		p.Notice = q.T("token.revoked")
	}
	p, err := c.tokensPage(q, p)
	if err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	q.Render(w, http.StatusOK, "tokens.html", "tokens", q.T("tokens.title"), p)
}

func (c *Console) createToken(w http.ResponseWriter, q *Request) {
	if q.NeedFresh(w, Prefix+"/tokens") {
		return
	}
	req := tenants.TokenRequest{Name: q.PostForm.Get("name"), Kind: tilgang.TokenKind(q.PostForm.Get("kind"))}
	if req.Kind == tilgang.TokenAdmin {
		req.Roles = q.PostForm["roles"]
	}
	// The person's roles stand for the granting token: a token grants no
	// role its maker lacks.
	by := &tilgang.Token{Roles: q.Roles()}
	minted, err := c.Tenants.MintToken(q.Context(), by, q.Org, req)
	p := tokensPage{Name: req.Name, Kind: string(req.Kind)}
	status := http.StatusOK
	if err != nil {
		var errs []*tilgang.Error
		collect(err, &errs)
		if len(errs) == 0 {
			c.serverError(w, q.Request, q.Lang, err)
			return
		}
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, problemText(q.Lang, e))
		}
		p.Problem = strings.Join(msgs, ". ")
		status = http.StatusUnprocessableEntity
	} else {
		p = tokensPage{Secret: minted.Secret, NewKind: string(minted.Token.Kind)}
	}
	p, err = c.tokensPage(q, p)
	if err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	q.Render(w, status, "tokens.html", "tokens", q.T("tokens.title"), p)
}

func (c *Console) revokeToken(w http.ResponseWriter, q *Request) {
	err := c.Tenants.RevokeToken(q.Context(), q.Org, q.PathValue("id"))
	if errors.Is(err, tilgang.ErrTokenNotFound) {
		c.notFound(w, q.Request)
		return
	}
	if err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	http.Redirect(w, q.Request, Prefix+"/tokens?done=revoked", http.StatusSeeOther)
}
