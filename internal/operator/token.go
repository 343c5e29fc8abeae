package operator

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
)

func tokenGroup() Group {
	return Group{Name: "token", Summary: "create, list and revoke an organisation's SCIM and admin tokens", Verbs: []Verb{
		{Name: "create", Summary: "mint a token; its secret is shown once", Usage: "--org ID --kind scim|admin --name NAME [--role R,…] [--expires 90d]", Setup: tokenCreate},
		{Name: "list", Summary: "list an organisation's tokens (never their secrets)", Usage: "--org ID", Setup: tokenList},
		{Name: "revoke", Summary: "revoke a token at once (a warm SCIM function may accept it for 15 s more)", Usage: "--org ID --id TOKEN-ID", Setup: tokenRevoke},
	}}
}

// tokenView is a token as the command prints it; Secret only when minted.
type tokenView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Kind       string     `json:"kind"`
	Roles      []string   `json:"roles"`
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  *time.Time `json:"expiresAt,omitempty"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	Secret     string     `json:"token,omitempty"`
}

func viewToken(t *tilgang.Token) tokenView {
	v := tokenView{ID: t.ID, Name: t.Name, Kind: string(t.Kind), Roles: t.Roles, CreatedAt: t.CreatedAt}
	if v.Roles == nil {
		v.Roles = []string{}
	}
	if !t.ExpiresAt.IsZero() {
		at := t.ExpiresAt
		v.ExpiresAt = &at
	}
	if !t.LastUsedAt.IsZero() {
		at := t.LastUsedAt
		v.LastUsedAt = &at
	}
	return v
}

func tokenCreate(fs *flag.FlagSet) func(context.Context, *Call) error {
	id := fs.String("org", "", "organisation id")
	kind := fs.String("kind", "", `"scim" (for an identity provider) or "admin" (the admin API)`)
	name := fs.String("name", "", "what the token is for; history names it as the actor")
	var roles listFlag
	fs.Var(&roles, "role", "admin token roles: "+strings.Join(tilgang.AdminRoles, ", ")+" (comma-separated or repeated)")
	expires := fs.String("expires", "never", `when it stops working: 90d, 36h, 2027-06-30, 2027-06-30T12:00:00Z, or "never"`)
	return func(ctx context.Context, c *Call) error {
		if err := required("org", *id, "kind", *kind, "name", *name); err != nil {
			return err
		}
		expiry, err := parseExpiry(*expires, c.Now())
		if err != nil {
			return Usagef("--expires: %v", err)
		}
		a, org, err := c.organisation(ctx, *id)
		if err != nil {
			return err
		}
		minted, err := a.Tenants.IssueToken(ctx, org, tenants.TokenRequest{
			Name: *name, Kind: tilgang.TokenKind(*kind), Roles: roles.values, ExpiresAt: expiry,
		})
		if err != nil {
			return err
		}
		v := viewToken(minted.Token)
		v.Secret = minted.Secret
		return c.output(v, func(w io.Writer) {
			fmt.Fprintf(w, "%s token %q (%s) of %s, expires %s; the token, shown once:\n%s\n",
				v.Kind, v.Name, v.ID, org.Name, formatTime(minted.Token.ExpiresAt), v.Secret)
		})
	}
}

func tokenList(fs *flag.FlagSet) func(context.Context, *Call) error {
	id := fs.String("org", "", "organisation id")
	return func(ctx context.Context, c *Call) error {
		a, org, err := c.organisation(ctx, *id)
		if err != nil {
			return err
		}
		tokens, err := a.Tenants.Tokens(ctx, org)
		if err != nil {
			return err
		}
		views := make([]tokenView, len(tokens))
		for i, t := range tokens {
			views[i] = viewToken(t)
		}
		return c.output(views, func(w io.Writer) {
			fmt.Fprintf(w, "%-36s  %-5s  %-20s  %-20s  %-20s  %s\n", "ID", "KIND", "EXPIRES", "LAST USED", "ROLES", "NAME")
			for i, v := range views {
				fmt.Fprintf(w, "%-36s  %-5s  %-20s  %-20s  %-20s  %s\n", v.ID, v.Kind,
					formatTime(tokens[i].ExpiresAt), formatTime(tokens[i].LastUsedAt), strings.Join(v.Roles, ","), v.Name)
			}
		})
	}
}

func tokenRevoke(fs *flag.FlagSet) func(context.Context, *Call) error {
	org := fs.String("org", "", "organisation id")
	id := fs.String("id", "", "the token's id (tilgang token list), not its secret")
	return func(ctx context.Context, c *Call) error {
		if err := required("org", *org, "id", *id); err != nil {
			return err
		}
		a, o, err := c.organisation(ctx, *org)
		if err != nil {
			return err
		}
		if err := a.Tenants.RevokeToken(ctx, o, strings.TrimSpace(*id)); err != nil {
			return fmt.Errorf("token %s: %w", *id, err)
		}
		return c.output(map[string]string{"orgId": o.ID, "revoked": *id}, func(w io.Writer) {
			fmt.Fprintf(w, "revoked token %s of %s\n", *id, o.Name)
		})
	}
}
