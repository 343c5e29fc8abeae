// Package webfn wires the web function (functions/web): the activation and
// invitation pages.
package webfn

import (
	"net/http"

	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/keys"
	"github.com/tilgang/tilgang/internal/web"
)

// Keys are the keys the pages use, out of all (config.Functions names the
// same).
func Keys(all keys.Set) keys.Set {
	return keys.Set{LookupKey: all.LookupKey, LinkKey: all.LinkKey}
}

// Handler serves the activation and invitation pages.
func Handler(a *core.App) http.Handler {
	k := Keys(a.Keys)
	p := a.MustParts(k)
	return a.ObserveHTTP(web.New(p.Users, p.Invitations, a.Log, web.Options{
		Key: k.LinkKey, PublicBaseURL: a.Config.PublicBaseURL,
		Limiter: a.Limiter("web", core.DefaultWebOrgPerMinute, core.DefaultWebSourcePerMinute),
	}))
}
