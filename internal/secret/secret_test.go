package secret

import (
	"strings"
	"testing"
)

func TestNewTokenIsUniqueAndHashed(t *testing.T) {
	t.Parallel()
	a, ha := NewToken("tlg_admin_")
	b, hb := NewToken("tlg_admin_")
	if a == b || ha == hb {
		t.Fatal("two tokens are equal")
	}
	if !strings.HasPrefix(a, "tlg_admin_") || len(a) != len("tlg_admin_")+43 {
		t.Fatalf("token %q has the wrong form", a)
	}
	if HashToken(a) != ha || len(ha) != 64 || strings.Contains(ha, a) {
		t.Fatalf("hash %q is not the SHA-256 of the token", ha)
	}
}

func TestCodes(t *testing.T) {
	t.Parallel()
	if _, err := NewCodes(make([]byte, 16)); err == nil {
		t.Fatal("a short key was accepted")
	}
	c, err := NewCodes([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	code := NewCode()
	if len(code) != CodeLength || strings.Trim(code, CodeAlphabet) != "" {
		t.Fatalf("code %q has the wrong form", code)
	}
	h := c.Hash("u1", code)
	tests := []struct {
		user, typed string
		want        bool
	}{
		{"u1", code, true},
		{"u1", strings.ToLower(code[:4]) + "-" + code[4:], true},
		{"u1", " " + code[:4] + " " + code[4:], true},
		{"u2", code, false},
		{"u1", code[:7], false},
	}
	for _, tt := range tests {
		if got := c.Match(tt.user, tt.typed, h); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.user, tt.typed, got, tt.want)
		}
	}
}

func TestNewCodeUsesWholeAlphabet(t *testing.T) {
	t.Parallel()
	seen := map[rune]bool{}
	for range 500 {
		for _, r := range NewCode() {
			seen[r] = true
		}
	}
	if len(seen) != len(CodeAlphabet) {
		t.Fatalf("saw %d of %d characters", len(seen), len(CodeAlphabet))
	}
}
