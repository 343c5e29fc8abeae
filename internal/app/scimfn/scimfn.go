// Package scimfn wires the SCIM function (functions/scim).
package scimfn

import (
	"context"
	"net/http"
	"time"

	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/keys"
	"github.com/tilgang/tilgang/internal/logging"
	"github.com/tilgang/tilgang/internal/scim"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TokenTTL is how long a SCIM function instance trusts a token it has
// checked (see tenants.Authenticator): a revoked SCIM token stops working
// within this time.
const TokenTTL = 15 * time.Second

// Keys are the keys SCIM uses, out of all (config.Functions names the
// same).
func Keys(all keys.Set) keys.Set {
	return keys.Set{LookupKey: all.LookupKey, SealKey: all.SealKey}
}

// Handler serves SCIM 2.0.
func Handler(a *core.App) http.Handler {
	p := a.MustParts(Keys(a.Keys))
	auth := tenants.NewAuthenticator(tenants.New(a.Store), tilgang.TokenSCIM, TokenTTL)
	return a.ObserveHTTP(scim.New(p.Users.SCIM(), logOrg(auth.Authenticate), a.Log, scim.Options{
		PublicBaseURL: a.Config.PublicBaseURL, Groups: p.Groups,
		Limiter:         a.Limiter("scim", core.DefaultSCIMOrgPerMinute, core.DefaultSCIMSourcePerMinute),
		MaxFilterUsers:  int(a.Config.Limits.SCIMFilterMaxUsers),
		MaxFilterGroups: int(a.Config.Limits.SCIMFilterMaxGroups),
	}))
}

// logOrg puts the organisation of an authenticated SCIM token on the
// request's later log lines.
func logOrg(auth scim.Authenticate) scim.Authenticate {
	return func(ctx context.Context, token string) (*tilgang.Token, *tilgang.Organisation, error) {
		t, org, err := auth(ctx, token)
		if err == nil && org != nil {
			logging.SetOrg(ctx, org.ID)
		}
		return t, org, err
	}
}
