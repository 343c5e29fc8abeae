package session

import (
	"net/http/httptest"
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

// FuzzCeremonyCookie: the state a ceremony cookie carries comes back as
// it was set, and a cookie value not set by this key carries nothing.
func FuzzCeremonyCookie(f *testing.F) {
	for _, s := range []string{"", ".", "e30", "e30.", "e30.AAAA", "{}", "a.b.c", "e30.e30.e30"} {
		f.Add(s)
	}
	s := newSessions("https://id.example.dk/console/")
	f.Fuzz(func(t *testing.T, v string) {
		rec := httptest.NewRecorder()
		s.SetCeremony(rec, []byte(v))
		if got, ok := s.Ceremony(httptest.NewRecorder(), request(rec)); !ok || string(got) != v {
			t.Fatalf("state %q came back as %q, %v", v, got, ok)
		}
		r := httptest.NewRequest("POST", "/console/passkeys/signin/finish", nil)
		r.Header.Set("Cookie", ceremonyCookie+"="+v)
		if ck, err := r.Cookie(ceremonyCookie); err == nil && ck.Value == rec.Result().Cookies()[0].Value {
			return // the fuzzer found the signed value itself
		}
		if got, ok := s.Ceremony(httptest.NewRecorder(), r); ok {
			t.Fatalf("the unsigned cookie %q carried %q", v, got)
		}
	})
}
