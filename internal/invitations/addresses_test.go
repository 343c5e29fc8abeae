package invitations_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/tilgang"
)

func TestSplitAddresses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want []string
	}{
		{"", nil},
		{"anna@example.dk", []string{"anna@example.dk"}},
		{"anna@example.dk\r\nbo@example.dk\n\n", []string{"anna@example.dk", "bo@example.dk"}},
		{"anna@example.dk, bo@example.dk;carl@example.dk", []string{"anna@example.dk", "bo@example.dk", "carl@example.dk"}},
		{"anna@example.dk bo@example.dk\tcarl@example.dk", []string{"anna@example.dk", "bo@example.dk", "carl@example.dk"}},
		{`Anna Berg <anna@example.dk>; "Bo, Jensen" <bo@example.dk>`, []string{"anna@example.dk", "Bo", "bo@example.dk"}},
		{"<anna@example.dk>", []string{"anna@example.dk"}},
		{"anna@example.dk anna@example.dk", []string{"anna@example.dk", "anna@example.dk"}}, // Invite reports the duplicate
		{"not an address", []string{"not", "an", "address"}},                                // and these as invalid
	}
	for _, tc := range tests {
		if got := invitations.SplitAddresses(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("SplitAddresses(%q) = %q; want %q", tc.text, got, tc.want)
		}
	}
	var many []string
	for i := range 1000 {
		many = append(many, fmt.Sprintf("u%d@example.dk", i))
	}
	if got := invitations.SplitAddresses(strings.Join(many, "\n")); len(got) != tilgang.MaxInvitations+1 {
		t.Errorf("%d addresses read of 1000; want %d", len(got), tilgang.MaxInvitations+1)
	}
}

// FuzzSplitAddresses: any text splits into at most MaxInvitations+1
// non-empty addresses without separators, each a part of the text.
func FuzzSplitAddresses(f *testing.F) {
	for _, s := range []string{"anna@example.dk", "a@b, c@d; e@f\n", `Anna <anna@example.dk>`, "<>", "<<a>>", "a<b", "\xff<\xfe>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := invitations.SplitAddresses(text)
		if len(got) > tilgang.MaxInvitations+1 {
			t.Fatalf("%d addresses", len(got))
		}
		for _, a := range got {
			if a == "" || !strings.Contains(text, a) || strings.ContainsAny(a, ",;\r\n") || strings.ContainsFunc(a, unicode.IsSpace) {
				t.Fatalf("address %q of %q", a, text)
			}
		}
	})
}
