package cpr

import (
	"errors"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/tilgang"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"0101901234", "010190-1234", " 2902004000 ", "2902001234", "101901234",
		"010119901234", "01011990-1234", "", "-", "0101-901234", "3104901234",
		"0101588000", "999999999", "０１０１９０１２３４", "\x00\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			var e *tilgang.Error
			if !errors.As(err, &e) || e.Code == "" || e.Message == "" || e.Kind != tilgang.KindInvalid {
				t.Fatalf("Parse(%q) error %v is not a complete *Error", s, err)
			}
			if !n.IsZero() {
				t.Fatalf("Parse(%q) failed but returned %v", s, n)
			}
			return
		}
		d := n.Digits()
		if len(d) != 10 || !allDigits(d) {
			t.Fatalf("Parse(%q).Digits() = %q, want 10 digits", s, d)
		}
		if want := strings.Replace(strings.TrimSpace(s), "-", "", 1); d != want {
			t.Fatalf("Parse(%q).Digits() = %q, want %q", s, d, want)
		}
		if m := n.Masked(); len(m) != 11 || m != d[:6]+"-****" {
			t.Fatalf("Parse(%q).Masked() = %q", s, m)
		}
		if got := n.BirthDate().Format("020106"); got != d[:6] {
			t.Fatalf("Parse(%q).BirthDate() = %v, not the date in %q", s, n.BirthDate(), d[:6])
		}
		again, err := Parse(d)
		if err != nil || again != n {
			t.Fatalf("Parse(Digits()) = %v, %v; want %v", again, err, n)
		}
	})
}
