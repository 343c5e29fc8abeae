package app

import (
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"golang.org/x/time/rate"

	"github.com/tilgang/tilgang/internal/admin"
	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/mail"
	"github.com/tilgang/tilgang/internal/scheduler"
	"github.com/tilgang/tilgang/internal/scim"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/web"
)

// The handlers of the six functions, built in one place so that Lambda,
// make dev and the tests run exactly the same wiring.

// AdminHandler serves the admin API.
func (a *App) AdminHandler() http.Handler {
	imp := a.Imports.WithBucket(a.S3(), a.Config.BucketName)
	return admin.New(a.Users, a.Tenants, a.Invitations, imp, a.Groups, a.Log,
		admin.WithLimiter(a.limiter("admin", DefaultAdminOrgPerMinute, DefaultAdminSourcePerMinute)),
		admin.WithMailBudget(a.mailBudget()))
}

// SCIMHandler serves SCIM 2.0.
func (a *App) SCIMHandler() http.Handler {
	auth := tenants.NewAuthenticator(a.Tenants, tilgang.TokenSCIM, SCIMTokenTTL)
	return scim.New(a.Users.SCIM(), auth.Authenticate, a.Log, scim.Options{
		PublicBaseURL: a.Config.PublicBaseURL, Groups: a.Groups,
		Limiter:         a.limiter("scim", DefaultSCIMOrgPerMinute, DefaultSCIMSourcePerMinute),
		MaxFilterUsers:  int(a.Config.Limits.SCIMFilterMaxUsers),
		MaxFilterGroups: int(a.Config.Limits.SCIMFilterMaxGroups),
	})
}

// SCIMTokenTTL is how long a SCIM function instance trusts a token it has
// checked (see tenants.Authenticator): a revoked SCIM token stops working
// within this time.
const SCIMTokenTTL = 15 * time.Second

// WebHandler serves the activation and invitation pages.
func (a *App) WebHandler() http.Handler {
	return web.New(a.Users, a.Invitations, a.Log, web.Options{
		Key: a.Config.CPRKey, PublicBaseURL: a.Config.PublicBaseURL,
		Limiter: a.limiter("web", DefaultWebOrgPerMinute, DefaultWebSourcePerMinute),
	})
}

// CSVImport handles S3 events of dropped CSV files. In Lambda, an import
// that nears the deadline continues in a new invocation of the function;
// elsewhere cont carries it on (nil: on the next delivery of the event).
func (a *App) CSVImport(cont csvimport.Continuer) *csvimport.Handler {
	if fn := os.Getenv("AWS_LAMBDA_FUNCTION_NAME"); fn != "" && cont == nil {
		cont = selfInvoker{client: lambda.NewFromConfig(a.AWS), function: fn}
	}
	return csvimport.New(a.S3(), a.Store, a.Users, cont, a.Log, csvimport.Options{})
}

// Mailer handles stream batches of outbox items.
func (a *App) Mailer() *mail.Mailer {
	return mail.New(a.SES(), a.Store, a.Users, a.Links, mail.Config{
		From: a.Config.MailFrom, BaseURL: a.Config.PublicBaseURL, Rate: rate.Limit(a.Config.MailRate),
		Lookup: invitationMail(a.Invitations, a.Config.PublicBaseURL),
	}, a.Log)
}

// Scheduler handles the periodic schedule.
func (a *App) Scheduler() *scheduler.Scheduler { return scheduler.New(a.Store, time.Now, a.Log) }
