package scim_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestQuery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	for i := range 12 {
		u := user(fmt.Sprintf("user%02d@example.dk", i))
		if i%3 == 0 {
			u["title"] = "ignored" // attributes tilgang does not keep are ignored
			u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] = map[string]any{"department": "IT"}
		}
		e.create(tok, u)
	}
	e.create(e.b.SCIMToken, user("user00@example.dk")) // another tenant's namesake

	list := func(t *testing.T, query string) map[string]any {
		t.Helper()
		r := e.do(tok, "GET", "/Users?"+query, nil)
		want(t, r, http.StatusOK, "")
		m := r.json(t)
		if s := m["schemas"].([]any); s[0] != "urn:ietf:params:scim:api:messages:2.0:ListResponse" {
			t.Fatalf("schemas %v", s)
		}
		return m
	}
	f := func(s string) string { return "filter=" + url.QueryEscape(s) }

	tests := []struct {
		name, query            string
		total, items, startIdx float64
	}{
		{"RFC 7644 §3.4.2: all users, default count", "", 12, 12, 1},
		{"RFC 7644 §3.4.2.4: a page", "startIndex=3&count=4", 12, 4, 3},
		{"RFC 7644 §3.4.2.4: the last, short page", "startIndex=11&count=4", 12, 2, 11},
		{"RFC 7644 §3.4.2.4: count=0 gives only the total", "count=0", 12, 0, 1},
		{"RFC 7644 §3.4.2.4: startIndex below 1 means 1", "startIndex=-5&count=1", 12, 1, 1},
		{"RFC 7644 §3.4.2.2: eq is a key look-up", f(`userName eq "USER05@example.dk"`), 1, 1, 1},
		{"RFC 7644 §3.4.2.2: sw", f(`userName sw "user1"`), 2, 2, 1},
		{"RFC 7644 §3.4.2.2: co and or", f(`userName co "03" or userName co "04"`), 2, 2, 1},
		{"RFC 7644 §3.4.2.2: not and grouping", f(`not (userName ew "0@example.dk" or userName ew "1@example.dk")`), 8, 8, 1},
		{"RFC 7644 §3.4.2.2: extension attribute", f(`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "IT"`), 4, 4, 1},
		{"RFC 7644 §3.4.2.2: pr", f(`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department pr`), 4, 4, 1},
		{"RFC 7644 §3.4.2.2: value path", f(`emails[type eq "work" and value co "user07"]`), 1, 1, 1},
		{"RFC 7644 §3.4.2.2: date comparison", f(`meta.lastModified gt "2000-01-01T00:00:00Z"`), 12, 12, 1},
		{"RFC 7644 §3.4.2.2: boolean", f(`active eq true`), 12, 12, 1},
		{"RFC 7644 §3.4.2.2: no match", f(`name.givenName eq "Nobody"`), 0, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := list(t, tt.query)
			if m["totalResults"] != tt.total || m["itemsPerPage"] != tt.items || m["startIndex"] != tt.startIdx || float64(len(m["Resources"].([]any))) != tt.items {
				t.Fatalf("total %v items %v start %v; want %v %v %v", m["totalResults"], m["itemsPerPage"], m["startIndex"], tt.total, tt.items, tt.startIdx)
			}
		})
	}

	t.Run("RFC 7644 §3.4.2.4: pages follow userName order without overlap", func(t *testing.T) {
		var names []string
		for start := 1; start <= 12; start += 5 {
			for _, r := range list(t, fmt.Sprintf("startIndex=%d&count=5", start))["Resources"].([]any) {
				names = append(names, r.(map[string]any)["userName"].(string))
			}
		}
		for i := range names {
			if names[i] != fmt.Sprintf("user%02d@example.dk", i) {
				t.Fatalf("pages give %v", names)
			}
		}
	})

	t.Run("RFC 7644 §3.9: attributes", func(t *testing.T) {
		r := list(t, f(`userName eq "user00@example.dk"`)+"&attributes=userName,emails.value")["Resources"].([]any)[0].(map[string]any)
		if r["userName"] == nil || r["id"] == nil || r["name"] != nil || r["active"] != nil {
			t.Fatalf("attributes=userName,emails.value gave %v", r)
		}
		if e := r["emails"].([]any)[0].(map[string]any); e["value"] == nil || e["type"] != nil {
			t.Fatalf("emails.value gave %v", e)
		}
	})
	t.Run("RFC 7644 §3.9: excludedAttributes", func(t *testing.T) {
		r := list(t, f(`userName eq "user00@example.dk"`)+"&excludedAttributes=emails,urn:ietf:params:scim:schemas:extension:tilgang:2.0:User,id")["Resources"].([]any)[0].(map[string]any)
		if r["emails"] != nil || r["urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"] != nil || r["id"] == nil || r["userName"] == nil {
			t.Fatalf("excludedAttributes gave %v", r)
		}
	})
	t.Run("RFC 7644 §3.4.3: POST /.search", func(t *testing.T) {
		r := e.do(tok, "POST", "/Users/.search", map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
			"filter":     `userName sw "user0"`,
			"attributes": []string{"userName"},
			"startIndex": 2, "count": 3,
		})
		want(t, r, http.StatusOK, "")
		m := r.json(t)
		if m["totalResults"] != 10.0 || m["itemsPerPage"] != 3.0 || strings.Contains(string(r.body), "emails") {
			t.Fatalf(".search: %s", r.body)
		}
	})
}

func TestSorting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	for i, given := range []string{"Carl", "anna", "Bo"} {
		u := user(fmt.Sprintf("u%d@example.dk", i))
		u["name"] = map[string]any{"givenName": given, "familyName": "X"}
		e.create(tok, u)
	}
	noName := user("u9@example.dk")
	delete(noName, "name") // sorts last ascending
	e.create(tok, noName)
	names := func(t *testing.T, query string) string {
		t.Helper()
		r := e.do(tok, "GET", "/Users?"+query, nil)
		want(t, r, http.StatusOK, "")
		var out []string
		for _, res := range r.json(t)["Resources"].([]any) {
			out = append(out, res.(map[string]any)["userName"].(string)[:2])
		}
		return strings.Join(out, ",")
	}
	tests := []struct{ query, want string }{
		{"sortBy=name.givenName", "u1,u2,u0,u9"},                                      // RFC 7644 §3.4.2.3: case-insensitive, missing last
		{"sortBy=name.givenName&sortOrder=descending", "u9,u0,u2,u1"},                 // missing first when descending
		{"sortBy=userName&sortOrder=descending&count=2", "u9,u2"},                     // then the window
		{"sortBy=name.givenName&startIndex=2&count=2", "u2,u0"},                       // window after the sort
		{"sortBy=emails.value&sortOrder=descending&" + "count=1", "u9"},               // multi-valued: the primary value; none is missing
		{"sortBy=meta.created", "u0,u1,u2,u9"},                                        // date-times sort by time
		{"sortBy=urn:ietf:params:scim:schemas:core:2.0:User:userName", "u0,u1,u2,u9"}, // the core URN is optional
	}
	for _, tt := range tests {
		if got := names(t, tt.query); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.query, got, tt.want)
		}
	}
	want(t, e.do(tok, "GET", "/Users?sortOrder=sideways", nil), http.StatusBadRequest, "invalidValue")
}
