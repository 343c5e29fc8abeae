package tilgang

import (
	"testing"
	"unicode/utf8"
)

func TestFoldUserName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, a, b string
		same       bool
	}{
		{"case", "Max@Example.com", "max@example.com", true},
		{"trimmed", "  max@example.com\t", "max@example.com", true},
		{"full-width letter", "ｍax@example.com", "max@example.com", true},
		{"full-width all", "ＭＡＸ＠ＥＸＡＭＰＬＥ．ＣＯＭ", "max@example.com", true},
		{"ligature fi", "ﬁnn", "finn", true},
		{"ligature ffl", "waﬄe", "waffle", true},
		{"sharp s", "Straße", "STRASSE", true},
		{"capital sharp s", "STRAẞE", "strasse", true},
		{"Kelvin sign", "\u212Aim", "kim", true},
		{"Angstrom sign", "\u212Bse", "åse", true},
		{"combining acute", "Se\u0301verine", "Séverine", true},
		{"combining ring", "A\u030Ase", "åse", true},
		{"superscript two", "anna²", "anna2", true},
		{"circled", "ⓜax", "max", true},
		{"Greek final sigma", "ΟΔΟΣ", "οδος", true},
		{"micro sign", "µ", "μ", true},
		{"ideographic space trimmed", "\u3000max\u3000", "max", true},
		// Without a Turkish locale, case folding keeps the dotless ı apart
		// from i, and folds the dotted İ to i with a combining dot: three
		// names, as the Unicode default folding has them.
		{"dotless i", "ıvar", "ivar", false},
		{"dotted capital I", "İvar", "ivar", false},
		{"capital I", "Ivar", "ivar", true},
		{"Cyrillic e is not Latin e", "j\u0435ns", "jens", false},
		{"Greek omicron is not Latin o", "b\u03BFb", "bob", false},
		{"zero-width space stays", "ma\u200Bx", "max", false},
		{"ae is not æ", "aeble", "æble", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fa, fb := FoldUserName(tt.a), FoldUserName(tt.b)
			if (fa == fb) != tt.same {
				t.Errorf("FoldUserName(%q) = %q, FoldUserName(%q) = %q; same = %v, want %v", tt.a, fa, tt.b, fb, fa == fb, tt.same)
			}
			for _, f := range []string{fa, fb} {
				if FoldUserName(f) != f {
					t.Errorf("FoldUserName(%q) = %q, not itself", f, FoldUserName(f))
				}
			}
		})
	}
}

// TestLegacyFoldUserName pins the fold the old guards were keyed by: the
// guard migration finds them with it.
func TestLegacyFoldUserName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Max@Example.com": "max@example.com",
		"ｍax":             "ｍax",
		"ﬁnn":             "finn", // full case folding splits the ligature
		"Straße":          "strasse",
		"Se\u0301verine":  "séverine",
	} {
		if got := LegacyFoldUserName(in); got != want {
			t.Errorf("LegacyFoldUserName(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzFoldUserName checks that a folded name folds to itself, so that a
// guard key and a look-up of the same name always meet, and that on ASCII,
// the only text an e-mail address may hold (validate.Email), the new fold
// and the legacy one agree: invitee guards and e-mail userNames need no
// migration.
func FuzzFoldUserName(f *testing.F) {
	for _, s := range []string{"max@example.com", "ｍax", "ﬁ", "ß", "\u212A", "e\u0301", "ǰ", "¨", " \u0345", "ΐ", "İ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		once := FoldUserName(s)
		if twice := FoldUserName(once); twice != once {
			t.Fatalf("FoldUserName(%q) = %q, but FoldUserName(%q) = %q", s, once, once, twice)
		}
		if isASCII(s) && LegacyFoldUserName(s) != once {
			t.Fatalf("on ASCII %q, LegacyFoldUserName = %q but FoldUserName = %q", s, LegacyFoldUserName(s), once)
		}
	})
}

// BenchmarkFoldUserName: the fold is on the path of every create and
// `userName eq` filter. "legacy" is the NFC fold it replaced.
func BenchmarkFoldUserName(b *testing.B) {
	for _, name := range []string{"Anna.Hansen@Example.dk", "Søren.Ærø@example.dk", "ｍax@example.com"} {
		for _, fold := range []struct {
			name string
			fn   func(string) string
		}{{"fold", FoldUserName}, {"legacy", LegacyFoldUserName}} {
			b.Run(fold.name+"/"+name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					fold.fn(name)
				}
			})
		}
	}
}
