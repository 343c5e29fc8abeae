package app

import (
	"net/http"
	"strings"

	"github.com/tilgang/tilgang/internal/console"
	"github.com/tilgang/tilgang/internal/keys"
	"github.com/tilgang/tilgang/internal/scim"
)

// The administrators' console's wiring, in a file of its own.

func (a *App) consoleKeys() keys.Set {
	return keys.Set{LookupKey: a.Keys.LookupKey, LinkKey: a.Keys.LinkKey, SealKey: a.Keys.SealKey}
}

// ConsoleBaseURL is the console's address under the public base URL. A
// loopback address (make dev) becomes localhost: a passkey is bound to a
// host name, and browsers refuse an IP address as one.
func ConsoleBaseURL(publicBase string) string {
	base := strings.TrimSuffix(publicBase, "/")
	base = strings.Replace(base, "://127.0.0.1:", "://localhost:", 1)
	return base + console.Prefix + "/"
}

// ConsoleHandler serves the administrators' console at /console/.
func (a *App) ConsoleHandler() http.Handler {
	k := a.consoleKeys()
	p := a.mustParts(k)
	base := strings.TrimSuffix(a.Config.PublicBaseURL, "/")
	return a.observeHTTP(console.New(console.Deps{Users: p.Users, Tenants: a.Tenants, Store: a.Store, Mail: a.SES(),
		Invitations: p.Invitations, Imports: a.Imports.WithBucket(a.S3(), a.Config.BucketName), Groups: p.Groups, Activity: p.Users,
		Budget: a.mailBudget()}, a.Log,
		console.Options{Key: k.LinkKey, BaseURL: a.consoleBaseURL(), SCIMBaseURL: base + scim.Prefix,
			MailFrom: a.Config.MailFrom, ConfigurationSet: a.Config.MailConfigurationSet,
			Limiter: a.limiter("console", DefaultWebOrgPerMinute, DefaultWebSourcePerMinute)}))
}
