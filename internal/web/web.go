// Package web serves the small server-rendered pages where users activate
// and invitees accept (SPEC §7, §8, §10).
//
// The pages have no JavaScript at all: a plain form posts and the server
// answers with the next page. Every page is built from the same parts:
//
//   - headers.go: security headers on every answer, and the embedded CSS;
//   - csrf.go: the CSRF field of every form, on top of
//     http.CrossOriginProtection, which wraps the whole handler;
//   - i18n.go: Danish or English, from Accept-Language or the switch link,
//     and the table of texts;
//   - render.go: one layout template around one template per page.
//
// A page is then one Go file with its handlers and texts, plus one template:
// activate.go and templates/activate.html; invitations.go and
// templates/invitation.html.
package web

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// Activations opens and completes activation links; *users.Service is one.
type Activations interface {
	// OpenActivation reads what the link's page shows and changes nothing.
	OpenActivation(ctx context.Context, token string) (users.ActivationPage, error)
	// CompleteActivation checks the answer (CPR number, code or nothing)
	// and activates the user.
	CompleteActivation(ctx context.Context, token, answer string) (*tilgang.User, error)
}

// Invitations opens and accepts invitation links; *invitations.Service is
// one.
type Invitations interface {
	// Open reads what the link's page shows and changes nothing.
	Open(ctx context.Context, token string) (invitations.Page, error)
	// Check judges what the invitee typed as Accept would, without
	// accepting.
	Check(page invitations.Page, a invitations.Acceptance) error
	// Accept creates the invitee's user, awaiting approval.
	Accept(ctx context.Context, token string, a invitations.Acceptance) (*tilgang.User, error)
}

// Options are the settings of the pages.
type Options struct {
	// Key is the deployment's link key (keys.Set.LinkKey; locally the
	// master key CPR_KEY; at least 32 bytes). The keys of the CSRF field and of the result
	// cookie derive from it, so that a form one function instance served is
	// accepted by any other.
	Key []byte
	// PublicBaseURL is where the pages are served (PUBLIC_BASE_URL). When
	// it is https, cookies are Secure and carry the __Host- prefix, and
	// answers ask for HTTPS only (HSTS). Its origin is trusted by the
	// cross-origin protection, also when a proxy in front rewrites Host.
	// Empty means plain HTTP on loopback, as in tests.
	PublicBaseURL string
	// Limiter limits requests per source and, once a link names it, per
	// organisation (SPEC §14); nil: no limit.
	Limiter Limiter
}

// MaxFormBytes is the largest form body the pages read. The forms hold a
// few short fields.
const MaxFormBytes = 16 << 10

// pages is the handler. Build it with New.
type pages struct {
	activations Activations
	invitations Invitations
	log         *slog.Logger
	csrf        csrf
	result      resultCookie // of an activation
	accepted    resultCookie // of an accepted invitation
	languages   languages
	views       *views
}

// New returns the handler of the pages. It panics if opts.Key is shorter
// than 32 bytes: that is a wiring mistake, which the configuration's own
// check of the key rules out.
func New(activations Activations, invites Invitations, log *slog.Logger, opts Options) http.Handler {
	if len(opts.Key) < 32 {
		panic("web: the key must hold at least 32 bytes")
	}
	secure := strings.HasPrefix(opts.PublicBaseURL, "https://")
	if opts.Limiter != nil {
		activations = limitedActivations{activations, opts.Limiter}
		invites = limitedInvitations{invites, opts.Limiter}
	}
	p := &pages{
		activations: activations,
		invitations: invites,
		log:         log,
		csrf:        csrf{key: deriveKey(opts.Key, "tilgang web csrf v1"), cookie: cookieName("csrf", secure), secure: secure},
		result:      resultCookie{key: deriveKey(opts.Key, "tilgang web result v1"), name: cookieName("activated", secure), secure: secure},
		accepted:    resultCookie{key: deriveKey(opts.Key, "tilgang web accepted v1"), name: cookieName("accepted", secure), secure: secure},
		languages:   newLanguages(),
		views:       mustParseViews(),
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /activate/{token}", p.showActivation)
	mux.HandleFunc("POST /activate/{token}", p.submitActivation)
	mux.HandleFunc("GET "+activatedPath, p.showActivated)
	mux.HandleFunc("/activate/{token}", p.methodNotAllowed("GET, HEAD, POST"))
	mux.HandleFunc("GET /invitations/{token}", p.showInvitation)
	mux.HandleFunc("POST /invitations/{token}", p.submitInvitation)
	mux.HandleFunc("GET "+acceptedPath, p.showAccepted)
	mux.HandleFunc("/invitations/{token}", p.methodNotAllowed("GET, HEAD, POST"))
	mux.Handle("GET "+assetPrefix+"{name}", assets())
	mux.HandleFunc("/", p.notFound)

	cop := http.NewCrossOriginProtection()
	if origin := originOf(opts.PublicBaseURL); origin != "" {
		if err := cop.AddTrustedOrigin(origin); err != nil {
			log.Warn("web: the public base URL is no origin to trust", "error", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(p.crossOrigin))
	return httpx.Log(log, httpx.PageHeaders(contentSecurityPolicy, secure, p.limitSources(opts.Limiter, cop.Handler(mux))))
}

// deriveKey derives a 32-byte key for one purpose from the link key.
func deriveKey(master []byte, purpose string) []byte {
	key, err := hkdf.Key(sha256.New, master, nil, purpose, 32)
	if err != nil {
		// hkdf.Key fails only for lengths beyond 255 hash sizes.
		panic(fmt.Sprintf("web: derive the %s key: %v", purpose, err))
	}
	return key
}

// cookieName gives a cookie the __Host- prefix over HTTPS: the browser then
// takes it only from this host, Secure and for every path, so a sibling
// subdomain cannot plant it.
func cookieName(name string, secure bool) string {
	if secure {
		return "__Host-" + name
	}
	return name
}

// originOf returns the scheme://host[:port] of a base URL, or "".
func originOf(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
