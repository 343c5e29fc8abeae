package filter

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/tilgang/tilgang/internal/scim/resource"
	"github.com/tilgang/tilgang/internal/scim/schema"
)

// The seed corpora are in testdata/fuzz: filters that Entra ID and Okta
// send, and the crashers the fuzzers found.

func FuzzParse(f *testing.F) {
	r := decode(f, user)
	elem := map[string]any{"value": "a@x.dk", "type": "work", "primary": true}
	u, g := schema.User(), schema.Group()
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			var se *resource.Error
			if !errors.As(err, &se) || se.ScimType != "invalidFilter" || !utf8.ValidString(se.Detail) {
				t.Fatalf("Parse(%q) error %#v is not invalidFilter", s, err)
			}
			return
		}
		if e == nil {
			t.Fatalf("Parse(%q) = nil, nil", s)
		}
		Match(e, r, Options{})
		Match(e, r, Options{CaseExact: func(string, string) bool { return true }})
		MatchValue(e, elem, Options{})
		_ = Validate(e, u.Core(), u.Extensions()...)
		_ = Validate(e, g.Core())
		if attr, _, ok := KeyLookup(e); ok != (attr != "") {
			t.Fatalf("KeyLookup(%q) = %q, %v", s, attr, ok)
		}
	})
}

func FuzzNormalise(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalise(s)
		if again := Normalise(n); again != n {
			t.Fatalf("Normalise not idempotent:\n in    %q\n once  %q\n twice %q", s, n, again)
		}
	})
}
