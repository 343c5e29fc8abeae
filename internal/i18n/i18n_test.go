package i18n

import (
	"testing"
	"time"
)

// TestTables: a key is looked up in the tables in order, formatted with
// its arguments in the language asked for; an unknown key shows itself.
func TestTables(t *testing.T) {
	t.Parallel()
	ts := Tables{
		{"greet": {"Hej %s", "Hello %s"}},
		{"greet": {"overskygget", "shadowed"}, "bye": {"Farvel", "Goodbye"}},
	}
	tests := []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"da", "greet", []any{"Ida"}, "Hej Ida"},
		{"en", "greet", []any{"Ida"}, "Hello Ida"},
		{"de", "bye", nil, "Farvel"},
		{"en", "bye", nil, "Goodbye"},
		{"en", "nowhere", nil, "[nowhere]"},
	}
	for _, tt := range tests {
		if got := ts.Translate(tt.lang, tt.key, tt.args...); got != tt.want {
			t.Errorf("Translate(%q, %q) = %q, want %q", tt.lang, tt.key, got, tt.want)
		}
	}
	if !ts.Has("bye") || ts.Has("nowhere") {
		t.Error("Has does not tell the tables' keys")
	}
	if got := Date(time.Time{}, "da"); got != "" {
		t.Errorf("Date of the zero time = %q, want empty", got)
	}
	if got := Date(time.Date(2026, 1, 1, 23, 30, 0, 0, time.UTC), "da"); got != "2. januar 2026" {
		t.Errorf("Date = %q, want the day in Copenhagen", got)
	}
}
