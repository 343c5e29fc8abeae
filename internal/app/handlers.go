package app

import (
	"net/http"
	"time"

	tilgang "github.com/tilgang/tilgang/internal"

	"github.com/tilgang/tilgang/internal/admin"
	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/mail"
	"github.com/tilgang/tilgang/internal/scheduler"
	"github.com/tilgang/tilgang/internal/scim"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/web"
)

// The handlers of the six functions, built in one place so that Lambda,
// make dev and the tests run exactly the same wiring.

// AdminHandler serves the admin API.
func (a *App) AdminHandler() http.Handler { return admin.New(a.Store, a.Users, a.Log) }

// SCIMHandler serves SCIM 2.0.
func (a *App) SCIMHandler() http.Handler {
	auth := tenants.NewAuthenticator(a.Store, tilgang.TokenSCIM, SCIMTokenTTL)
	return scim.New(a.Users.SCIM(), auth.Authenticate, a.Log)
}

// SCIMTokenTTL is how long a SCIM function instance trusts a token it has
// checked (see tenants.Authenticator): a revoked SCIM token stops working
// within this time.
const SCIMTokenTTL = 15 * time.Second

// WebHandler serves the activation and invitation pages.
func (a *App) WebHandler() http.Handler { return web.New(a.Log) }

// CSVImport handles S3 events of dropped CSV files.
func (a *App) CSVImport() *csvimport.Handler { return csvimport.New(a.Log) }

// Mailer handles stream batches of outbox items.
func (a *App) Mailer() *mail.Mailer { return mail.New(a.Log) }

// Scheduler handles the periodic schedule.
func (a *App) Scheduler() *scheduler.Scheduler { return scheduler.New(a.Log) }
