// Package passkeys serves the console's passkey (WebAuthn) ceremonies
// (issue 16, SPEC §9): four JSON endpoints that the console's one script
// (internal/console/assets/passkey.js) calls on the console's own origin.
//
//   - POST /console/passkeys/register/{begin,finish}, under a session: a
//     signed-in person registers a passkey; an organisation that requires
//     passkeys lets a session started with a link do nothing else;
//   - POST /console/passkeys/signin/{begin,finish}, before one: a person
//     signs in with a passkey, which starts a new session.
//
// They are a function of their own, not part of the console's: go-webauthn
// links every attestation format it knows (TPM, Android, Apple, FIDO
// metadata), about 3 MB that would push the console past the cold start
// target (README, "Cold start"). Sessions, CSRF values and the ceremony
// cookie are package session's, which the console's pages use too.
package passkeys

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/i18n"
	"github.com/tilgang/tilgang/internal/session"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Store keeps sessions and passkeys; *store.Store is one.
type Store interface {
	session.Store
	PutPasskey(ctx context.Context, p *tilgang.Passkey) error
	UpdatePasskey(ctx context.Context, p *tilgang.Passkey) error
	Passkey(ctx context.Context, id []byte) (*tilgang.Passkey, error)
	Passkeys(ctx context.Context, orgID, userID string) ([]*tilgang.Passkey, error)
}

// Deps are the services the ceremonies work with.
type Deps struct {
	Users   session.Users
	Tenants session.Tenants
	Store   Store
}

// Limiter limits requests; *ratelimit.Limiter is one. Both return
// *tilgang.LimitExceeded beyond the limit.
type Limiter interface {
	Source(r *http.Request) error
	Org(ctx context.Context, orgID string) error
}

// Options are the settings of the ceremonies: the console's.
type Options struct {
	// Key is the deployment's link key (session.Options).
	Key []byte
	// BaseURL is the console's address: passkeys are bound to its host
	// (the relying party) and its origin.
	BaseURL string
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Limiter limits requests per source, and a signed-in person's per
	// organisation; nil: no limit. Give it the console's door, so that
	// the pages and the ceremonies count against the same limits.
	Limiter Limiter
}

// MaxBodyBytes is the largest request body the ceremonies read: the
// console's form limit.
const MaxBodyBytes = 64 << 10

// The routes of the ceremonies.
const (
	registerBegin  = "POST " + tilgang.ConsolePrefix + "/passkeys/register/begin"
	registerFinish = "POST " + tilgang.ConsolePrefix + "/passkeys/register/finish"
	signInBegin    = "POST " + tilgang.ConsolePrefix + "/passkeys/signin/begin"
	signInFinish   = "POST " + tilgang.ConsolePrefix + "/passkeys/signin/finish"
)

// Patterns are the routes the handler serves, for the routers that send
// them here while the rest of /console goes to the console (make dev, the
// console's tests); template.yaml routes the same paths.
func Patterns() []string { return []string{registerBegin, registerFinish, signInBegin, signInFinish} }

// Handler serves the ceremonies. Build it with New.
type Handler struct {
	Deps
	log      *slog.Logger
	opts     Options
	sessions *session.Sessions
	wa       *webauthn.WebAuthn
	waErr    error // why passkeys are off: the base URL names no host
	handler  http.Handler
}

// New returns the handler. It panics if opts.Key is shorter than 32
// bytes, as session.New does.
func New(deps Deps, log *slog.Logger, opts Options) *Handler {
	h := &Handler{Deps: deps, log: log, opts: opts,
		sessions: session.New(deps.Store, deps.Tenants, deps.Users, log, session.Options{Key: opts.Key, BaseURL: opts.BaseURL, Now: opts.Now})}
	h.wa, h.waErr = relyingParty(opts.BaseURL)

	mux := http.NewServeMux()
	mux.Handle(registerBegin, h.signedIn(h.beginRegistration))
	mux.Handle(registerFinish, h.signedIn(h.finishRegistration))
	mux.HandleFunc(signInBegin, h.beginSignIn)
	mux.HandleFunc(signInFinish, h.finishSignIn)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusNotFound, "notfound")
	})

	cop := http.NewCrossOriginProtection()
	if origin := session.Origin(opts.BaseURL); origin != "" {
		if err := cop.AddTrustedOrigin(origin); err != nil {
			log.Warn("passkeys: the base URL is no origin to trust", "error", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusForbidden, "forbidden")
	}))
	var next http.Handler = cop.Handler(mux)
	if opts.Limiter != nil {
		next = httpx.LimitSources(opts.Limiter.Source, h.tooMany, next)
	}
	h.handler = httpx.Log(log, httpx.PageHeaders("default-src 'none'; frame-ancestors 'none'", h.sessions.Secure(), next))
	return h
}

// ServeHTTP serves the ceremonies.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.handler.ServeHTTP(w, r) }

// relyingParty is the console as go-webauthn sees it: its host and
// origin, with the ceremonies' timeouts enforced.
func relyingParty(base string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(base)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("passkeys: need a base URL with a host, not %q", base)
	}
	return webauthn.New(&webauthn.Config{
		RPID: u.Hostname(), RPDisplayName: "tilgang", RPOrigins: []string{session.Origin(base)},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: tilgang.PasskeyCeremonyTTL},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: tilgang.PasskeyCeremonyTTL},
		},
	})
}

// person is a user as go-webauthn sees one.
type person struct {
	u     *tilgang.User
	creds []webauthn.Credential
}

func (p person) WebAuthnID() []byte   { return []byte(p.u.ID) }
func (p person) WebAuthnName() string { return p.u.Email }
func (p person) WebAuthnDisplayName() string {
	if n := strings.TrimSpace(p.u.FirstName + " " + p.u.LastName); n != "" {
		return n
	}
	return p.u.UserName
}
func (p person) WebAuthnCredentials() []webauthn.Credential { return p.creds }

// signedFunc serves one request under a session.
type signedFunc func(w http.ResponseWriter, r *http.Request, q *session.Signed)

// signedIn wraps fn as the console's signedIn wraps its pages: the
// session, the organisation's limit and the CSRF value, which the script
// sends in the header. Registering is what a session without the passkey
// its organisation requires may do (Signed.NeedsPasskey), so there is no
// such check here.
func (h *Handler) signedIn(fn signedFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		q, ok := h.sessions.Find(w, r)
		if !ok {
			// As the console answers a page without a session: the
			// script then shows its failure text.
			http.Redirect(w, r, tilgang.ConsolePrefix+"/signin", http.StatusSeeOther)
			return
		}
		if h.opts.Limiter != nil {
			if err := h.opts.Limiter.Org(r.Context(), q.Org.ID); err != nil && h.tooMany(w, r, err) {
				return
			}
		}
		if !q.CSRFValid(r) {
			h.fail(w, r, http.StatusForbidden, "forbidden")
			return
		}
		fn(w, r, q)
	})
}

// credentials are the person's passkeys as go-webauthn's credentials.
func (h *Handler) credentials(ctx context.Context, q *session.Signed) ([]webauthn.Credential, error) {
	ps, err := h.Store.Passkeys(ctx, q.Org.ID, q.Person.ID)
	if err != nil {
		return nil, err
	}
	creds := make([]webauthn.Credential, 0, len(ps))
	for _, p := range ps {
		var cr webauthn.Credential
		if err := json.Unmarshal(p.Credential, &cr); err != nil {
			return nil, fmt.Errorf("passkeys: stored credential: %w", err)
		}
		creds = append(creds, cr)
	}
	return creds, nil
}

func (h *Handler) beginRegistration(w http.ResponseWriter, r *http.Request, q *session.Signed) {
	if h.waErr != nil {
		h.serverError(w, r, h.waErr)
		return
	}
	creds, err := h.credentials(r.Context(), q)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	var exclude []protocol.CredentialDescriptor
	for _, cr := range creds {
		exclude = append(exclude, cr.Descriptor())
	}
	opts, data, err := h.wa.BeginRegistration(person{u: q.Person, creds: creds},
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExclusions(exclude))
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	// The registration's state stays with the session, server-side.
	if q.Session.Challenge, err = json.Marshal(data); err != nil {
		h.serverError(w, r, err)
		return
	}
	if err := h.Store.PutSession(r.Context(), q.Session); err != nil {
		h.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, opts)
}

func (h *Handler) finishRegistration(w http.ResponseWriter, r *http.Request, q *session.Signed) {
	var data webauthn.SessionData
	if len(q.Session.Challenge) == 0 || json.Unmarshal(q.Session.Challenge, &data) != nil || h.waErr != nil {
		h.fail(w, r, http.StatusBadRequest, "passkey.failed")
		return
	}
	ctx := r.Context()
	creds, err := h.credentials(ctx, q)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	cred, err := h.wa.FinishRegistration(person{u: q.Person, creds: creds}, data, r)
	if err != nil {
		h.log.InfoContext(ctx, "passkeys: registration refused", "error", err)
		h.fail(w, r, http.StatusBadRequest, "passkey.failed")
		return
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if err := h.Store.PutPasskey(ctx, &tilgang.Passkey{ID: cred.ID, OrgID: q.Org.ID, UserID: q.Person.ID,
		Credential: raw, CreatedAt: h.sessions.Now().UTC()}); err != nil {
		h.serverError(w, r, err)
		return
	}
	// Holding the passkey just proved is as good as signing in with it.
	q.Session.Challenge, q.Session.Passkey = nil, true
	if err := h.Store.PutSession(ctx, q.Session); err != nil {
		h.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"next": tilgang.ConsolePrefix + "/passkeys?done=registered"})
}

func (h *Handler) beginSignIn(w http.ResponseWriter, r *http.Request) {
	if !h.sessions.PreValid(r, r.Header.Get(session.CSRFHeader)) {
		h.fail(w, r, http.StatusForbidden, "forbidden")
		return
	}
	if h.waErr != nil {
		h.serverError(w, r, h.waErr)
		return
	}
	opts, data, err := h.wa.BeginDiscoverableLogin()
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	b, err := json.Marshal(data)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.sessions.SetCeremony(w, b)
	writeJSON(w, http.StatusOK, opts)
}

func (h *Handler) finishSignIn(w http.ResponseWriter, r *http.Request) {
	if !h.sessions.PreValid(r, r.Header.Get(session.CSRFHeader)) {
		h.fail(w, r, http.StatusForbidden, "forbidden")
		return
	}
	var data webauthn.SessionData
	b, ok := h.sessions.Ceremony(w, r)
	if !ok || json.Unmarshal(b, &data) != nil || h.waErr != nil {
		h.fail(w, r, http.StatusBadRequest, "passkey.failed")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	ctx := r.Context()
	var found *tilgang.Passkey
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		p, err := h.Store.Passkey(ctx, rawID)
		if err != nil {
			return nil, err
		}
		org, err := h.Tenants.Organisation(ctx, p.OrgID)
		if err != nil || org.Disabled() {
			return nil, errors.New("passkeys: the passkey's organisation is gone or disabled")
		}
		// The passkey's own record names the organisation and the user;
		// the user handle the authenticator sends must be that user.
		u, err := h.Users.Get(ctx, org, p.UserID)
		if err != nil || !session.MayUseConsole(u) || !bytes.Equal(userHandle, []byte(u.ID)) {
			return nil, errors.New("passkeys: the passkey's user may not sign in")
		}
		var cr webauthn.Credential
		if err := json.Unmarshal(p.Credential, &cr); err != nil {
			return nil, err
		}
		found = p
		return person{u: u, creds: []webauthn.Credential{cr}}, nil
	}
	_, cred, err := h.wa.FinishPasskeyLogin(handler, data, r)
	if err != nil || found == nil {
		h.log.InfoContext(ctx, "passkeys: sign-in refused", "error", err)
		h.fail(w, r, http.StatusBadRequest, "passkey.failed")
		return
	}
	if raw, err := json.Marshal(cred); err == nil {
		found.Credential = raw
		if err := h.Store.UpdatePasskey(ctx, found); err != nil {
			h.log.ErrorContext(ctx, "passkeys: sign count", "error", err)
		}
	}
	if err := h.sessions.Start(ctx, w, r, tilgang.SignInRef{OrgID: found.OrgID, UserID: found.UserID}, true); err != nil {
		h.serverError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"next": session.LocalPath(r.URL.Query().Get("next"))})
}

// tooMany answers a rate limit with 429 and Retry-After, and reports true
// when err is one.
func (h *Handler) tooMany(w http.ResponseWriter, r *http.Request, err error) bool {
	if !httpx.Limited(w, err) {
		return false
	}
	h.fail(w, r, http.StatusTooManyRequests, "toomany")
	return true
}

func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, err error) {
	h.log.ErrorContext(r.Context(), "passkeys: request failed", "route", r.Pattern, "error", err)
	h.fail(w, r, http.StatusInternalServerError, "server")
}

// fail answers {"error": text} in the request's language: the script
// shows it where its form has no text of its own.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, key string) {
	writeJSON(w, status, map[string]string{"error": texts.Translate(session.Lang(r, ""), key)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// texts are the answers' messages.
var texts = i18n.Tables{{
	"passkey.failed": {"Det lykkedes ikke. Prøv igen.", "That did not work. Please try again."},
	"forbidden": {"Forespørgslen kom ikke fra konsollens side. Genindlæs siden og prøv igen.",
		"The request did not come from the console's page. Reload the page and try again."},
	"notfound": {"Siden findes ikke.", "Page not found."},
	"toomany":  {"For mange forespørgsler. Vent et minut, og prøv igen.", "Too many requests. Wait a minute and try again."},
	"server":   {"Noget gik galt. Prøv igen om lidt.", "Something went wrong. Please try again in a little while."},
}}
