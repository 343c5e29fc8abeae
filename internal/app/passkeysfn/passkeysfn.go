// Package passkeysfn wires the passkeys function (functions/passkeys):
// the console's passkey ceremonies, which API Gateway routes here by
// their four paths while the rest of /console goes to the console.
package passkeysfn

import (
	"net/http"

	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/keys"
	"github.com/tilgang/tilgang/internal/passkeys"
	"github.com/tilgang/tilgang/internal/tenants"
)

// Keys are the keys the ceremonies use, out of all (config.Functions
// names the same): the link key, from which the console's pre-session
// CSRF key and ceremony cookie key derive. They read users and open no
// CPR number, so they need no CPR key.
func Keys(all keys.Set) keys.Set { return keys.Set{LinkKey: all.LinkKey} }

// Handler serves the passkey ceremonies under /console/passkeys/.
func Handler(a *core.App) http.Handler {
	k := Keys(a.Keys)
	p := a.MustParts(k)
	return a.ObserveHTTP(passkeys.New(passkeys.Deps{Users: p.Users, Tenants: tenants.New(a.Store), Store: a.Store}, a.Log,
		passkeys.Options{
			Key: k.LinkKey, BaseURL: a.ConsoleBaseURL(),
			// The console's door: the pages and the ceremonies share
			// their limits.
			Limiter: a.Limiter("console", core.DefaultWebOrgPerMinute, core.DefaultWebSourcePerMinute),
		}))
}
