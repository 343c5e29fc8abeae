package validate

import (
	"errors"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// checkError fails unless err is a complete *tilgang.Error of the wanted
// code that blames no field.
func checkError(t *testing.T, err error, want *tilgang.Error) {
	t.Helper()
	var e *tilgang.Error
	if !errors.As(err, &e) || !errors.Is(err, want) || e.Kind != tilgang.KindInvalid || e.Message == "" || e.Field != "" {
		t.Fatalf("error %#v, want a complete %s", err, want.Code)
	}
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{
		"12345678", " 12 34 56 78 ", "+4512345678", "0045 12345678", "+1234567",
		"+123456789012345", "+0512345678", "0000", "00", "+", "12\u00a034\u00a056\u00a078", "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Phone(s)
		if err != nil {
			checkError(t, err, ErrPhoneFormat)
			return
		}
		rest, intl := strings.CutPrefix(got, "+")
		switch {
		case !allDigits(rest):
			t.Fatalf("Phone(%q) = %q, not digits", s, got)
		case intl && (len(rest) < 7 || len(rest) > 15 || rest[0] == '0'):
			t.Fatalf("Phone(%q) = %q, not E.164", s, got)
		case !intl && len(rest) != 8:
			t.Fatalf("Phone(%q) = %q, not 8 digits", s, got)
		}
		if again, err := Phone(got); err != nil || again != got {
			t.Fatalf("Phone(%q) = %q, %v; want it unchanged", got, again, err)
		}
	})
}

func FuzzEmail(f *testing.F) {
	for _, s := range []string{
		"anna@example.dk", "Anna.Hansen@Example.DK", " anna+hr@mail-1.example.dk ",
		"Anna <anna@example.dk>", `"a b"@example.dk`, "anna@[192.0.2.1]", "anna@localhost",
		"søren@example.dk", "a@b.c", "@", "a@.dk", "a@b..dk", "a(b)@c.dk", "\xff@x.dk",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Email(s)
		if err != nil {
			checkError(t, err, ErrEmailFormat)
			return
		}
		at := strings.LastIndexByte(got, '@')
		if at < 1 || len(got) > 254 || !ascii(got) || strings.ContainsAny(got, " \t\r\n<>\"()[]") {
			t.Fatalf("Email(%q) = %q, not a bare ASCII address", s, got)
		}
		domain := got[at+1:]
		if !strings.Contains(domain, ".") || domain != strings.ToLower(domain) {
			t.Fatalf("Email(%q) = %q, domain must have a dot and be lower case", s, got)
		}
		if !strings.EqualFold(got, strings.TrimSpace(s)) {
			t.Fatalf("Email(%q) = %q, changed more than case", s, got)
		}
		if again, err := Email(got); err != nil || again != got {
			t.Fatalf("Email(%q) = %q, %v; want it unchanged", got, again, err)
		}
	})
}

func FuzzDigits(f *testing.F) {
	for _, c := range []struct {
		s string
		n int
	}{
		{"5790000123456", 13}, {"2,56522E+12", 13}, {"2.56522E+12", 13}, {"6E+12", 8},
		{" 12345678 ", 8}, {"1234 5678", 8}, {"2,E+12", 13}, {"E+12", 4}, {"", 1}, {"0", -1},
	} {
		f.Add(c.s, c.n)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = int(uint(n)%20) + 1 // Digits panics below 1, by design
		got, err := Digits(s, n)
		if err != nil {
			if !errors.Is(err, ErrNumberScientific) {
				checkError(t, err, ErrNumberInvalid)
			}
			return
		}
		if len(got) != n || !allDigits(got) || got != strings.TrimSpace(s) {
			t.Fatalf("Digits(%q, %d) = %q, want %d digits from the input", s, n, got, n)
		}
	})
}
