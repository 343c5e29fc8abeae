package tilgang

import (
	"strings"
	"unicode"
)

// HasControl reports whether s holds a character that free text may not:
// a control character (Unicode Cc: C0, DEL, C1 such as NEL), the line and
// paragraph separators U+2028 and U+2029, or a bidirectional formatting
// character (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), which
// can make "moc.live" read as "evil.com".
func HasControl(s string) bool {
	return strings.ContainsFunc(s, isControl)
}

func isControl(r rune) bool {
	switch {
	case unicode.IsControl(r), r == '\u2028', r == '\u2029':
		return true
	case r == '\u061c', r == '\u200e', r == '\u200f',
		r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}
