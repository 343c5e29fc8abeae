package console

import (
	"mime"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestAttachment: a download keeps its name, non-ASCII letters included,
// for browsers that read RFC 6266's filename*, and has an ASCII filename
// for the rest.
func TestAttachment(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, want string
	}{
		{"uge49-receipt.csv", `attachment; filename="uge49-receipt.csv"`},
		{"medarbejdere-æøå-receipt.csv", `attachment; filename="medarbejdere-___-receipt.csv"; filename*=UTF-8''medarbejdere-%C3%A6%C3%B8%C3%A5-receipt.csv`},
		{`a "b" c\d.csv`, `attachment; filename="a _b_ c_d.csv"; filename*=UTF-8''a%20%22b%22%20c%5Cd.csv`},
		{"50% rabat; ny.csv", `attachment; filename="50_ rabat; ny.csv"; filename*=UTF-8''50%25%20rabat%3B%20ny.csv`},
	} {
		got := attachment(tc.name)
		if got != tc.want {
			t.Errorf("attachment(%q) = %s, want %s", tc.name, got, tc.want)
		}
		if _, params, err := mime.ParseMediaType(got); err != nil || params["filename"] != tc.name {
			t.Errorf("attachment(%q) = %s reads as %q, %v", tc.name, got, params["filename"], err)
		}
	}
}

// FuzzAttachment: whatever an import's file is called, its download's
// header is one line of ASCII that names the file as it is called.
func FuzzAttachment(f *testing.F) {
	for _, seed := range []string{"uge49.csv", "medarbejdere-æøå.csv", `a"b\c.csv`, "50% rabat;.csv", "😀.csv", "x\r\ny.csv"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := attachment(name)
		for i := 0; i < len(got); i++ {
			if got[i] < 0x20 || got[i] > 0x7e {
				t.Fatalf("attachment(%q) = %q is not a header's ASCII", name, got)
			}
		}
		if !utf8.ValidString(name) || strings.ContainsAny(name, "\x7f") {
			return
		}
		for _, r := range name {
			if r < 0x20 {
				return
			}
		}
		if _, params, err := mime.ParseMediaType(got); err != nil || params["filename"] != name {
			t.Fatalf("attachment(%q) = %s reads as %q, %v", name, got, params["filename"], err)
		}
	})
}
