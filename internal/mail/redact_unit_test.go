package mail_test

import (
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/mail"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"MessageRejected", "MessageRejected"},
		{"refused for anna@example.dk", "refused for <address>"},
		{`{"message": "not verified: Anna.Hansen+x@firma.example.dk"}`, `{"message": "not verified: <address>"}`},
		{"<anna@example.dk>, bo@x", "<<address>>, <address>"},
		{"to=anna@example.dk;cc=bo@example.dk", "<address>;<address>"},
		{"a @ b", "a <address> b"},
		{"åse@eksempel.dk", "<address>"},
	}
	for _, tt := range tests {
		if got := mail.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzRedact: the result never holds an "@", and redacting twice changes
// nothing more.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{"anna@example.dk", "x <a@b> y", "@@@", "a\n@\tb", "\xff@\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := mail.Redact(s)
		if strings.Contains(got, "@") {
			t.Fatalf("Redact(%q) = %q holds an @", s, got)
		}
		if again := mail.Redact(got); again != got {
			t.Fatalf("Redact is not idempotent: %q, then %q", got, again)
		}
	})
}
