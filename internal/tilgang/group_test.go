package tilgang

import (
	"errors"
	"strings"
	"testing"
)

func TestFoldName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		same bool
	}{
		{"Økonomi", "øKONOMI", true},
		{" Sales ", "sales", true},
		{"ﬁnance", "Finance", true},           // a ligature, compatibility-equal
		{"Ｓａｌｅｓ", "sales", true},              // full-width letters
		{"Café", "cafe\u0301", true},          // composed and decomposed
		{"Straße", "STRASSE", true},           // full case folding
		{"\u01f0", "J\u030c", true},           // folding that decomposes: ǰ
		{"Sales", "Sales DK", false},          // another name
		{"Økonomi", "Okonomi", false},         // no accent stripping
		{"group\u00a0one", "group one", true}, // no-break space is a space under NFKC
		{"sales-team", "sales team", false},   // punctuation counts
		{"Ⅻ Holdet", "xii holdet", true},      // a Roman numeral letter
		{"2²", "22", true},                    // superscript digit
		{"Admins", "Admins\u200b", false},     // a zero-width space is kept
	}
	for _, tt := range tests {
		if got := FoldName(tt.a) == FoldName(tt.b); got != tt.same {
			t.Errorf("FoldName(%q) = %q, FoldName(%q) = %q; same = %v, want %v", tt.a, FoldName(tt.a), tt.b, FoldName(tt.b), got, tt.same)
		}
		if f := FoldName(tt.a); FoldName(f) != f {
			t.Errorf("FoldName(%q) = %q is not stable: %q", tt.a, f, FoldName(f))
		}
	}
}

func TestUnknownMembers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ids  []string
		want string
	}{
		{nil, "no user of this organisation has this id"},
		{[]string{"u1"}, `no user of this organisation has the id "u1"`},
		{[]string{"u1", "u2"}, `no user of this organisation has any of the ids "u1", "u2"`},
		{strings.Split("a b c d e f g", " "), `no user of this organisation has any of the ids "a", "b", "c", "d", "e" (and 2 more)`},
	}
	for _, tt := range tests {
		e := UnknownMembers(tt.ids)
		if e.Message != tt.want || e.Field != "members" || e.Kind != KindInvalid || !errors.Is(e, ErrUnknownMember) {
			t.Errorf("UnknownMembers(%q) = %+v, want message %q", tt.ids, e, tt.want)
		}
	}
}
