// Package cpr parses Danish CPR numbers and keeps them from leaking.
//
// A CPR number is sensitive personal data. A Number prints, logs and
// marshals only in its masked form DDMMYY-****; the full digits come out
// only through Digits, and at rest a Vault keeps a keyed look-up hash and an
// encrypted copy instead of the number.
package cpr

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unique"
)

// Number is a syntactically valid CPR number. The zero value is "no number":
// IsZero reports true, Digits and Masked return "" and BirthDate the zero
// time. Numbers are comparable with ==.
//
// The digits sit behind a unique.Handle rather than in a plain string field
// because fmt prints a struct's unexported fields by reflection, without
// calling their methods: a plain string would leak through
// fmt.Sprint(struct{ n cpr.Number }{n}). A handle holds a pointer, which fmt
// prints as an address, yet keeps == meaning "same number".
type Number struct {
	digits unique.Handle[string]
}

// Parse reads a CPR number written DDMMYYSSSS or DDMMYY-SSSS, ignoring
// surrounding white space. The date part must be a real date in the century
// the seventh digit gives. There is no modulus-11 check: numbers issued since
// 2007 need not pass it.
//
// The errors are ErrFormat, ErrInvalidDate, ErrLeadingZeroLost (nine digits
// that are a valid number with a zero in front: what Excel makes of a CPR
// column formatted as a number) and ErrTwelveDigits (the DDMMYYYYSSSS form
// one English guide shows).
func Parse(s string) (Number, error) {
	s = strings.TrimSpace(s)
	switch {
	case len(s) == 11 && s[6] == '-' && allDigits(s[:6]) && allDigits(s[7:]):
		s = s[:6] + s[7:]
	case len(s) == 10 && allDigits(s):
	case len(s) == 9 && allDigits(s):
		if _, ok := birthDate("0" + s); ok {
			return Number{}, ErrLeadingZeroLost
		}
		return Number{}, ErrFormat
	case len(s) == 12 && allDigits(s),
		len(s) == 13 && s[8] == '-' && allDigits(s[:8]) && allDigits(s[9:]):
		return Number{}, ErrTwelveDigits
	default:
		return Number{}, ErrFormat
	}
	if _, ok := birthDate(s); !ok {
		return Number{}, ErrInvalidDate
	}
	return Number{digits: unique.Make(s)}, nil
}

// IsZero reports whether n is the zero Number. With it, a struct field of
// type Number can be tagged `json:",omitzero"`.
func (n Number) IsZero() bool { return n.digits == unique.Handle[string]{} }

// Digits returns all ten digits, DDMMYYSSSS. Only the few places that must
// have the number (sealing, hashing, an identity check) should call it.
func (n Number) Digits() string {
	if n.IsZero() {
		return ""
	}
	return n.digits.Value()
}

// BirthDate returns the date of birth at midnight UTC.
func (n Number) BirthDate() time.Time {
	t, _ := birthDate(n.Digits())
	return t
}

// Masked returns DDMMYY-****, the only form that may be shown or logged.
func (n Number) Masked() string {
	if n.IsZero() {
		return ""
	}
	return n.Digits()[:6] + "-****"
}

// String returns the masked form.
func (n Number) String() string { return n.Masked() }

// GoString returns the masked form, so that %#v does not leak either.
func (n Number) GoString() string { return n.Masked() }

// Format implements fmt.Formatter. Without it, verbs other than %v, %s, %q
// and %x (say %d) would print the struct by reflection, digits and all.
func (n Number) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, n.GoString())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), n.Masked())
}

// LogValue implements slog.LogValuer with the masked form.
func (n Number) LogValue() slog.Value { return slog.StringValue(n.Masked()) }

// MarshalText returns the masked form. There is deliberately no
// UnmarshalText: the masked form cannot be read back, and input must go
// through Parse so that its errors reach the user.
func (n Number) MarshalText() ([]byte, error) { return []byte(n.Masked()), nil }

// MarshalJSON returns the masked form as a JSON string ("" for the zero
// Number).
func (n Number) MarshalJSON() ([]byte, error) { return []byte(`"` + n.Masked() + `"`), nil }

// birthDate reads the date part of ten digits, with the century from the
// seventh digit as the CPR office defines it.
func birthDate(digits string) (time.Time, bool) {
	if len(digits) != 10 || !allDigits(digits) {
		return time.Time{}, false
	}
	day := num(digits[0:2])
	month := num(digits[2:4])
	yy := num(digits[4:6])
	year := century(digits[6], yy) + yy
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	// time.Date normalises 31 April to 1 May; a round trip catches that.
	if t.Day() != day || int(t.Month()) != month {
		return time.Time{}, false
	}
	return t, true
}

// century returns 1800, 1900 or 2000 from the seventh digit d7 and the
// two-digit year yy.
func century(d7 byte, yy int) int {
	switch d7 {
	case '0', '1', '2', '3':
		return 1900
	case '4', '9':
		if yy <= 36 {
			return 2000
		}
		return 1900
	default: // 5 to 8
		if yy <= 57 {
			return 2000
		}
		return 1800
	}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// num converts two ASCII digits.
func num(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }
