package console

import (
	"regexp"
	"testing"
)

func TestTextsInBothLanguages(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, table := range textTables {
		for key, txt := range table {
			if seen[key] {
				t.Errorf("%s is in two tables", key)
			}
			seen[key] = true
			if txt.In("da") == "" || txt.In("en") == "" {
				t.Errorf("%s lacks a language: %+v", key, txt)
			}
		}
	}
}

func TestTemplatesNameOnlyKnownTexts(t *testing.T) {
	t.Parallel()
	key := regexp.MustCompile(`T "([a-z0-9._-]+)"`)
	pages, err := mustParseViews().all()
	if err != nil {
		t.Fatal(err)
	}
	for name, tmpl := range pages {
		for _, tt := range tmpl.Templates() {
			if tt.Tree == nil {
				continue
			}
			for _, m := range key.FindAllStringSubmatch(tt.Tree.Root.String(), -1) {
				if !textTables.Has(m[1]) {
					t.Errorf("%s uses the text %q, which no table has", name, m[1])
				}
			}
		}
	}
}
