package app

import (
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"golang.org/x/time/rate"

	"github.com/tilgang/tilgang/internal/admin"
	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/keys"
	"github.com/tilgang/tilgang/internal/mail"
	"github.com/tilgang/tilgang/internal/scheduler"
	"github.com/tilgang/tilgang/internal/scim"
	"github.com/tilgang/tilgang/internal/sesevents"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/web"
)

// The handlers of the functions, built in one place so that Lambda,
// make dev and the tests run exactly the same wiring.

// The keys each handler uses, by purpose (config.Functions names the same
// for its function; TestFunctionsNeedWhatTheyRead holds them together).

func (a *App) adminKeys() keys.Set {
	return keys.Set{LookupKey: a.Keys.LookupKey, LinkKey: a.Keys.LinkKey, OpenKey: a.Keys.OpenKey}
}
func (a *App) scimKeys() keys.Set {
	return keys.Set{LookupKey: a.Keys.LookupKey, SealKey: a.Keys.SealKey}
}
func (a *App) webKeys() keys.Set {
	return keys.Set{LookupKey: a.Keys.LookupKey, LinkKey: a.Keys.LinkKey}
}
func (a *App) importKeys() keys.Set {
	return keys.Set{LookupKey: a.Keys.LookupKey, SealKey: a.Keys.SealKey}
}
func (a *App) mailerKeys() keys.Set { return keys.Set{LinkKey: a.Keys.LinkKey} }

// mustParts is parts for a handler; Build has built every handler's parts
// once, so an error here cannot happen.
func (a *App) mustParts(k keys.Set) parts {
	p, err := a.parts(k)
	if err != nil {
		panic(fmt.Sprintf("app: keys checked by Build fail now: %v", err))
	}
	return p
}

// AdminHandler serves the admin API.
func (a *App) AdminHandler() http.Handler {
	p := a.mustParts(a.adminKeys())
	imp := a.Imports.WithBucket(a.S3(), a.Config.BucketName)
	return a.observeHTTP(admin.New(p.Users, a.Tenants, p.Invitations, imp, p.Groups, a.Log,
		admin.WithLimiter(a.limiter("admin", DefaultAdminOrgPerMinute, DefaultAdminSourcePerMinute)),
		admin.WithMailBudget(a.mailBudget()), admin.WithMailStates(a.Store)))
}

// SCIMHandler serves SCIM 2.0.
func (a *App) SCIMHandler() http.Handler {
	p := a.mustParts(a.scimKeys())
	auth := tenants.NewAuthenticator(a.Tenants, tilgang.TokenSCIM, SCIMTokenTTL)
	return a.observeHTTP(scim.New(p.Users.SCIM(), logOrg(auth.Authenticate), a.Log, scim.Options{
		PublicBaseURL: a.Config.PublicBaseURL, Groups: p.Groups,
		Limiter:         a.limiter("scim", DefaultSCIMOrgPerMinute, DefaultSCIMSourcePerMinute),
		MaxFilterUsers:  int(a.Config.Limits.SCIMFilterMaxUsers),
		MaxFilterGroups: int(a.Config.Limits.SCIMFilterMaxGroups),
	}))
}

// SCIMTokenTTL is how long a SCIM function instance trusts a token it has
// checked (see tenants.Authenticator): a revoked SCIM token stops working
// within this time.
const SCIMTokenTTL = 15 * time.Second

// WebHandler serves the activation and invitation pages.
func (a *App) WebHandler() http.Handler {
	k := a.webKeys()
	p := a.mustParts(k)
	return a.observeHTTP(web.New(p.Users, p.Invitations, a.Log, web.Options{
		Key: k.LinkKey, PublicBaseURL: a.Config.PublicBaseURL,
		Limiter: a.limiter("web", DefaultWebOrgPerMinute, DefaultWebSourcePerMinute),
	}))
}

// CSVImport handles S3 events of dropped CSV files. In Lambda, an import
// that nears the deadline continues in a new invocation of the function;
// elsewhere cont carries it on (nil: on the next delivery of the event).
func (a *App) CSVImport(cont csvimport.Continuer) *csvimport.Handler {
	if fn := os.Getenv("AWS_LAMBDA_FUNCTION_NAME"); fn != "" && cont == nil {
		cont = selfInvoker{client: lambda.NewFromConfig(a.AWS), function: fn}
	}
	p := a.mustParts(a.importKeys())
	return csvimport.New(a.S3(), a.Store, p.Users, cont, a.Log, csvimport.Options{})
}

// Mailer handles stream batches of outbox items.
func (a *App) Mailer() *mail.Mailer {
	p := a.mustParts(a.mailerKeys())
	return mail.New(a.SES(), a.Store, p.Users, p.Links, mail.Config{
		From: a.Config.MailFrom, ConfigurationSet: a.Config.MailConfigurationSet,
		BaseURL: a.Config.PublicBaseURL, Rate: rate.Limit(a.Config.MailRate),
		Lookup: InvitationMail(p.Invitations, a.Config.PublicBaseURL, a.consoleBaseURL()),
	}, a.Log)
}

// consoleBaseURL is where the console is, ending in "/": the configured
// address, or by default its path under the public base URL.
func (a *App) consoleBaseURL() string {
	if a.Config.ConsoleBaseURL != "" {
		return a.Config.ConsoleBaseURL
	}
	return ConsoleBaseURL(a.Config.PublicBaseURL)
}

// SESEvents handles the EventBridge events of the SES configuration set.
func (a *App) SESEvents() *sesevents.Handler { return sesevents.New(a.Store, a.Log) }

// Scheduler handles the periodic schedule.
func (a *App) Scheduler() *scheduler.Scheduler { return scheduler.New(a.Store, time.Now, a.Log) }
