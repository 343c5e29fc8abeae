// Package console serves the administrators' console at /console/ (issue
// 16, SPEC §9, §12): server-rendered pages where the people of an
// organisation who hold an admin role sign in and do every task the seed
// systems' administrators did.
//
// Every page is built from the same parts:
//
//   - session.go: sign-in state. A page handler is a pageFunc and gets the
//     request's *Request: the session, the person (the signed-in user, read
//     again on every request), the organisation and the language. route
//     registers one, with the admin role it needs;
//   - csrf: every POST under a session carries the session's CSRF value
//     (Request.CSRF) in the csrf field; the middleware refuses it with 403
//     otherwise. Forms before sign-in carry a signed double-submit value;
//   - render.go: the layout around one template per page
//     (templates/<name>.html, parsed at start: a new page only adds its
//     file) and Request.Render / c.render;
//   - texts.go: Danish and English texts, one table per page file,
//     listed in textTables.
//
// A page is then one Go file with its routes (a xxxRoutes(route) method
// called from New), handlers and texts, plus its templates: users.go with
// templates/users.html, user.html and userform.html.
package console

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/session"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// Prefix is where the console is mounted.
const Prefix = tilgang.ConsolePrefix

// Users is what the pages do with users; *users.Service is one.
type Users interface {
	Get(ctx context.Context, org *tilgang.Organisation, id string) (*tilgang.User, error)
	List(ctx context.Context, org *tilgang.Organisation, q tilgang.UserQuery) (tilgang.UserPage, error)
	Create(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, req users.NewRequest) (users.Created, error)
	Update(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, old, u *tilgang.User, p users.Profile) error
	Delete(ctx context.Context, actor tilgang.Actor, u *tilgang.User) error
	SendActivation(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, id string) (users.Sent, error)
	NewActivationCode(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, id string) (users.Sent, error)
	DeactivateUser(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, id string, w tilgang.Deactivation) (*tilgang.User, error)
	ReactivateUser(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, id string) (*tilgang.User, error)
	History(ctx context.Context, org *tilgang.Organisation, id string, q users.HistoryQuery) (tilgang.HistoryPage, error)
	MaskedCPR(u *tilgang.User) (string, error)
}

// Tenants reads and changes organisations and their tokens;
// *tenants.Service is one.
type Tenants interface {
	Organisation(ctx context.Context, id string) (*tilgang.Organisation, error)
	UpdateSettings(ctx context.Context, org *tilgang.Organisation, in tenants.Settings) (*tilgang.Organisation, error)
	Tokens(ctx context.Context, org *tilgang.Organisation) ([]*tilgang.Token, error)
	MintToken(ctx context.Context, by *tilgang.Token, org *tilgang.Organisation, req tenants.TokenRequest) (tenants.Minted, error)
	RevokeToken(ctx context.Context, org *tilgang.Organisation, id string) error
}

// Store keeps sign-in state; *store.Store is one.
type Store interface {
	SignInCandidates(ctx context.Context, address string) ([]tilgang.SignInRef, error)
	PutSignInLink(ctx context.Context, hash string, l tilgang.SignInLink) error
	SpendSignInLink(ctx context.Context, hash string) (tilgang.SignInLink, error)
	PutSession(ctx context.Context, s *tilgang.Session) error
	Session(ctx context.Context, hash string) (*tilgang.Session, error)
	DeleteSession(ctx context.Context, hash string) error
	Passkeys(ctx context.Context, orgID, userID string) ([]*tilgang.Passkey, error)
}

// Mailer sends the sign-in mail; *sesv2.Client is one. Sign-in mail goes
// straight to SES, not through the outbox: it is worth nothing after ten
// minutes, and the person waits for it.
type Mailer interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Deps are the services the console works with.
type Deps struct {
	Users   Users
	Tenants Tenants
	Store   Store
	Mail    Mailer
	// The pages of invitations, imports, groups and history (flows.go).
	Invitations Invitations
	Imports     Imports
	Groups      Groups
	Activity    Activity
	// Budget is the mail budget of invitations and bulk activation; nil
	// counts nothing.
	Budget MailBudget
}

// Options are the settings of the console.
type Options struct {
	// Key is the deployment's link key (at least 32 bytes); the key of the
	// forms before sign-in derives from it.
	Key []byte
	// BaseURL is the console's address, ending in /console/: the links
	// of sign-in mail point there (and passkeys are bound to its host, by
	// package passkeys).
	// When it is https, the session cookie carries the __Host- prefix.
	BaseURL string
	// SCIMBaseURL is shown with a new SCIM token.
	SCIMBaseURL string
	// MailFrom and ConfigurationSet address sign-in mail.
	MailFrom, ConfigurationSet string
	// Now is the clock (nil: time.Now); tests of expiry set it.
	Now func() time.Time
	// Limiter limits requests per source, and a signed-in person's per
	// organisation (SPEC §14); nil: no limit. Sign-in mail is a request
	// like any other, so no one can flood an address with links.
	Limiter Limiter
}

// Limiter limits requests; *ratelimit.Limiter is one. Both return
// *tilgang.LimitExceeded beyond the limit.
type Limiter interface {
	Source(r *http.Request) error
	Org(ctx context.Context, orgID string) error
}

// MaxFormBytes is the largest form body the console reads.
const MaxFormBytes = 64 << 10

// Console is the handler of the console. Build it with New.
type Console struct {
	Deps
	log      *slog.Logger
	opts     Options
	now      func() time.Time
	sessions *session.Sessions
	views    *views
	mux      *http.ServeMux
	handler  http.Handler
}

// New returns the console. It panics if opts.Key is shorter than 32
// bytes: that is a wiring mistake, which the configuration's check rules
// out.
func New(deps Deps, log *slog.Logger, opts Options) *Console {
	if len(opts.Key) < 32 {
		panic("console: the key must hold at least 32 bytes")
	}
	c := &Console{Deps: deps, log: log, opts: opts, mux: http.NewServeMux(), views: mustParseViews(),
		sessions: session.New(deps.Store, deps.Tenants, deps.Users, log, session.Options{Key: opts.Key, BaseURL: opts.BaseURL, Now: opts.Now})}
	c.now = c.sessions.Now

	c.mux.HandleFunc("GET "+Prefix+"/assets/{name}", assets)
	c.signinRoutes()
	c.userRoutes(c.route)
	c.tokenRoutes(c.route)
	c.settingsRoutes(c.route)
	c.passkeyRoutes()
	c.flowRoutes(c.route)
	c.mux.HandleFunc("GET "+Prefix, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
	})
	c.mux.HandleFunc(Prefix+"/", c.notFound)

	cop := http.NewCrossOriginProtection()
	if origin := session.Origin(opts.BaseURL); origin != "" {
		if err := cop.AddTrustedOrigin(origin); err != nil {
			log.Warn("console: the base URL is no origin to trust", "error", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(c.forbidden))
	c.handler = httpx.Log(log, httpx.PageHeaders(contentSecurityPolicy, c.sessions.Secure(), c.limitSources(cop.Handler(c.mux))))
	return c
}

// ServeHTTP serves the console.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.handler.ServeHTTP(w, r) }

// link returns the absolute address of a console path (which starts with
// Prefix) for mail.
func (c *Console) link(path string) string {
	base := strings.TrimSuffix(c.opts.BaseURL, "/")
	base = strings.TrimSuffix(base, Prefix)
	return base + path
}

// limitSources counts every request against its source before anything is
// read.
func (c *Console) limitSources(next http.Handler) http.Handler {
	if c.opts.Limiter == nil {
		return next
	}
	return httpx.LimitSources(c.opts.Limiter.Source, c.tooMany, next)
}

// tooMany answers a rate limit with 429 and Retry-After, and reports true
// when err is one.
func (c *Console) tooMany(w http.ResponseWriter, r *http.Request, err error) bool {
	if !httpx.Limited(w, err) {
		return false
	}
	c.renderMessage(w, r, http.StatusTooManyRequests, "toomany", pickLang(r, ""), nil)
	return true
}
