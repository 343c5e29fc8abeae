package cpr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
)

func TestParse(t *testing.T) {
	t.Parallel()
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		in     string
		digits string
		born   time.Time
		err    error
	}{
		{"1900s", "0101901234", "0101901234", date(1990, time.January, 1), nil},
		{"digit 3 is 1900s", "3112993999", "3112993999", date(1999, time.December, 31), nil},
		{"digit 4 yy 36 is 2000s", "0101364000", "0101364000", date(2036, time.January, 1), nil},
		{"digit 4 yy 37 is 1900s", "0101374000", "0101374000", date(1937, time.January, 1), nil},
		{"digit 9 yy 00 is 2000s", "0101009000", "0101009000", date(2000, time.January, 1), nil},
		{"digit 9 yy 37 is 1900s", "0101379000", "0101379000", date(1937, time.January, 1), nil},
		{"digit 5 yy 57 is 2000s", "0101575000", "0101575000", date(2057, time.January, 1), nil},
		{"digit 8 yy 58 is 1800s", "0101588000", "0101588000", date(1858, time.January, 1), nil},
		{"2000s", "1506125123", "1506125123", date(2012, time.June, 15), nil},
		{"29 Feb leap 2004", "2902045000", "2902045000", date(2004, time.February, 29), nil},
		{"29 Feb leap 2000", "2902004000", "2902004000", date(2000, time.February, 29), nil},
		{"29 Feb leap 1896", "2902966000", "2902966000", date(1896, time.February, 29), nil},
		{"29 Feb 1900 not leap", "2902001234", "", time.Time{}, ErrInvalidDate},
		{"29 Feb 1903 not leap", "2902031234", "", time.Time{}, ErrInvalidDate},
		{"31 Apr", "3104901234", "", time.Time{}, ErrInvalidDate},
		{"day 00", "0001901234", "", time.Time{}, ErrInvalidDate},
		{"day 32", "3201901234", "", time.Time{}, ErrInvalidDate},
		{"month 00", "0100901234", "", time.Time{}, ErrInvalidDate},
		{"month 13", "0113901234", "", time.Time{}, ErrInvalidDate},
		{"dash form", "010190-1234", "0101901234", date(1990, time.January, 1), nil},
		{"dash form invalid date", "310490-1234", "", time.Time{}, ErrInvalidDate},
		{"surrounding spaces", "  0101901234\t ", "0101901234", date(1990, time.January, 1), nil},
		{"inner space", "010190 1234", "", time.Time{}, ErrFormat},
		{"dash misplaced", "0101-901234", "", time.Time{}, ErrFormat},
		{"two dashes", "010190--1234", "", time.Time{}, ErrFormat},
		{"letter", "01019O1234", "", time.Time{}, ErrFormat},
		{"full-width digits", "０１０１９０１２３４", "", time.Time{}, ErrFormat},
		{"9 digits, zero lost", "101901234", "", time.Time{}, ErrLeadingZeroLost},
		{"9 digits, not a date with zero", "991901234", "", time.Time{}, ErrFormat},
		{"8 digits", "01019012", "", time.Time{}, ErrFormat},
		{"11 digits", "01019012345", "", time.Time{}, ErrFormat},
		{"12 digits", "010119901234", "", time.Time{}, ErrTwelveDigits},
		{"12 digits with dash", "01011990-1234", "", time.Time{}, ErrTwelveDigits},
		{"empty", "", "", time.Time{}, ErrFormat},
		{"blank", "   ", "", time.Time{}, ErrFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n, err := Parse(tc.in)
			if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Fatalf("Parse(%q) error = %v, want %v", tc.in, err, tc.err)
			}
			if got := n.Digits(); got != tc.digits {
				t.Errorf("Parse(%q).Digits() = %q, want %q", tc.in, got, tc.digits)
			}
			if got := n.BirthDate(); !got.Equal(tc.born) {
				t.Errorf("Parse(%q).BirthDate() = %v, want %v", tc.in, got, tc.born)
			}
			if n.IsZero() != (tc.err != nil) {
				t.Errorf("Parse(%q).IsZero() = %v", tc.in, n.IsZero())
			}
		})
	}
}

func TestErrorFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *tilgang.Error
		code string
		says string // a word the message must contain
	}{
		{ErrFormat, "cpr.format", "10 digits"},
		{ErrInvalidDate, "cpr.invalid_date", "date"},
		{ErrLeadingZeroLost, "cpr.leading_zero_lost", "Text"},
		{ErrTwelveDigits, "cpr.twelve_digits", "10 digits"},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			if tc.err.Code != tc.code || tc.err.Kind != tilgang.KindInvalid || tc.err.Field != "" {
				t.Errorf("%#v: want an invalid-value error %q without a field", tc.err, tc.code)
			}
			if !strings.Contains(tc.err.Message, tc.says) {
				t.Errorf("Message = %q; want it to say %q", tc.err.Message, tc.says)
			}
			var e *tilgang.Error
			wrapped := fmt.Errorf("row 3: %w", tc.err.At("cpr"))
			if !errors.As(wrapped, &e) || e.Code != tc.code || e.Field != "cpr" {
				t.Errorf("errors.As on a wrapped error gave %v", e)
			}
			if !errors.Is(wrapped, &tilgang.Error{Code: tc.code}) || !errors.Is(wrapped, tc.err) {
				t.Errorf("errors.Is does not match by code")
			}
		})
	}
}

// secret is a valid number whose last four digits appear nowhere else in
// the masked output or the test's other strings.
const secret = "1505823917"

func mustParse(t testing.TB, s string) Number {
	t.Helper()
	n, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return n
}

func TestMasked(t *testing.T) {
	t.Parallel()
	n := mustParse(t, secret)
	if got, want := n.Masked(), "150582-****"; got != want {
		t.Errorf("Masked() = %q, want %q", got, want)
	}
	var zero Number
	if zero.Masked() != "" || zero.String() != "" || zero.Digits() != "" || !zero.BirthDate().IsZero() {
		t.Errorf("zero Number: Masked %q, String %q, Digits %q, BirthDate %v", zero.Masked(), zero.String(), zero.Digits(), zero.BirthDate())
	}
	if n != mustParse(t, "150582-3917") {
		t.Errorf("two parses of one number are not ==")
	}
	if n == mustParse(t, "1505823918") {
		t.Errorf("two different numbers are ==")
	}
}

// TestNoLeak checks every way a Number is commonly turned into text.
func TestNoLeak(t *testing.T) {
	t.Parallel()
	n := mustParse(t, secret)
	type holder struct {
		Exported Number
		hidden   Number
		ptr      *Number
	}
	h := holder{Exported: n, hidden: n, ptr: &n}
	jsonOf := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	slogOf := func(newHandler func(*bytes.Buffer) slog.Handler) string {
		var buf bytes.Buffer
		slog.New(newHandler(&buf)).Info("user", "cpr", n, "holder", h, "ptr", &n)
		return buf.String()
	}
	text, _ := n.MarshalText()
	outputs := map[string]string{
		"%v":        fmt.Sprintf("%v", n),
		"%+v":       fmt.Sprintf("%+v", n),
		"%#v":       fmt.Sprintf("%#v", n),
		"%s":        fmt.Sprintf("%s", n),
		"%q":        fmt.Sprintf("%q", n),
		"%x":        fmt.Sprintf("%x", n),
		"%d":        fmt.Sprintf("%d", n),
		"%20v":      fmt.Sprintf("%20v", n),
		"pointer":   fmt.Sprintf("%v %+v", &n, &n),
		"holder %v": fmt.Sprintf("%v", h),
		"holder +v": fmt.Sprintf("%+v", h),
		"holder #v": fmt.Sprintf("%#v", h),
		"slice":     fmt.Sprint([]Number{n}),
		"map":       fmt.Sprint(map[string]Number{"k": n}),
		"GoString":  n.GoString(),
		"text":      string(text),
		"json":      jsonOf(n),
		"json map":  jsonOf(map[Number]int{n: 1}),
		"json hold": jsonOf(h),
		"slog json": slogOf(func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }),
		"slog text": slogOf(func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }),
		"error":     fmt.Errorf("user %v", n).Error(),
	}
	for name, out := range outputs {
		if strings.Contains(out, "3917") {
			t.Errorf("%s leaks the number: %s", name, out)
		}
		if name == "%x" {
			if strings.Contains(out, fmt.Sprintf("%x", "3917")) {
				t.Errorf("%%x leaks the number in hex: %s", out)
			}
			continue
		}
		if !strings.Contains(out, "150582-****") {
			t.Errorf("%s does not show the masked form: %s", name, out)
		}
	}
	if got, want := jsonOf(n), `"150582-****"`; got != want {
		t.Errorf("json = %s, want %s", got, want)
	}
	if got, want := jsonOf(struct {
		N Number `json:"n,omitzero"`
	}{}), `{}`; got != want {
		t.Errorf("json of zero with omitzero = %s, want %s", got, want)
	}
}
