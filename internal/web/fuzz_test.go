package web

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzLanguagePick feeds any Accept-Language header and any switch values
// to the language choice: it always lands on da or en, and a valid switch
// always wins.
func FuzzLanguagePick(f *testing.F) {
	f.Add("da-DK,da;q=0.9,en;q=0.8", "", "", "")
	f.Add("en-US", "da", "", "en")
	f.Add("*;q=0.1,nb", "", "en", "da")
	l := newLanguages()
	f.Fuzz(func(t *testing.T, accept, query, form, fallback string) {
		r := httptest.NewRequest("GET", "/activate/x?lang="+url.QueryEscape(query), nil)
		r.Header.Set("Accept-Language", accept)
		r.PostForm = url.Values{langParam: {form}}
		got := l.pick(r, fallback)
		switch {
		case got != "da" && got != "en":
			t.Fatalf("pick(%q, %q, %q, %q) = %q", accept, query, form, fallback, got)
		case supported(form) && got != form:
			t.Fatalf("the form's lang %q lost to %q", form, got)
		case !supported(form) && supported(query) && got != query:
			t.Fatalf("the switch's lang %q lost to %q", query, got)
		}
	})
}

// FuzzCSRF checks that a posted form is accepted exactly when its field is
// the one issued for its cookie and link, whatever the cookie and field.
func FuzzCSRF(f *testing.F) {
	f.Add("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "", "link")
	f.Add("abcdefghijklmnopqrstuvwxyz", "AAAA", "")
	f.Add("ABCDEFGHIJKLMNOPQRSTUVWX==", "x", "tok")
	c := csrf{key: deriveKey([]byte(strings.Repeat("k", 32)), "fuzz"), cookie: "csrf"}
	f.Fuzz(func(t *testing.T, cookie, field, link string) {
		r := httptest.NewRequest("POST", "/activate/x", nil)
		r.Header.Set("Cookie", "csrf="+cookie)
		r.PostForm = url.Values{csrfField: {field}}
		if c.valid(r, link) {
			t.Fatalf("a made-up field passed: cookie %q field %q link %q", cookie, field, link)
		}
		// The field issued for the cookie passes, if the cookie is one
		// we could have issued.
		if c.cookieValue(r) != "" {
			r.PostForm = url.Values{csrfField: {c.field(cookie, link)}}
			if !c.valid(r, link) {
				t.Fatalf("the issued field failed: cookie %q link %q", cookie, link)
			}
			if c.valid(r, link+"x") {
				t.Fatalf("a field passed for another link")
			}
		}
	})
}

// FuzzResultCookie checks that the result cookie carries any organisation
// name unchanged, and that no made-up value passes.
func FuzzResultCookie(f *testing.F) {
	f.Add("Tømrer & Søn A/S", "")
	f.Add("", "e30.AAAA")
	f.Add("a.b", "YS5i.")
	c := resultCookie{key: deriveKey([]byte(strings.Repeat("k", 32)), "fuzz"), name: "activated"}
	f.Fuzz(func(t *testing.T, name, value string) {
		rec := httptest.NewRecorder()
		c.set(rec, name)
		set := rec.Result().Cookies()
		if len(set) != 1 {
			t.Fatalf("set %d cookies", len(set))
		}
		if got, ok := c.parse(set[0].Value); !ok || got != name {
			t.Fatalf("round trip of %q: %q, %v", name, got, ok)
		}
		if value != set[0].Value {
			if _, ok := c.parse(value); ok {
				t.Fatalf("a made-up value passed: %q", value)
			}
		}
	})
}
