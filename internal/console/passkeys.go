package console

import (
	"bytes"
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Passkeys (WebAuthn): a person registers one after a first sign-in with
// a mailed link, and then signs in with it; an organisation that requires
// passkeys lets a mailed link do nothing but register one. The browser
// side is assets/passkey.js, the one script of the console.

type passkeys struct {
	wa  *webauthn.WebAuthn
	err error // why passkeys are off: the base URL names no host
}

func newPasskeys(base string) *passkeys {
	u, err := url.Parse(base)
	if err != nil || u.Hostname() == "" {
		return &passkeys{err: fmt.Errorf("console: passkeys need a base URL with a host, not %q", base)}
	}
	wa, err := webauthn.New(&webauthn.Config{
		RPID: u.Hostname(), RPDisplayName: "tilgang", RPOrigins: []string{originOf(base)},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: tilgang.PasskeyCeremonyTTL},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: tilgang.PasskeyCeremonyTTL},
		},
	})
	return &passkeys{wa: wa, err: err}
}

// person is a user as go-webauthn sees one.
type person struct {
	u     *tilgang.User
	creds []webauthn.Credential
}

func (p person) WebAuthnID() []byte                         { return []byte(p.u.ID) }
func (p person) WebAuthnName() string                       { return p.u.Email }
func (p person) WebAuthnDisplayName() string                { return displayName(p.u) }
func (p person) WebAuthnCredentials() []webauthn.Credential { return p.creds }

func (c *Console) passkeyRoutes(route routeFunc) {
	c.mux.Handle("GET "+Prefix+"/passkeys", c.signedIn("", true, c.listPasskeys))
	c.mux.Handle("POST "+Prefix+"/passkeys/register/begin", c.signedIn("", true, c.beginRegistration))
	c.mux.Handle("POST "+Prefix+"/passkeys/register/finish", c.signedIn("", true, c.finishRegistration))
	c.mux.HandleFunc("POST "+Prefix+"/passkeys/signin/begin", c.beginPasskeySignIn)
	c.mux.HandleFunc("POST "+Prefix+"/passkeys/signin/finish", c.finishPasskeySignIn)
	// Without JavaScript the sign-in form posts here: tell the person why
	// nothing happened.
	c.mux.HandleFunc("POST "+Prefix+"/passkeys/signin", func(w http.ResponseWriter, r *http.Request) {
		lang := pickLang(r, "")
		c.renderMessage(w, r, http.StatusOK, "passkey.nojs", lang, &navLink{Label: translate(lang, "signin.again"), Href: Prefix + "/signin"})
	})
}

func (c *Console) credentials(q *Request) ([]*tilgang.Passkey, []webauthn.Credential, error) {
	ps, err := c.Store.Passkeys(q.Context(), q.Org.ID, q.Person.ID)
	if err != nil {
		return nil, nil, err
	}
	creds := make([]webauthn.Credential, 0, len(ps))
	for _, p := range ps {
		var cr webauthn.Credential
		if err := json.Unmarshal(p.Credential, &cr); err != nil {
			return nil, nil, fmt.Errorf("console: passkey: %w", err)
		}
		creds = append(creds, cr)
	}
	return ps, creds, nil
}

type passkeysPage struct {
	Keys     []passkeyRow
	Required bool // the organisation requires passkeys and this session has none yet
	Notice   string
}

type passkeyRow struct{ Created string }

func (c *Console) listPasskeys(w http.ResponseWriter, q *Request) {
	ps, _, err := c.credentials(q)
	if err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	p := passkeysPage{Required: q.Org.RequirePasskeys && !q.Session.Passkey}
	if q.URL.Query().Get("done") == "registered" {
		p.Notice = q.T("passkey.registered")
	}
	for _, k := range ps {
		p.Keys = append(p.Keys, passkeyRow{Created: view{Lang: q.Lang}.Time(k.CreatedAt)})
	}
	q.Render(w, http.StatusOK, "passkeys.html", "passkeys", q.T("passkeys.title"), p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (c *Console) beginRegistration(w http.ResponseWriter, q *Request) {
	if c.passkeys.err != nil {
		c.serverError(w, q.Request, q.Lang, c.passkeys.err)
		return
	}
	_, creds, err := c.credentials(q)
	if err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	p := person{u: q.Person, creds: creds}
	var exclude []protocol.CredentialDescriptor
	for _, cr := range creds {
		exclude = append(exclude, cr.Descriptor())
	}
	opts, data, err := c.passkeys.wa.BeginRegistration(p,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExclusions(exclude))
	if err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	if q.Session.Challenge, err = json.Marshal(data); err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	if err := c.Store.PutSession(q.Context(), q.Session); err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	writeJSON(w, http.StatusOK, opts)
}

func (c *Console) finishRegistration(w http.ResponseWriter, q *Request) {
	var data webauthn.SessionData
	if len(q.Session.Challenge) == 0 || json.Unmarshal(q.Session.Challenge, &data) != nil || c.passkeys.err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": q.T("passkey.failed")})
		return
	}
	_, creds, err := c.credentials(q)
	if err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	cred, err := c.passkeys.wa.FinishRegistration(person{u: q.Person, creds: creds}, data, q.Request)
	if err != nil {
		c.log.InfoContext(q.Context(), "console: passkey registration refused", "error", err)
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": q.T("passkey.failed")})
		return
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	if err := c.Store.PutPasskey(q.Context(), &tilgang.Passkey{ID: cred.ID, OrgID: q.Org.ID, UserID: q.Person.ID,
		Credential: raw, CreatedAt: c.now().UTC()}); err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	// Holding the passkey just proved is as good as signing in with it.
	q.Session.Challenge, q.Session.Passkey = nil, true
	if err := c.Store.PutSession(q.Context(), q.Session); err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"next": Prefix + "/passkeys?done=registered"})
}

// The sign-in ceremony has no session yet: its state rides in a signed
// cookie of its own, good for one ceremony.
const ceremonyCookie = "console_passkey"

func (c *Console) setCeremony(w http.ResponseWriter, data *webauthn.SessionData) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	v := base64.RawURLEncoding.EncodeToString(b)
	sig := base64.RawURLEncoding.EncodeToString(hmacSum(c.preKey, "passkey:"+v))
	http.SetCookie(w, &http.Cookie{Name: ceremonyCookie, Value: v + "." + sig, Path: Prefix + "/passkeys/", HttpOnly: true,
		Secure: c.secure, SameSite: http.SameSiteStrictMode, MaxAge: int(tilgang.PasskeyCeremonyTTL / time.Second)})
	return nil
}

func (c *Console) ceremony(w http.ResponseWriter, r *http.Request) (webauthn.SessionData, bool) {
	var data webauthn.SessionData
	ck, err := r.Cookie(ceremonyCookie)
	http.SetCookie(w, &http.Cookie{Name: ceremonyCookie, Value: "", Path: Prefix + "/passkeys/", MaxAge: -1, HttpOnly: true, Secure: c.secure})
	if err != nil {
		return data, false
	}
	v, sig, ok := strings.Cut(ck.Value, ".")
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(got, hmacSum(c.preKey, "passkey:"+v)) {
		return data, false
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || json.Unmarshal(b, &data) != nil {
		return data, false
	}
	return data, true
}

// preValidJSON checks the pre-session CSRF value a script sends in the
// X-CSRF-Token header.
func (c *Console) preValidJSON(r *http.Request) bool {
	ck, err := r.Cookie(preCookie)
	if err != nil || len(ck.Value) != 26 {
		return false
	}
	got, err := base64.RawURLEncoding.Strict().DecodeString(r.Header.Get("X-CSRF-Token"))
	return err == nil && hmac.Equal(got, hmacSum(c.preKey, ck.Value))
}

func (c *Console) beginPasskeySignIn(w http.ResponseWriter, r *http.Request) {
	if !c.preValidJSON(r) {
		c.forbidden(w, r)
		return
	}
	if c.passkeys.err != nil {
		c.serverError(w, r, pickLang(r, ""), c.passkeys.err)
		return
	}
	opts, data, err := c.passkeys.wa.BeginDiscoverableLogin()
	if err == nil {
		err = c.setCeremony(w, data)
	}
	if err != nil {
		c.serverError(w, r, pickLang(r, ""), err)
		return
	}
	writeJSON(w, http.StatusOK, opts)
}

func (c *Console) finishPasskeySignIn(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r, "")
	if !c.preValidJSON(r) {
		c.forbidden(w, r)
		return
	}
	data, ok := c.ceremony(w, r)
	if !ok || c.passkeys.err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": translate(lang, "passkey.failed")})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	ctx := r.Context()
	var found *tilgang.Passkey
	var org *tilgang.Organisation
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		p, err := c.Store.Passkey(ctx, rawID)
		if err != nil {
			return nil, err
		}
		if org, err = c.Tenants.Organisation(ctx, p.OrgID); err != nil || org.Disabled() {
			return nil, errors.New("console: the passkey's organisation is gone or disabled")
		}
		u, err := c.Users.Get(ctx, org, p.UserID)
		if err != nil || !mayUseConsole(u) || !bytes.Equal(userHandle, []byte(u.ID)) {
			return nil, errors.New("console: the passkey's user may not sign in")
		}
		var cr webauthn.Credential
		if err := json.Unmarshal(p.Credential, &cr); err != nil {
			return nil, err
		}
		found = p
		return person{u: u, creds: []webauthn.Credential{cr}}, nil
	}
	_, cred, err := c.passkeys.wa.FinishPasskeyLogin(handler, data, r)
	if err != nil || found == nil {
		c.log.InfoContext(ctx, "console: passkey sign-in refused", "error", err)
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": translate(lang, "passkey.failed")})
		return
	}
	if raw, err := json.Marshal(cred); err == nil {
		found.Credential = raw
		if err := c.Store.UpdatePasskey(ctx, found); err != nil {
			c.log.ErrorContext(ctx, "console: passkey sign count", "error", err)
		}
	}
	if err := c.startSession(ctx, w, r, tilgang.SignInRef{OrgID: found.OrgID, UserID: found.UserID}, true); err != nil {
		c.serverError(w, r, lang, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"next": localPath(r.URL.Query().Get("next"))})
}
