package validate

import (
	"errors"
	"strings"
	"testing"
)

func TestEmail(t *testing.T) {
	t.Parallel()
	// address builds local@bbb.ccc.ddd.dk of the given total length.
	address := func(total int) string {
		s := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "."
		return s + strings.Repeat("d", total-len(s)-3) + ".dk"
	}
	tests := []struct {
		name, in, want string
	}{
		{"plain", "anna@example.dk", "anna@example.dk"},
		{"trimmed", "  anna@example.dk\t", "anna@example.dk"},
		{"domain lower-cased, local kept", "Anna.Hansen@Example.DK", "Anna.Hansen@example.dk"},
		{"plus and hyphen", "anna+hr@mail-1.example.dk", "anna+hr@mail-1.example.dk"},
		{"254 characters", address(254), address(254)},
		{"255 characters", address(255), ""},
		{"local part 65", strings.Repeat("a", 65) + "@example.dk", ""},
		{"display name", "Anna <anna@example.dk>", ""},
		{"angle brackets", "<anna@example.dk>", ""},
		{"comment", "anna@example.dk (Anna)", ""},
		{"quoted local part", `"anna hansen"@example.dk`, ""},
		{"leading dot in local part", ".anna@example.dk", ""},
		{"double dot in local part", "anna..h@example.dk", ""},
		{"no dot in domain", "anna@localhost", ""},
		{"domain literal", "anna@[192.0.2.1]", ""},
		{"ip address", "anna@192.0.2.1", ""},
		{"empty label", "anna@example..dk", ""},
		{"trailing dot", "anna@example.dk.", ""},
		{"hyphen at label start", "anna@-example.dk", ""},
		{"underscore in domain", "anna@ex_ample.dk", ""},
		{"non-ASCII local", "søren@example.dk", ""},
		{"non-ASCII domain", "anna@æblehaven.dk", ""},
		{"two addresses", "anna@example.dk, bo@example.dk", ""},
		{"no at", "anna.example.dk", ""},
		{"two ats", "anna@bo@example.dk", ""},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Email(tc.in)
			if tc.want == "" {
				if !errors.Is(err, ErrEmailFormat) || got != "" {
					t.Errorf("Email(%q) = %q, %v; want ErrEmailFormat", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("Email(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}
