package scim_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/tilgang/tilgang/internal/scim"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Each case names the section of RFC 7643 or RFC 7644 it checks.

func TestDiscovery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name, path string
		check      func(t *testing.T, m map[string]any)
	}{
		{"RFC 7644 §4, RFC 7643 §5: ServiceProviderConfig states what is built", "/ServiceProviderConfig", func(t *testing.T, m map[string]any) {
			for attr, want := range map[string]bool{"patch": true, "filter": true, "sort": true, "etag": true, "bulk": false, "changePassword": false} {
				if got := m[attr].(map[string]any)["supported"]; got != want {
					t.Errorf("%s.supported = %v, want %v", attr, got, want)
				}
			}
			if got := m["filter"].(map[string]any)["maxResults"]; got != 1000.0 {
				t.Errorf("filter.maxResults = %v", got)
			}
		}},
		{"RFC 7644 §4, RFC 7643 §7: Schemas lists core, enterprise, tilgang and Group", "/Schemas", func(t *testing.T, m map[string]any) {
			if m["totalResults"] != 4.0 {
				t.Errorf("totalResults = %v", m["totalResults"])
			}
		}},
		{"RFC 7644 §4: a schema by its URN", "/Schemas/urn:ietf:params:scim:schemas:extension:tilgang:2.0:User", func(t *testing.T, m map[string]any) {
			if !strings.Contains(fmt.Sprint(m["attributes"]), "cpr") {
				t.Error("tilgang schema lacks cpr")
			}
		}},
		{"RFC 7644 §4, RFC 7643 §6: ResourceTypes", "/ResourceTypes", func(t *testing.T, m map[string]any) {
			if m["totalResults"] != 2.0 {
				t.Errorf("totalResults = %v", m["totalResults"])
			}
		}},
		{"RFC 7644 §4: the User resource type", "/ResourceTypes/User", func(t *testing.T, m map[string]any) {
			if m["endpoint"] != "/Users" {
				t.Errorf("endpoint = %v", m["endpoint"])
			}
		}},
		{"Microsoft's alias of ServiceProviderConfig", "/serviceConfiguration", func(t *testing.T, m map[string]any) {
			if s, _ := m["schemas"].([]any); len(s) != 1 || s[0] != "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig" {
				t.Errorf("schemas = %v", m["schemas"])
			}
			if m["patch"].(map[string]any)["supported"] != true {
				t.Errorf("patch = %v", m["patch"])
			}
		}},
		{"RFC 7643 §5: no bulk, so no bulk limits", "/ServiceProviderConfig", func(t *testing.T, m map[string]any) {
			b := m["bulk"].(map[string]any)
			if b["supported"] != false || b["maxOperations"] != 0.0 || b["maxPayloadSize"] != 0.0 {
				t.Errorf("bulk = %v", b)
			}
			a := m["authenticationSchemes"].([]any)[0].(map[string]any)
			if a["type"] != "oauthbearertoken" || a["primary"] != true || a["specUri"] == nil {
				t.Errorf("authenticationSchemes = %v", a)
			}
		}},
		{"RFC 7643 §7: the User schema as the library builds it", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", func(t *testing.T, m map[string]any) {
			meta := m["meta"].(map[string]any)
			if m["name"] != "User" || meta["resourceType"] != "Schema" || !strings.HasSuffix(meta["location"].(string), "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User") {
				t.Errorf("name %v, meta %v", m["name"], meta)
			}
			for _, a := range m["attributes"].([]any) {
				if a := a.(map[string]any); a["name"] == "userName" && (a["uniqueness"] != "server" || a["caseExact"] != false || a["required"] != true) {
					t.Errorf("userName = %v", a)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(e.a.SCIMToken, "GET", tt.path, nil)
			want(t, r, http.StatusOK, "")
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
				t.Errorf("Content-Type %q", ct)
			}
			tt.check(t, r.json(t))
		})
	}
	// RFC 7644 §4: discovery tells the truth. A handler without groups
	// lists neither their resource type nor their schema.
	srv := httptest.NewServer(scim.New(nil, func(context.Context, string) (*tilgang.Token, *tilgang.Organisation, error) {
		return &tilgang.Token{}, &tilgang.Organisation{}, nil
	}, slog.New(slog.NewJSONHandler(io.Discard, nil)), scim.Options{PublicBaseURL: "https://tilgang.test"}))
	defer srv.Close()
	for _, path := range []string{"/ResourceTypes/Group", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group", "/Groups"} {
		resp, _ := testenv.Request(t, "GET", srv.URL+scim.Prefix+path, "x", "", nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s without groups: %d", path, resp.StatusCode)
		}
	}
}

func TestUserLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken

	// RFC 7644 §3.3: POST creates, answers 201 with Location, ETag and meta.
	body := user("anna@example.dk")
	body["password"] = "Okta sends one" // never stored, never returned
	body["schemas"] = []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"}
	body["urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"] = map[string]any{"cpr": "0101901234"}
	r := e.do(tok, "POST", "/Users", body)
	want(t, r, http.StatusCreated, "")
	created := r.json(t)
	id := created["id"].(string)
	if loc := r.Header.Get("Location"); !strings.HasSuffix(loc, "/scim/v2/Users/"+id) {
		t.Errorf("Location %q", loc)
	}
	if r.Header.Get("ETag") != `W/"1"` {
		t.Errorf("ETag %q", r.Header.Get("ETag"))
	}
	// RFC 7643 §7 returned "never": neither password nor CPR comes back.
	if s := string(r.body); strings.Contains(s, "password") || strings.Contains(s, "0101901234") || strings.Contains(s, "cpr") {
		t.Errorf("write-only attributes returned: %s", s)
	}

	// RFC 7644 §3.4.1: GET by id, and 304 for If-None-Match (§3.14).
	want(t, e.do(tok, "GET", "/Users/"+id, nil), http.StatusOK, "")
	want(t, e.do(tok, "GET", "/Users/"+id, nil, "If-None-Match", `W/"1"`), http.StatusNotModified, "")

	// RFC 7644 §3.5.1: PUT replaces; §3.14: a stale If-Match is 412.
	put := user("anna@example.dk")
	put["name"] = map[string]any{"givenName": "Anne", "familyName": "Hansen"}
	want(t, e.do(tok, "PUT", "/Users/"+id, put, "If-Match", `W/"9"`), http.StatusPreconditionFailed, "")
	r = e.do(tok, "PUT", "/Users/"+id, put, "If-Match", `W/"1"`)
	want(t, r, http.StatusOK, "")
	if name := r.json(t)["name"].(map[string]any); name["givenName"] != "Anne" {
		t.Errorf("PUT did not replace: %v", name)
	}
	// RFC 7644 §3.5.1: id is immutable.
	put["id"] = "something-else"
	want(t, e.do(tok, "PUT", "/Users/"+id, put), http.StatusBadRequest, "mutability")

	// RFC 7644 §3.6: DELETE, then 404, and the userName is free again.
	want(t, e.do(tok, "DELETE", "/Users/"+id, nil), http.StatusNoContent, "")
	want(t, e.do(tok, "GET", "/Users/"+id, nil), http.StatusNotFound, "")
	e.create(tok, user("anna@example.dk"))
}

func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.create(e.a.SCIMToken, user("only.a@example.dk"))
	// SPEC §3: another organisation's ids are 404, never 403.
	want(t, e.do(e.b.SCIMToken, "GET", "/Users/"+id, nil), http.StatusNotFound, "")
	want(t, e.do(e.b.SCIMToken, "PUT", "/Users/"+id, user("x@example.dk")), http.StatusNotFound, "")
	want(t, e.do(e.b.SCIMToken, "PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}}}), http.StatusNotFound, "")
	want(t, e.do(e.b.SCIMToken, "DELETE", "/Users/"+id, nil), http.StatusNotFound, "")
	for _, f := range []string{`userName eq "only.a@example.dk"`, `userName sw "only"`, `emails[value co "only.a"]`} {
		r := e.do(e.b.SCIMToken, "GET", "/Users?filter="+url.QueryEscape(f), nil)
		want(t, r, http.StatusOK, "")
		if m := r.json(t); m["totalResults"] != 0.0 {
			t.Fatalf("B sees A's user with %s: %s", f, r.body)
		}
	}
	// The admin token of the same organisation is no SCIM token.
	want(t, e.do(e.a.AdminToken, "GET", "/Users", nil), http.StatusUnauthorized, "")
	r := e.do("", "GET", "/Users", nil)
	want(t, r, http.StatusUnauthorized, "")
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
}

func TestConcurrentCreatesOfOneUserName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var wg sync.WaitGroup
	statuses := make([]int, 30)
	types := make([]any, 30)
	for i := range statuses {
		wg.Go(func() {
			name := "Same@Example.dk"
			if i%2 == 0 {
				name = "same@example.DK"
			}
			r := e.do(e.a.SCIMToken, "POST", "/Users", user(name))
			statuses[i] = r.StatusCode
			if r.StatusCode == http.StatusConflict {
				types[i] = r.json(t)["scimType"]
			}
		})
	}
	wg.Wait()
	created, conflicts := 0, 0
	for i, s := range statuses {
		switch {
		case s == http.StatusCreated:
			created++
		case s == http.StatusConflict && types[i] == "uniqueness": // RFC 7644 §3.3
			conflicts++
		}
	}
	if created != 1 || conflicts != 29 {
		t.Fatalf("statuses %v", statuses)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	id := e.create(tok, user("errors@example.dk"))
	tests := []struct {
		name, method, path string
		body               any
		status             int
		scimType           string
	}{
		{"RFC 7644 §3.12: malformed JSON", "POST", "/Users", `{"userName": `, 400, "invalidSyntax"},
		{"RFC 7644 §3.12: not an object", "POST", "/Users", `[1,2]`, 400, "invalidSyntax"},
		{"RFC 7643 §4.1: userName is required", "POST", "/Users", map[string]any{"name": map[string]any{"givenName": "x"}}, 400, "invalidValue"},
		{"RFC 7644 §3.12: wrong type", "POST", "/Users", map[string]any{"userName": true}, 400, "invalidValue"},
		{"RFC 7644 §3.12: bad filter", "GET", "/Users?filter=" + url.QueryEscape(`userName eq`), nil, 400, "invalidFilter"},
		{"RFC 7644 §3.4.2.2: unknown operator", "GET", "/Users?filter=" + url.QueryEscape(`userName xx "a"`), nil, 400, "invalidFilter"},
		{"RFC 7644 §3.12: body over maxPayloadSize", "POST", "/Users", `{"userName":"` + strings.Repeat("a", 2<<20) + `"}`, 413, ""},
		{"RFC 7644 §3.5.2: PATCH without operations", "PATCH", "/Users/" + id, map[string]any{}, 400, "invalidSyntax"},
		{"RFC 7644 §3.12: trailing data", "POST", "/Users", `{"userName":"t@example.dk"} ]`, 400, "invalidSyntax"},
		{"RFC 7644 §3.12: a long filter value is no match, not an error", "GET", "/Users?filter=" + url.QueryEscape(`externalId eq "`+strings.Repeat("a", 3000)+`"`), nil, 200, ""},
		{"RFC 7644 §3.12: no such endpoint", "GET", "/Bulk", nil, 404, ""},
		{"SPEC §4: bad CPR", "POST", "/Users", map[string]any{"userName": "c@example.dk",
			"urn:ietf:params:scim:schemas:extension:tilgang:2.0:User": map[string]any{"cpr": "3102901234"}}, 400, "invalidValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want(t, e.do(tok, tt.method, tt.path, tt.body), tt.status, tt.scimType)
		})
	}
}

// TestSchemaChecks checks request values against the schemas (RFC 7643
// §2.3, §7): a value of the wrong type is 400 invalidValue naming the
// attribute, on POST, on PUT and on what a PATCH makes; a filter on an
// attribute the schemas lack is 400 invalidFilter (RFC 7644 §3.12).
func TestSchemaChecks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	id := e.create(tok, user("checks@example.dk"))
	const (
		ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
		tg  = "urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"
	)
	// A new userName: one taken by another user would answer 409 first.
	with := func(key string, v any) map[string]any {
		u := user("checks.new@example.dk")
		u[key] = v
		return u
	}
	patch := func(path string, v any) map[string]any {
		return map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": path, "value": v}}}
	}
	tests := []struct {
		name, method, path string
		body               any
		status             int
		scimType, detail   string
	}{
		{"string for a boolean", "POST", "/Users", with("active", "maybe"), 400, "invalidValue", "active"},
		{"object for a string", "POST", "/Users", with("displayName", map[string]any{"x": 1}), 400, "invalidValue", "displayName"},
		{"bad base64", "POST", "/Users", with("x509Certificates", []any{map[string]any{"value": "not base64!"}}), 400, "invalidValue", "x509Certificates[0].value"},
		{"integer with a fraction", "POST", "/Users", with(tg, map[string]any{"targetIal": 3.5}), 400, "invalidValue", tg + ":targetIal"},
		{"single value for multi-valued", "POST", "/Users", with("phoneNumbers", map[string]any{"value": "+4512345678"}), 400, "invalidValue", "phoneNumbers"},
		{"extension not an object", "POST", "/Users", with(ent, "IT"), 400, "invalidValue", ent},
		{"PUT", "PUT", "/Users/" + id, map[string]any{"userName": "checks@example.dk", "name": "Anna Hansen"}, 400, "invalidValue", "name"},
		{"PATCH result", "PATCH", "/Users/" + id, patch("active", "maybe"), 400, "invalidValue", "active"},
		{"PATCH of a sub-attribute", "PATCH", "/Users/" + id, patch("emails[type eq \"work\"].primary", []any{1}), 400, "invalidValue", "emails[0].primary"},
		{"unknown attributes are ignored", "POST", "/Users", map[string]any{"userName": "unknown@example.dk", "loginCount": map[string]any{"x": 1}, "urn:example:ext:2.0:User": 5}, 201, "", ""},
		{"filter on an unknown attribute", "GET", "/Users?filter=" + url.QueryEscape(`loginCount gt 3`), nil, 400, "invalidFilter", "loginCount"},
		{"filter on an extension attribute without its URN", "GET", "/Users?filter=" + url.QueryEscape(`department eq "IT"`), nil, 400, "invalidFilter", ent + ":department"},
		{"filter on a sub-attribute the schema lacks", "GET", "/Users?filter=" + url.QueryEscape(`emails[kind eq "work"]`), nil, 400, "invalidFilter", "emails.kind"},
		{"gt on a boolean", "GET", "/Users?filter=" + url.QueryEscape(`active gt "a"`), nil, 400, "invalidFilter", "boolean attribute active"},
		{"gt on a complex attribute", "GET", "/Users?filter=" + url.QueryEscape(`name gt "a"`), nil, 400, "invalidFilter", "complex attribute name"},
		{"the same in .search", "POST", "/Users/.search", map[string]any{"filter": `loginCount gt 3`}, 400, "invalidFilter", "loginCount"},
		{"RFC 7644 §3.4.2.2: filter on schemas", "GET", "/Users?filter=" + url.QueryEscape(`schemas eq "urn:ietf:params:scim:schemas:core:2.0:User"`), nil, 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tok, tt.method, tt.path, tt.body)
			want(t, r, tt.status, tt.scimType)
			if tt.detail != "" {
				if d, _ := r.json(t)["detail"].(string); !strings.Contains(d, tt.detail) {
					t.Errorf("detail %q does not name %s", d, tt.detail)
				}
			}
		})
	}
}

func TestCreateDeactivated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := user("disabled@example.dk")
	body["active"] = false // Entra provisions disabled accounts like this
	r := e.do(e.a.SCIMToken, "POST", "/Users", body)
	want(t, r, http.StatusCreated, "")
	m := r.json(t)
	ext := m["urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"].(map[string]any)
	if m["active"] != false || ext["status"] != "deactivated" || ext["deactivation"] == nil {
		t.Fatalf("created: %s", r.body)
	}
}

func TestPutKeepsWhatTheProviderDoesNotKnow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	id := e.create(tok, user("keep@example.dk"))
	// RFC 7644 §3.5.2: tilgang fields set by PATCH …
	want(t, e.do(tok, "PATCH", "/Users/"+id, `{"Operations":[{"op":"add","value":{
		"urn:ietf:params:scim:schemas:extension:tilgang:2.0:User":{"kind":"external","authenticators":["app"]}}}]}`), http.StatusOK, "")
	// … survive a PUT of an identity provider that sends only core attributes.
	put := user("keep@example.dk")
	put["name"] = map[string]any{"givenName": "Kept", "familyName": "X"}
	r := e.do(tok, "PUT", "/Users/"+id, put)
	want(t, r, http.StatusOK, "")
	ext := r.json(t)["urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"].(map[string]any)
	if ext["kind"] != "external" || fmt.Sprint(ext["authenticators"]) != "[app]" {
		t.Fatalf("PUT erased the extension: %s", r.body)
	}
}

func TestAlwaysReturnedAndCoreURN(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	id := e.create(tok, user("core@example.dk"))
	// RFC 7643 §7 returned "always": id survives excludedAttributes, with or
	// without the core URN.
	r := e.do(tok, "GET", "/Users/"+id+"?excludedAttributes=urn:ietf:params:scim:schemas:core:2.0:User:id,userName", nil)
	want(t, r, http.StatusOK, "")
	if m := r.json(t); m["id"] != id || m["userName"] != nil {
		t.Fatalf("excludedAttributes: %s", r.body)
	}
	// RFC 7644 §3.9: a schema URN selects the schema's attributes.
	r = e.do(tok, "GET", "/Users/"+id+"?attributes=urn:ietf:params:scim:schemas:core:2.0:User", nil)
	want(t, r, http.StatusOK, "")
	if m := r.json(t); m["userName"] == nil || m["urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"] != nil {
		t.Fatalf("attributes=core URN: %s", r.body)
	}
}

// TestPagesSeeWritesBetweenWalks checks the query cache: a walk that
// starts again at the first page, and a walk after a write, see the users
// as they are.
func TestPagesSeeWritesBetweenWalks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	for i := range 10 {
		e.create(tok, user(fmt.Sprintf("w%02d@example.dk", i)))
	}
	walk := func(filter string) (names []string, total any) {
		for start := 1; ; start += 5 {
			q := fmt.Sprintf("/Users?startIndex=%d&count=5", start)
			if filter != "" {
				q += "&filter=" + url.QueryEscape(filter)
			}
			r := e.do(tok, "GET", q, nil)
			want(t, r, http.StatusOK, "")
			m := r.json(t)
			total = m["totalResults"]
			res := m["Resources"].([]any)
			for _, x := range res {
				names = append(names, x.(map[string]any)["userName"].(string))
			}
			if len(res) < 5 {
				return names, total
			}
		}
	}
	for _, f := range []string{"", `userName sw "w"`} {
		if names, total := walk(f); len(names) != 10 || total != 10.0 {
			t.Fatalf("first walk %q: %d users, total %v", f, len(names), total)
		}
	}
	var last string
	for i := 10; i < 13; i++ {
		last = e.create(tok, user(fmt.Sprintf("w%02d@example.dk", i)))
	}
	for _, f := range []string{"", `userName sw "w"`} {
		if names, total := walk(f); len(names) != 13 || total != 13.0 {
			t.Fatalf("after creates %q: %d users %v, total %v", f, len(names), names, total)
		}
	}
	want(t, e.do(tok, "DELETE", "/Users/"+last, nil), http.StatusNoContent, "")
	for _, f := range []string{"", `userName sw "w"`} {
		if names, total := walk(f); len(names) != 12 || total != 12.0 {
			t.Fatalf("after delete %q: %d users, total %v", f, len(names), total)
		}
	}
}
