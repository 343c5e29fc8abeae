package session

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The sessions themselves (find, limits, start, end) are tested through
// the console's pages and the passkey ceremonies against the local
// stack; these are the signed values, which need no table.

var key = bytes.Repeat([]byte{7}, 32)

func newSessions(base string) *Sessions {
	return New(nil, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Key: key, BaseURL: base})
}

// request carries the cookies rec set, as the browser's next request.
func request(rec *httptest.ResponseRecorder) *http.Request {
	r := httptest.NewRequest("POST", "/console/passkeys/signin/finish", nil)
	for _, c := range rec.Result().Cookies() {
		r.AddCookie(c)
	}
	return r
}

func TestPreSessionValue(t *testing.T) {
	t.Parallel()
	s := newSessions("http://localhost/console/")
	rec := httptest.NewRecorder()
	token := s.PreIssue(rec, httptest.NewRequest("GET", "/console/signin", nil))
	r := request(rec)
	other := httptest.NewRecorder()
	otherToken := s.PreIssue(other, httptest.NewRequest("GET", "/console/signin", nil))
	for name, tc := range map[string]struct {
		token string
		want  bool
	}{
		"its own":           {token, true},
		"none":              {"", false},
		"another browser's": {otherToken, false},
		"padded":            {token + "=", false},
		"another key's":     {newSessionsKey(t).PreIssue(httptest.NewRecorder(), r), false},
	} {
		if got := s.PreValid(r, tc.token); got != tc.want {
			t.Errorf("%s: PreValid = %v, want %v", name, got, tc.want)
		}
	}
	// A second page keeps the browser's value: both forms stay good.
	again := httptest.NewRecorder()
	if s.PreIssue(again, r) != token || len(again.Result().Cookies()) != 0 {
		t.Errorf("a second page changed the pre-session value")
	}
}

func newSessionsKey(t *testing.T) *Sessions {
	t.Helper()
	return New(nil, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)),
		Options{Key: bytes.Repeat([]byte{8}, 32), BaseURL: "http://localhost/console/"})
}

func TestCeremonyCookie(t *testing.T) {
	t.Parallel()
	s := newSessions("http://localhost/console/")
	rec := httptest.NewRecorder()
	s.SetCeremony(rec, []byte(`{"challenge":"abc"}`))
	ck := rec.Result().Cookies()[0]
	if ck.Path != "/console/passkeys/" || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.MaxAge <= 0 {
		t.Errorf("ceremony cookie %+v", ck)
	}
	out := httptest.NewRecorder()
	if b, ok := s.Ceremony(out, request(rec)); !ok || string(b) != `{"challenge":"abc"}` {
		t.Fatalf("Ceremony = %q, %v", b, ok)
	}
	// Read once: the answer deletes it.
	if c := out.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Errorf("the ceremony cookie is not deleted: %+v", c)
	}

	value, sig, _ := strings.Cut(ck.Value, ".")
	pre := httptest.NewRecorder()
	preToken := s.PreIssue(pre, httptest.NewRequest("GET", "/console/signin", nil))
	for name, v := range map[string]string{
		"changed":                   "e30." + sig,
		"unsigned":                  value,
		"another key's":             signedBy(t, newSessionsKey(t)),
		"a pre-session value's MAC": value + "." + preToken,
	} {
		r := httptest.NewRequest("POST", "/console/passkeys/signin/finish", nil)
		r.AddCookie(&http.Cookie{Name: ceremonyCookie, Value: v})
		if b, ok := s.Ceremony(httptest.NewRecorder(), r); ok {
			t.Errorf("%s ceremony cookie accepted: %q", name, b)
		}
	}
}

func signedBy(t *testing.T, s *Sessions) string {
	t.Helper()
	rec := httptest.NewRecorder()
	s.SetCeremony(rec, []byte(`{"challenge":"abc"}`))
	return rec.Result().Cookies()[0].Value
}

func TestCookiesOverHTTPS(t *testing.T) {
	t.Parallel()
	for base, want := range map[string]struct {
		name   string
		secure bool
	}{
		"https://id.example.dk/console/": {"__Host-console_session", true},
		"http://localhost:3000/console/": {"console_session", false},
	} {
		s := newSessions(base)
		rec := httptest.NewRecorder()
		s.Clear(rec)
		s.SetCeremony(rec, []byte("{}"))
		s.PreIssue(rec, httptest.NewRequest("GET", "/console/signin", nil))
		cs := rec.Result().Cookies()
		if cs[0].Name != want.name || cs[0].Path != "/" {
			t.Errorf("%s: session cookie %q at %q, want %q at /", base, cs[0].Name, cs[0].Path, want.name)
		}
		for _, c := range cs {
			if c.Secure != want.secure || !c.HttpOnly {
				t.Errorf("%s: cookie %s Secure %v HttpOnly %v", base, c.Name, c.Secure, c.HttpOnly)
			}
		}
	}
}
