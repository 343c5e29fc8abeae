package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strings"
)

// csrfField is the name of the form field that carries the CSRF value.
const csrfField = "csrf"

// csrf makes and checks the CSRF field of the forms: a signed double-submit
// cookie. The cookie holds a random value; the field holds an HMAC over that
// value and the link the form belongs to. A field is good only with the
// browser's own cookie and only for its link, and someone who can plant a
// cookie (a sibling subdomain over HTTP) still cannot compute a field.
// http.CrossOriginProtection checks the request's origin in front of it.
//
// The zero value is not usable; New builds it.
type csrf struct {
	key    []byte
	cookie string
	secure bool
}

// csrfValueLen is the length of rand.Text: 26 base32 characters, 128 bits.
const csrfValueLen = 26

// issue returns the field for a form of the link, setting the cookie when
// the browser has none yet. A browser that keeps its cookie keeps the forms
// of its other tabs valid.
//
// The cookie is SameSite=Lax, not Strict: a link opened from a mail client
// is a navigation from another site, which a Strict cookie does not go
// with, so the page would set a new cookie over the browser's own and
// break the forms open in its other tabs. Lax still keeps the cookie from
// every cross-site POST, and a field is bound to the cookie and the link,
// behind http.CrossOriginProtection.
func (c csrf) issue(w http.ResponseWriter, r *http.Request, link string) string {
	value := c.cookieValue(r)
	if value == "" {
		value = rand.Text()
		http.SetCookie(w, &http.Cookie{
			Name: c.cookie, Value: value, Path: "/",
			HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode,
		})
	}
	return c.field(value, link)
}

// valid reports whether the posted form (already parsed) carries the field
// that matches the browser's cookie and the link.
func (c csrf) valid(r *http.Request, link string) bool {
	value := c.cookieValue(r)
	if value == "" {
		return false
	}
	got, err := base64.RawURLEncoding.Strict().DecodeString(r.PostForm.Get(csrfField))
	if err != nil {
		return false
	}
	want, _ := base64.RawURLEncoding.DecodeString(c.field(value, link))
	return hmac.Equal(got, want)
}

// cookieValue returns the browser's well-formed cookie value, or "".
func (c csrf) cookieValue(r *http.Request) string {
	ck, err := r.Cookie(c.cookie)
	if err != nil || len(ck.Value) != csrfValueLen || strings.Trim(ck.Value, base32Alphabet) != "" {
		return ""
	}
	return ck.Value
}

const base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

func (c csrf) field(value, link string) string {
	return base64.RawURLEncoding.EncodeToString(mac(c.key, "csrf", value, link))
}

// mac returns the HMAC-SHA256 of the parts, each one preceded by its
// length, so that no two lists of parts give the same message.
func mac(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(binary.BigEndian.AppendUint32(nil, uint32(len(p))))
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// resultCookie carries the name of the organisation from a successful
// activation (or acceptance of an invitation) to the page it redirects to,
// so that the result page can name the organisation while its address
// holds no token. It is
// signed, so that no one can make the page name another organisation.
//
// The zero value is not usable; New builds it.
type resultCookie struct {
	key    []byte
	name   string
	secure bool
}

// set stores the organisation name for the result page.
func (c resultCookie) set(w http.ResponseWriter, orgName string) {
	enc := base64.RawURLEncoding.EncodeToString([]byte(orgName))
	sig := base64.RawURLEncoding.EncodeToString(mac(c.key, "activated", orgName))
	http.SetCookie(w, &http.Cookie{
		Name: c.name, Value: enc + "." + sig, Path: "/",
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteStrictMode,
	})
}

// get returns the organisation name of a valid cookie.
func (c resultCookie) get(r *http.Request) (string, bool) {
	ck, err := r.Cookie(c.name)
	if err != nil {
		return "", false
	}
	return c.parse(ck.Value)
}

func (c resultCookie) parse(value string) (string, bool) {
	enc, sig, ok := strings.Cut(value, ".")
	if !ok {
		return "", false
	}
	name, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil {
		return "", false
	}
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(c.key, "activated", string(name))) {
		return "", false
	}
	return string(name), true
}
