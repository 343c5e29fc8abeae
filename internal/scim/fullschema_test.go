package scim_test

import (
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
)

// readJSON reads a fixture as a generic JSON object.
func readJSON(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// serverOwned are the attributes the service provider sets or never
// returns: everything else of a request must read back as it was sent.
var serverOwned = []string{"schemas", "id", "meta", "active", "password", "groups", "urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"}

// TestMinimalCreate: RFC 7643 §4.1 requires only userName; the service
// provider adds id and meta (RFC 7644 §3.3).
func TestMinimalCreate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do(e.a.SCIMToken, "POST", "/Users", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "x"}`)
	want(t, r, http.StatusCreated, "")
	if ct := r.Header.Get("Content-Type"); ct != "application/scim+json" {
		t.Errorf("Content-Type %q, want the media type alone (RFC 7644 §3.1)", ct)
	}
	m := r.json(t)
	if m["userName"] != "x" || m["id"] == "" || m["emails"] != nil || m["displayName"] != nil {
		t.Fatalf("minimal user: %s", r.body)
	}
}

// TestFullUserRoundTrip: every attribute of the core User schema (RFC 7643
// §4.1) and the enterprise extension (§4.3), as in the RFC's full
// representation (§8.2), reads back with the values it was written with,
// after POST, GET and PUT.
func TestFullUserRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	sent := readJSON(t, "full_user.json")
	r := e.do(tok, "POST", "/Users", sent)
	want(t, r, http.StatusCreated, "")
	created := r.json(t)
	id := created["id"].(string)
	sameValues(t, "POST", sent, created)
	got := e.do(tok, "GET", "/Users/"+id, nil)
	want(t, got, http.StatusOK, "")
	sameValues(t, "GET", sent, got.json(t))
	if !reflect.DeepEqual(created["schemas"], got.json(t)["schemas"]) || !strings.Contains(string(got.body), "enterprise:2.0:User\"") {
		t.Errorf("schemas: %v", got.json(t)["schemas"])
	}
	// A PUT of the same body changes nothing a client sees.
	r = e.do(tok, "PUT", "/Users/"+id, sent)
	want(t, r, http.StatusOK, "")
	sameValues(t, "PUT", sent, r.json(t))
	// The product's own fields are derived from them (SPEC §5).
	admin := e.store.UserByUserName
	u, err := admin(t.Context(), e.orgA.ID, "bjensen@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "bjensen@example.com" || u.Phone != "+4555555555" || u.FirstName != "Barbara" || u.LastName != "Jensen" || u.Department != "Tour Operations" {
		t.Errorf("derived fields: email %q phone %q names %q %q department %q", u.Email, u.Phone, u.FirstName, u.LastName, u.Department)
	}
}

// sameValues checks that every attribute of sent that the client owns is
// in got with an equal value.
func sameValues(t *testing.T, step string, sent, got map[string]any) {
	t.Helper()
	for k, v := range sent {
		if isServerOwned(k) {
			continue
		}
		if !reflect.DeepEqual(got[k], v) {
			a, _ := json.Marshal(v)
			b, _ := json.Marshal(got[k])
			t.Errorf("%s: %s\nsent %s\ngot  %s", step, k, a, b)
		}
	}
}

func isServerOwned(k string) bool {
	for _, o := range serverOwned {
		if k == o {
			return true
		}
	}
	return false
}

// TestPatchMultiValued: PATCH add, replace through a value filter and
// remove, on each multi-valued attribute of the core User schema, and
// removal of the whole attribute (RFC 7644 §3.5.2.1–§3.5.2.3).
func TestPatchMultiValued(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	cases := []struct {
		attr  string
		value map[string]any // a value of type "other" (or the attribute's own)
		typ   string
		sub   string // a sub-attribute to replace
		to    any
	}{
		{"emails", map[string]any{"value": "other@example.com", "type": "other"}, "other", "value", "changed@example.com"},
		{"phoneNumbers", map[string]any{"value": "+45 11 11 11 11", "type": "fax"}, "fax", "value", "+45 22 22 22 22"},
		{"ims", map[string]any{"value": "xmpp:babs@example.com", "type": "xmpp"}, "xmpp", "value", "xmpp:b@example.com"},
		{"photos", map[string]any{"value": "https://photos.example.com/b", "type": "extra"}, "extra", "value", "https://photos.example.com/c"},
		{"addresses", map[string]any{"locality": "Aarhus", "country": "DK", "type": "other"}, "other", "locality", "Odense"},
		{"entitlements", map[string]any{"value": "licence-b", "type": "extra"}, "extra", "value", "licence-c"},
		{"roles", map[string]any{"value": "driver", "type": "extra"}, "extra", "display", "Driver"},
		{"x509Certificates", map[string]any{"value": "AAEC", "type": "extra"}, "extra", "value", "AAED"},
	}
	for _, c := range cases {
		t.Run(c.attr, func(t *testing.T) {
			t.Parallel()
			body := readJSON(t, "full_user.json")
			name := "patch." + c.attr + "@example.com"
			body["userName"], body["externalId"] = name, name
			id := e.create(tok, body)
			before := len(body[c.attr].([]any))
			patch := func(ops string) map[string]any {
				t.Helper()
				r := e.do(tok, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+ops+`]}`)
				want(t, r, http.StatusOK, "")
				return r.json(t)
			}
			value, _ := json.Marshal(c.value)
			// §3.5.2.1: add appends to a multi-valued attribute.
			m := patch(`{"op":"add","path":"` + c.attr + `","value":[` + string(value) + `]}`)
			if l, _ := m[c.attr].([]any); len(l) != before+1 {
				t.Fatalf("after add: %v", m[c.attr])
			}
			// §3.5.2.3: replace through a value filter changes that value only.
			to, _ := json.Marshal(c.to)
			m = patch(`{"op":"replace","path":"` + c.attr + `[type eq \"` + c.typ + `\"].` + c.sub + `","value":` + string(to) + `}`)
			if l, _ := m[c.attr].([]any); len(l) != before+1 || !holds(l, c.sub, c.to) {
				t.Fatalf("after replace: %v", m[c.attr])
			}
			// §3.5.2.2: remove with a value filter removes that value.
			m = patch(`{"op":"remove","path":"` + c.attr + `[type eq \"` + c.typ + `\"]"}`)
			if l, _ := m[c.attr].([]any); len(l) != before {
				t.Fatalf("after filtered remove: %v", m[c.attr])
			}
			// §3.5.2.2: remove without a filter removes the whole attribute.
			m = patch(`{"op":"remove","path":"` + c.attr + `"}`)
			if v, ok := m[c.attr]; ok {
				t.Fatalf("after remove of the attribute: %v", v)
			}
			got := e.do(tok, "GET", "/Users/"+id, nil).json(t)
			if _, ok := got[c.attr]; ok {
				t.Fatalf("GET after remove: %v", got[c.attr])
			}
		})
	}
}

func holds(list []any, sub string, v any) bool {
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && reflect.DeepEqual(m[sub], v) {
			return true
		}
	}
	return false
}

// TestRemovedEmailStopsTheProductAddress: removing every e-mail leaves the
// user without an address, which the admin API then shows.
func TestRemovedEmailStopsTheProductAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	id := e.create(tok, user("noaddress@example.com"))
	r := e.do(tok, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"emails"}]}`)
	want(t, r, http.StatusOK, "")
	u, err := e.store.UserByUserName(t.Context(), e.orgA.ID, "noaddress@example.com")
	if err != nil || u.Email != "" {
		t.Fatalf("email %q, err %v", u.Email, err)
	}
}

// TestUniquenessWins: a body whose userName or externalId is taken gets
// 409 uniqueness (RFC 7644 §3.3, §3.12) whatever else it lacks or gets
// wrong, so that an identity provider can match the existing user.
func TestUniquenessWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	body := user("taken@example.com")
	body["externalId"] = "ext-taken"
	id := e.create(tok, body)
	other := e.create(tok, user("other@example.com"))
	cases := []struct {
		name, method, path, body string
	}{
		{"nothing but userName", "POST", "/Users", `{"userName":"taken@example.com"}`},
		{"userName in another case", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"TAKEN@example.com"}`},
		{"bad e-mail too", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"taken@example.com","emails":[{"value":"not an address"}]}`},
		{"bad type too", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"taken@example.com","emails":"x"}`},
		{"externalId only taken", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"new@example.com","externalId":"ext-taken","phoneNumbers":[{"value":"abc"}]}`},
		{"PUT onto a taken userName", "PUT", "/Users/" + other, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"taken@example.com","emails":[{"value":"bad"}]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			want(t, e.do(tok, c.method, c.path, c.body), http.StatusConflict, "uniqueness")
		})
	}
	// The user's own values are no conflict: a bad value is its own error.
	r := e.do(tok, "PUT", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"taken@example.com","externalId":"ext-taken","emails":[{"value":"bad"}]}`)
	want(t, r, http.StatusBadRequest, "invalidValue")
}

// TestLocationIsConfigured: meta.location and Location come from the
// configured base URL, never from the Host header a client chooses.
func TestLocationIsConfigured(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do(e.a.SCIMToken, "POST", "/Users", user("host@example.com"), "Host", "evil.example", "X-Forwarded-Proto", "gopher")
	want(t, r, http.StatusCreated, "")
	m := r.json(t)
	loc := m["meta"].(map[string]any)["location"].(string)
	if !strings.HasPrefix(loc, e.srv.URL+"/scim/v2/Users/") || r.Header.Get("Location") != loc {
		t.Fatalf("location %q, header %q", loc, r.Header.Get("Location"))
	}
	if v := m["meta"].(map[string]any)["version"]; v != r.Header.Get("ETag") {
		t.Fatalf("meta.version %v, ETag %q", v, r.Header.Get("ETag"))
	}
}

// TestTwoPrimaries: at most one value of a multi-valued attribute is
// primary (RFC 7643 §2.4).
func TestTwoPrimaries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := user("primaries@example.com")
	body["emails"] = []any{
		map[string]any{"value": "a@example.com", "primary": true},
		map[string]any{"value": "b@example.com", "primary": true},
	}
	want(t, e.do(e.a.SCIMToken, "POST", "/Users", body), http.StatusBadRequest, "invalidValue")
}
