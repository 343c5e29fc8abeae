package filter

import (
	"strings"
	"testing"
)

func TestNormalise(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"rfc syntax unchanged", `userName eq "bjensen"`, `userName eq "bjensen"`},
		{"empty", ``, ``},
		{"capitalised operators", `userName EQ "x" AND active Eq True`, `userName eq "x" and active eq True`},
		{"every operator", `a NE 1 Or b CO "x" or c SW "x" or d EW "x" or e GT 1 or f LT 1 or g GE 1 or h LE 1 or i PR`,
			`a ne 1 or b co "x" or c sw "x" or d ew "x" or e gt 1 or f lt 1 or g ge 1 or h le 1 or i pr`},
		{"capitalised not", `NOT (userName eq "x")`, `not (userName eq "x")`},
		{"not without space", `Not(userName eq "x")`, `not(userName eq "x")`},
		{"attribute named like a keyword", `Not pr and OR eq "x"`, `Not pr and OR eq "x"`},
		{"attribute names left alone", `UserName Eq "x"`, `UserName eq "x"`},
		{"unquoted e-mail", `userName eq john@x.dk`, `userName eq "john@x.dk"`},
		{"unquoted guid", `externalId eq 9a7f0c1e-4b1d-4d2e-9c3b-0a1b2c3d4e5f`, `externalId eq "9a7f0c1e-4b1d-4d2e-9c3b-0a1b2c3d4e5f"`},
		{"unquoted in parentheses", `(userName eq john@x.dk)`, `(userName eq "john@x.dk")`},
		{"unquoted date", `meta.lastModified gt 2026-01-01T00:00:00Z`, `meta.lastModified gt "2026-01-01T00:00:00Z"`},
		{"unquoted backslash", `userName eq DOMAIN\jo`, `userName eq "DOMAIN\\jo"`},
		{"number kept", `externalId eq 12345`, `externalId eq 12345`},
		{"negative exponent number kept", `x gt -1.5E+3`, `x gt -1.5E+3`},
		{"leading zero is not a number", `externalId eq 007`, `externalId eq "007"`},
		{"trailing dot is not a number", `x eq 1.`, `x eq "1."`},
		{"literals kept", `a eq true or b eq FALSE or c eq null`, `a eq true or b eq FALSE or c eq null`},
		{"quoted string with escaped quote", `userName eq "a\"b AND c"`, `userName eq "a\"b AND c"`},
		{"quoted string with escaped backslash", `userName eq "a\\" and x pr`, `userName eq "a\\" and x pr`},
		{"value with space not guessable", `displayName eq John Smith`, `displayName eq "John" Smith`},
		{"white space", " \tuserName\t eq\n\"x\"  ", `userName eq "x"`},
		{"escapes left alone", `a eq "\u00e9\\u00e9\/"`, `a eq "\u00e9\\u00e9\/"`},
		{"entra value path compare", `emails[type eq "work"].value eq "a@b.dk"`, `emails[type eq "work" and value eq "a@b.dk"]`},
		{"entra unquoted, capitalised", `emails[type EQ "work"].value EQ a@b.dk`, `emails[type eq "work" and value eq "a@b.dk"]`},
		{"entra pr", `emails[type eq "work"].value pr`, `emails[type eq "work" and value pr]`},
		{"entra with or", `emails[type eq "work" or type eq "home"].value co "@b.dk"`, `emails[(type eq "work" or type eq "home") and value co "@b.dk"]`},
		{"entra followed by more", `addresses[type eq "work"].postalCode eq "8000" and active eq true`, `addresses[type eq "work" and postalCode eq "8000"] and active eq true`},
		{"entra inner spaces", `emails[ type eq "work" ].value eq "x"`, `emails[ type eq "work" and value eq "x"]`},
		{"entra incomplete inner", `emails[type eq].value eq "x"`, `emails[type eq].value eq "x"`},
		{"entra missing value", `emails[type eq "work"].value eq`, `emails[type eq "work"].value eq`},
		{"entra string glued to word", `emails[type eq "work"].value eq "x".y`, `emails[type eq "work"].value eq "x".y`},
		{"value path unchanged", `emails[type eq "work" and value co "@x"]`, `emails[type eq "work" and value co "@x"]`},
		{"unterminated string", `userName eq "abc`, `userName eq "abc`},
		{"stray closer", `a pr)`, `a pr)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Normalise(tc.in)
			if got != tc.want {
				t.Errorf("Normalise(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
			if again := Normalise(got); again != got {
				t.Errorf("Normalise not idempotent: %q -> %q", got, again)
			}
		})
	}
}

func TestNormaliseLong(t *testing.T) {
	t.Parallel()
	// Deep brackets must not make Normalise quadratic or recursive.
	s := strings.Repeat("a[", 100000) + strings.Repeat("]", 100000)
	if got := Normalise(s); got != s {
		t.Errorf("Normalise changed balanced brackets")
	}
}
