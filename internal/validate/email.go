package validate

import (
	"net/mail"
	"strings"
)

// Email checks an e-mail address and returns it with the domain in lower
// case (the local part is left alone: it may be case-sensitive). It accepts
// only a bare address: no display name, angle brackets, comments or quoted
// local part, since the value is stored and used as a user name.
//
// Beyond net/mail's syntax, the address must be ASCII (SES v2 cannot deliver
// to non-ASCII local parts, and wants internationalised domains in their
// xn-- form), at most 254 characters with a local part of at most 64, and
// the domain must be a host name with a dot in it: a mistyped "name@firma"
// would otherwise be stored and every mail to it lost.
func Email(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > 254 || !ascii(s) {
		return "", ErrEmailFormat
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", ErrEmailFormat
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if len(local) > 64 || !hostName(domain) {
		return "", ErrEmailFormat
	}
	return local + "@" + strings.ToLower(domain), nil
}

// hostName reports whether s is at least two dot-separated labels of
// letters, digits and inner hyphens, with a top-level label that is not all
// digits (so an IP address is refused).
func hostName(s string) bool {
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !isDigit(c) && !isLetter(c) && c != '-' {
				return false
			}
		}
	}
	return !allDigits(labels[len(labels)-1])
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
