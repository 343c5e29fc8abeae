package web

import (
	"strings"
	"testing"
	"time"
)

// TestTextsAreComplete checks every text of every table: both languages
// written, the same format verbs in each, and no key in two tables.
func TestTextsAreComplete(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, table := range textTables {
		for key, tx := range table {
			if seen[key] {
				t.Errorf("%s: in two tables", key)
			}
			seen[key] = true
			if strings.TrimSpace(tx.In("da")) == "" || strings.TrimSpace(tx.In("en")) == "" {
				t.Errorf("%s: a language is missing: %+v", key, tx)
			}
			if verbs(tx.In("da")) != verbs(tx.In("en")) {
				t.Errorf("%s: the languages take different arguments: %q, %q", key, tx.In("da"), tx.In("en"))
			}
		}
	}
}

func verbs(s string) string {
	var out []string
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '%' {
			out = append(out, s[i:i+2])
			i++
		}
	}
	return strings.Join(out, " ")
}

func TestFormatDate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		at     time.Time
		da, en string
	}{
		// 23:30 UTC on the last day of the year is New Year in Copenhagen.
		{time.Date(2025, 12, 31, 23, 30, 0, 0, time.UTC), "1. januar 2026", "1 January 2026"},
		{time.Date(2026, 5, 17, 12, 0, 0, 0, time.UTC), "17. maj 2026", "17 May 2026"},
	} {
		if got := formatDate(tt.at, "da"); got != tt.da {
			t.Errorf("da %v: %q, want %q", tt.at, got, tt.da)
		}
		if got := formatDate(tt.at, "en"); got != tt.en {
			t.Errorf("en %v: %q, want %q", tt.at, got, tt.en)
		}
	}
}
