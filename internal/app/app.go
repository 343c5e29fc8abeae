// Package app is every function's wiring in one value, for the places that
// run them all at once: make dev (internal/devserver), the operator command
// and the tests. A function binary does not link it: functions/<name>
// links internal/app/core and its own internal/app/<name>fn only (see the
// package doc of core, "Adding a function"), which keeps each binary small
// and its cold start short. Every handler here is the one the function
// runs, so Lambda, make dev and the tests run exactly the same wiring.
package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/tilgang/tilgang/internal/app/adminfn"
	"github.com/tilgang/tilgang/internal/app/consolefn"
	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/app/csvimportfn"
	"github.com/tilgang/tilgang/internal/app/mailerfn"
	"github.com/tilgang/tilgang/internal/app/passkeysfn"
	"github.com/tilgang/tilgang/internal/app/schedulerfn"
	"github.com/tilgang/tilgang/internal/app/scimfn"
	"github.com/tilgang/tilgang/internal/app/seseventsfn"
	"github.com/tilgang/tilgang/internal/app/webfn"
	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/groups"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/keys"
	"github.com/tilgang/tilgang/internal/mail"
	"github.com/tilgang/tilgang/internal/scheduler"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/sesevents"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/users"
)

// The shared parts, as package core has them.
const (
	EnvS3PathStyle = core.EnvS3PathStyle
	// SCIMTokenTTL is how long a SCIM function instance trusts a token it
	// has checked (scimfn.TokenTTL).
	SCIMTokenTTL = scimfn.TokenTTL

	DefaultSCIMOrgPerMinute     = core.DefaultSCIMOrgPerMinute
	DefaultSCIMSourcePerMinute  = core.DefaultSCIMSourcePerMinute
	DefaultAdminOrgPerMinute    = core.DefaultAdminOrgPerMinute
	DefaultAdminSourcePerMinute = core.DefaultAdminSourcePerMinute
	DefaultWebOrgPerMinute      = core.DefaultWebOrgPerMinute
	DefaultWebSourcePerMinute   = core.DefaultWebSourcePerMinute
	DefaultMailPerDay           = core.DefaultMailPerDay
)

// App holds the configured parts of every function.
type App struct {
	*core.App
	// Tenants and Imports are the services of organisations with their
	// tokens, and of CSV imports as the admin API reads them.
	Tenants *tenants.Service
	Imports *imports.Service
	// Users, Invitations, Groups and Links are the services with every key
	// in Keys, for local runs and tests; nil if Keys holds none. The
	// handlers do not use them: each builds its own with its function's
	// keys.
	Users       *users.Service
	Invitations *invitations.Service
	Groups      *groups.Service
	Links       *secret.Links
}

// NewLogger returns the JSON logger every function writes to.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger { return core.NewLogger(w, level) }

// Build wires the parts from an already loaded configuration. It fails if
// the keys of any handler do not build, at start rather than at the first
// request.
func Build(cfg config.Config, awsCfg aws.Config, log *slog.Logger) (*App, error) {
	c, err := core.Build(cfg, awsCfg, log)
	if err != nil {
		return nil, err
	}
	a := &App{App: c, Tenants: tenants.New(c.Store), Imports: imports.New(c.Store)}
	p, err := c.Parts(c.Keys)
	if err != nil {
		return nil, err
	}
	a.Users, a.Invitations, a.Groups, a.Links = p.Users, p.Invitations, p.Groups, p.Links
	for _, k := range []func(keys.Set) keys.Set{adminfn.Keys, scimfn.Keys, webfn.Keys, csvimportfn.Keys, mailerfn.Keys, consolefn.Keys, passkeysfn.Keys} {
		if _, err := c.Parts(k(c.Keys)); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// AdminHandler serves the admin API (adminfn).
func (a *App) AdminHandler() http.Handler { return adminfn.Handler(a.App) }

// SCIMHandler serves SCIM 2.0 (scimfn).
func (a *App) SCIMHandler() http.Handler { return scimfn.Handler(a.App) }

// ConsoleHandler serves the administrators' console (consolefn).
func (a *App) ConsoleHandler() http.Handler { return consolefn.Handler(a.App) }

// PasskeysHandler serves the console's passkey ceremonies (passkeysfn)
// at the paths passkeys.Patterns names; the rest of /console is the
// console's.
func (a *App) PasskeysHandler() http.Handler { return passkeysfn.Handler(a.App) }

// WebHandler serves the activation and invitation pages (webfn).
func (a *App) WebHandler() http.Handler { return webfn.Handler(a.App) }

// CSVImport handles S3 events of dropped CSV files (csvimportfn).
func (a *App) CSVImport(cont csvimport.Continuer) *csvimport.Handler {
	return csvimportfn.Handler(a.App, cont)
}

// Mailer handles stream batches of outbox items (mailerfn).
func (a *App) Mailer() *mail.Mailer { return mailerfn.Handler(a.App) }

// CheckSender is the mailer's check of MAIL_FROM at start (mailerfn).
func (a *App) CheckSender(ctx context.Context) error { return mailerfn.CheckSender(ctx, a.App) }

// SESEvents handles the EventBridge events of the SES configuration set.
func (a *App) SESEvents() *sesevents.Handler { return seseventsfn.Handler(a.App) }

// Scheduler handles the periodic schedule.
func (a *App) Scheduler() *scheduler.Scheduler { return schedulerfn.Handler(a.App) }

// S3 returns an S3 client.
func (a *App) S3() *s3.Client {
	return s3.NewFromConfig(a.AWS, func(o *s3.Options) { o.UsePathStyle = a.S3PathStyle })
}

// SES returns an SES v2 client.
func (a *App) SES() *sesv2.Client { return sesv2.NewFromConfig(a.AWS) }

// Observe wraps an event handler as the functions do (core.Observe).
func Observe[E any](a *App, h func(context.Context, E) error) func(context.Context, E) error {
	return core.Observe(a.App, h)
}

// ObserveResult is Observe for handlers that answer with a value.
func ObserveResult[E, R any](a *App, h func(context.Context, E) (R, error)) func(context.Context, E) (R, error) {
	return core.ObserveResult(a.App, h)
}
