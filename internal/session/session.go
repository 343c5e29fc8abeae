// Package session is the console's sign-in state (issue 16, SPEC §9):
// the server-side session behind a cookie, its limits and checks, the
// signed double-submit value of the forms before sign-in and the signed
// cookie of a passkey ceremony. The console's pages (package console) and
// its passkey ceremonies (package passkeys) are separate functions, so
// that the pages do not link WebAuthn and the ceremonies do not link the
// pages (README, "Cold start"); both sign people in and check sessions
// here, in one way.
package session

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Store keeps sessions; *store.Store is one.
type Store interface {
	PutSession(ctx context.Context, s *tilgang.Session) error
	Session(ctx context.Context, hash string) (*tilgang.Session, error)
	DeleteSession(ctx context.Context, hash string) error
}

// Tenants reads organisations; *tenants.Service is one.
type Tenants interface {
	Organisation(ctx context.Context, id string) (*tilgang.Organisation, error)
}

// Users reads users; *users.Service is one.
type Users interface {
	Get(ctx context.Context, org *tilgang.Organisation, id string) (*tilgang.User, error)
}

// Options are the settings both functions share.
type Options struct {
	// Key is the deployment's link key (at least 32 bytes): the key of the
	// forms before sign-in and of the ceremony cookie derive from it.
	Key []byte
	// BaseURL is the console's address; when it is https the cookies are
	// Secure and the session cookie carries the __Host- prefix.
	BaseURL string
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Sessions finds, checks, starts and ends sessions. Build it with New.
type Sessions struct {
	store   Store
	tenants Tenants
	users   Users
	log     *slog.Logger
	now     func() time.Time
	secure  bool
	cookie  string // the session cookie's name
	preKey  []byte // the key of forms before sign-in and of the ceremony cookie
}

// New returns the sessions. It panics if opts.Key is shorter than 32
// bytes: that is a wiring mistake, which the configuration's check rules
// out.
func New(st Store, tenants Tenants, users Users, log *slog.Logger, opts Options) *Sessions {
	if len(opts.Key) < 32 {
		panic("session: the key must hold at least 32 bytes")
	}
	s := &Sessions{store: st, tenants: tenants, users: users, log: log, now: opts.Now,
		secure: strings.HasPrefix(opts.BaseURL, "https://"), cookie: "console_session"}
	if s.now == nil {
		s.now = time.Now
	}
	if s.secure {
		s.cookie = "__Host-console_session"
	}
	// The purpose string is the console's from before the split: a
	// deployment's forms and ceremonies under way stay valid.
	key, err := hkdf.Key(sha256.New, opts.Key, nil, "tilgang console pre-session csrf v1", 32)
	if err != nil {
		panic(fmt.Sprintf("session: derive the pre-session key: %v", err))
	}
	s.preKey = key
	return s
}

// Secure reports whether the cookies are Secure (the console is https).
func (s *Sessions) Secure() bool { return s.secure }

// Now is the sessions' clock.
func (s *Sessions) Now() time.Time { return s.now() }

// Signed is a request's session with its person and organisation, read
// now.
type Signed struct {
	Session *tilgang.Session
	Person  *tilgang.User
	Org     *tilgang.Organisation
}

// MayUseConsole reports whether u may be signed in: an administrator who
// is not deactivated, and not still waiting for approval.
func MayUseConsole(u *tilgang.User) bool {
	return u.IsAdmin() && len(u.Unreadable) == 0 &&
		u.Status != tilgang.StatusDeactivated && u.Status != tilgang.StatusAwaitingApproval
}

// Find returns the request's session, with its person and organisation
// read now. A session past its idle or absolute limit, or whose person
// may no longer use the console, is deleted.
func (s *Sessions) Find(w http.ResponseWriter, r *http.Request) (*Signed, bool) {
	ck, err := r.Cookie(s.cookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 64 {
		return nil, false
	}
	hash := HashID(ck.Value)
	ctx := r.Context()
	ses, err := s.store.Session(ctx, hash)
	if err != nil {
		if !errors.Is(err, tilgang.ErrSessionNotFound) {
			s.log.ErrorContext(ctx, "console: read session", "error", err)
		}
		s.Clear(w)
		return nil, false
	}
	now := s.now()
	end := func(why string) (*Signed, bool) {
		s.log.InfoContext(ctx, "console: session ended", "reason", why, "org", ses.OrgID)
		if err := s.store.DeleteSession(ctx, hash); err != nil {
			s.log.ErrorContext(ctx, "console: delete session", "error", err)
		}
		s.Clear(w)
		return nil, false
	}
	if now.Sub(ses.LastSeen) > tilgang.SessionIdle {
		return end("idle")
	}
	if now.Sub(ses.CreatedAt) > tilgang.SessionAbsolute {
		return end("absolute")
	}
	org, err := s.tenants.Organisation(ctx, ses.OrgID)
	if err != nil || org.Disabled() {
		return end("organisation")
	}
	person, err := s.users.Get(ctx, org, ses.UserID)
	if err != nil || !MayUseConsole(person) {
		return end("person")
	}
	// The idle limit counts from the last request; a write a minute is
	// enough to keep it within a minute of the truth.
	if now.Sub(ses.LastSeen) > 0 && now.Sub(ses.LastSeen) >= tilgang.SessionIdle/30 {
		ses.LastSeen = now
		if err := s.store.PutSession(ctx, ses); err != nil {
			s.log.ErrorContext(ctx, "console: touch session", "error", err)
		}
	}
	return &Signed{Session: ses, Person: person, Org: org}, true
}

// NeedsPasskey reports whether the organisation requires passkeys and the
// session was started without one: then only the passkey pages
// (registering) are open to it.
func (q *Signed) NeedsPasskey(registering bool) bool {
	return q.Org.RequirePasskeys && !q.Session.Passkey && !registering
}

// CSRFField is the form field of the CSRF value; a script's JSON request
// sends it in the CSRFHeader instead.
const (
	CSRFField  = "csrf"
	CSRFHeader = "X-CSRF-Token"
)

// CSRFValid reports whether r may change anything under the session: any
// POST carries the session's CSRF value in the form field (which the
// caller has parsed) or the header.
func (q *Signed) CSRFValid(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return true
	}
	token := r.PostForm.Get(CSRFField)
	if token == "" {
		token = r.Header.Get(CSRFHeader)
	}
	return hmac.Equal([]byte(token), []byte(q.Session.CSRF))
}

// Start signs the person in: any session the browser had is deleted and a
// new one, with a new id, begins, so that an id planted before sign-in
// never becomes a signed-in one (no fixation).
func (s *Sessions) Start(ctx context.Context, w http.ResponseWriter, r *http.Request, ref tilgang.SignInRef, passkey bool) error {
	if ck, err := r.Cookie(s.cookie); err == nil && ck.Value != "" && len(ck.Value) <= 64 {
		if err := s.store.DeleteSession(ctx, HashID(ck.Value)); err != nil {
			return err
		}
	}
	id := rand.Text() + rand.Text()
	now := s.now()
	ses := &tilgang.Session{Hash: HashID(id), OrgID: ref.OrgID, UserID: ref.UserID, CSRF: rand.Text(),
		CreatedAt: now, LastSeen: now, AuthAt: now, Passkey: passkey}
	if err := s.store.PutSession(ctx, ses); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: id, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode})
	return nil
}

// End deletes the session and its cookie (signing out).
func (s *Sessions) End(ctx context.Context, w http.ResponseWriter, ses *tilgang.Session) error {
	if err := s.store.DeleteSession(ctx, ses.Hash); err != nil {
		return err
	}
	s.Clear(w)
	return nil
}

// Clear tells the browser to forget its session cookie.
func (s *Sessions) Clear(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode})
}

// HashID is how a session id or a link token is stored: a leaked table
// holds no id that signs anyone in.
func HashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// preCookie holds the browser's own value of the forms before sign-in,
// which their CSRF field signs (double submit).
const preCookie = "console_pre"

// PreIssue returns the CSRF value of a form before sign-in, setting the
// browser's cookie it is bound to if there is none yet.
func (s *Sessions) PreIssue(w http.ResponseWriter, r *http.Request) string {
	value := ""
	if ck, err := r.Cookie(preCookie); err == nil && len(ck.Value) == 26 {
		value = ck.Value
	} else {
		value = rand.Text()
		http.SetCookie(w, &http.Cookie{Name: preCookie, Value: value, Path: tilgang.ConsolePrefix + "/", HttpOnly: true,
			Secure: s.secure, SameSite: http.SameSiteLaxMode})
	}
	return base64.RawURLEncoding.EncodeToString(s.sign("", value))
}

// PreValid reports whether token, a form's field or a script's header,
// is the CSRF value PreIssue gave this browser.
func (s *Sessions) PreValid(r *http.Request, token string) bool {
	ck, err := r.Cookie(preCookie)
	if err != nil || len(ck.Value) != 26 {
		return false
	}
	got, err := base64.RawURLEncoding.Strict().DecodeString(token)
	return err == nil && hmac.Equal(got, s.sign("", ck.Value))
}

// The passkey sign-in ceremony has no session yet: its state rides in a
// signed cookie of its own, good for one ceremony.
const (
	ceremonyCookie = "console_passkey"
	ceremonyPath   = tilgang.ConsolePrefix + "/passkeys/"
)

// SetCeremony keeps data, the state of a ceremony, in the browser for
// tilgang.PasskeyCeremonyTTL.
func (s *Sessions) SetCeremony(w http.ResponseWriter, data []byte) {
	v := base64.RawURLEncoding.EncodeToString(data)
	sig := base64.RawURLEncoding.EncodeToString(s.sign("passkey:", v))
	http.SetCookie(w, &http.Cookie{Name: ceremonyCookie, Value: v + "." + sig, Path: ceremonyPath, HttpOnly: true,
		Secure: s.secure, SameSite: http.SameSiteStrictMode, MaxAge: int(tilgang.PasskeyCeremonyTTL / time.Second)})
}

// Ceremony returns the state SetCeremony kept, if its signature holds,
// and deletes the cookie: a ceremony's state serves once.
func (s *Sessions) Ceremony(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	ck, err := r.Cookie(ceremonyCookie)
	http.SetCookie(w, &http.Cookie{Name: ceremonyCookie, Value: "", Path: ceremonyPath, MaxAge: -1, HttpOnly: true, Secure: s.secure})
	if err != nil {
		return nil, false
	}
	v, sig, ok := strings.Cut(ck.Value, ".")
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(got, s.sign("passkey:", v)) {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return nil, false
	}
	return b, true
}

// sign is the HMAC of purpose+value under the pre-session key; the
// purpose keeps a form's value from passing as a ceremony's signature.
func (s *Sessions) sign(purpose, value string) []byte {
	m := hmac.New(sha256.New, s.preKey)
	m.Write([]byte(purpose + value))
	return m.Sum(nil)
}
