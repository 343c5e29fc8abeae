package session

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tilgang/tilgang/internal/i18n"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// LocalPath returns p when it is an address inside the console to send a
// browser back to, else the console's start page: a next parameter must
// never send anyone to another site.
func LocalPath(p string) string {
	const prefix = tilgang.ConsolePrefix
	const home = prefix + "/"
	if p == "" || len(p) > 512 || !strings.HasPrefix(p, prefix+"/") {
		return home
	}
	if strings.ContainsAny(p, "\\\x00\r\n\t") || strings.Contains(p, "//") || strings.Contains(p, "/..") {
		return home
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return home
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return home
		}
	}
	if !strings.HasPrefix(u.Path, prefix+"/") || strings.Contains(u.Path, "//") {
		return home
	}
	return p
}

// Origin returns the scheme://host[:port] of a base URL, or "": the
// origin cross-origin protection trusts and passkeys are bound to.
func Origin(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// LangParam is the query parameter of the console's language switch and
// the form field that keeps the choice across a POST; LangCookie keeps it
// across pages and the passkey ceremonies' answers.
const (
	LangParam  = "lang"
	LangCookie = "console_lang"
)

// Lang returns "da" or "en" for r: the switch's choice, the cookie, the
// browser's Accept-Language, fallback (the organisation's), else Danish.
func Lang(r *http.Request, fallback string) string {
	return i18n.Pick(r, LangParam, LangCookie, fallback)
}
