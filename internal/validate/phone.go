package validate

import (
	"strings"
	"unicode"
)

// Phone checks a phone number and returns it without white space. It
// accepts a Danish number of exactly 8 digits, returned as is, or an E.164
// number: + (or the international prefix 00) followed by 7 to 15 digits,
// the first of which (the country code's) is not 0. The result is either
// 8 digits or + and digits.
func Phone(s string) (string, error) {
	// All white space, not only ASCII spaces: Excel and web forms group
	// digits with no-break spaces too.
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if rest, ok := strings.CutPrefix(s, "00"); ok {
		s = "+" + rest
	}
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		if len(rest) < 7 || len(rest) > 15 || rest[0] == '0' || !allDigits(rest) {
			return "", ErrPhoneFormat
		}
		return s, nil
	}
	if len(s) != 8 || !allDigits(s) {
		return "", ErrPhoneFormat
	}
	return s, nil
}
