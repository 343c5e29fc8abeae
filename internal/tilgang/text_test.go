package tilgang

import "testing"

func TestHasControl(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"Anna Hansen", false},
		{"Søren Ørsted-Æbelø", false},
		{"Bo https://evil.example", false}, // text, made inert by the mail
		{"Zoë 李 ﷺ", false},
		{"", false},
		{"Bo\n\nURGENT", true},
		{"Bo\r", true},
		{"Bo\tX", true},
		{"Bo\x00", true},
		{"Bo\x7f", true},
		{"Bo\u0085", true}, // NEL
		{"Bo\u2028X", true},
		{"Bo\u2029X", true},
		{"\u202eelpmaxe.live", true},
		{"a\u2066b\u2069", true},
		{"a\u200fb", true},
		{"a\u061cb", true},
	} {
		if got := HasControl(tt.s); got != tt.want {
			t.Errorf("HasControl(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
