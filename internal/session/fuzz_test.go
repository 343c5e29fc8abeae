package session

import (
	"net/url"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// FuzzLocalPath: a next parameter is either sent back as it came, an
// address inside the console on this site, or replaced by the start page.
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"", "/console/", "/console/users/x?q=a", "//evil.example/console/", "/console/../admin",
		"https://evil.example/console/", "/console\\@evil", "/console//evil", "/\tconsole/", "/console/%2F%2Fevil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got := LocalPath(p)
		if got != p && got != tilgang.ConsolePrefix+"/" {
			t.Fatalf("LocalPath(%q) = %q", p, got)
		}
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(got, tilgang.ConsolePrefix+"/") || strings.HasPrefix(got, "//") {
			t.Fatalf("LocalPath(%q) = %q leaves the console", p, got)
		}
		if strings.ContainsAny(got, "\\\r\n\t") {
			t.Fatalf("LocalPath(%q) = %q holds a control or backslash", p, got)
		}
	})
}
