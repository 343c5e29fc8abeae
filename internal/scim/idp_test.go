package scim_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The exact request shapes that Microsoft Entra ID and Okta send.

func TestEntraID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

	// Test Connection: a filter on a random value answers 200 with no
	// results.
	r := e.do(tok, "GET", "/Users?filter="+url.QueryEscape(`userName eq "d5b7a6f0-3c2e-4f8a-9d1b-7e6c5a4b3f2e"`), nil)
	want(t, r, http.StatusOK, "")
	if m := r.json(t); m["totalResults"] != 0.0 || len(m["Resources"].([]any)) != 0 {
		t.Fatalf("Test Connection: %s", r.body)
	}

	// Entra posts with Content-Type application/json.
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + ent + `"],
		"externalId":"8c1b-ext","userName":"Test_User_ab6490ee@example.dk","active":true,
		"displayName":"Test User","emails":[{"primary":true,"type":"work","value":"Test_User_ab6490ee@example.dk"}],
		"name":{"formatted":"Test User","familyName":"User","givenName":"Test"},
		"` + ent + `":{"employeeNumber":"1234","department":"IT"}}`
	r = e.do(tok, "POST", "/Users", body, "Content-Type", "application/json")
	want(t, r, http.StatusCreated, "")
	id := r.json(t)["id"].(string)

	// Entra's filters: on externalId, unquoted values, and value paths
	// followed by a sub-attribute.
	for _, f := range []string{
		`externalId eq "8c1b-ext"`,
		`userName eq Test_User_ab6490ee@example.dk`,
		`emails[type eq "work"].value eq "Test_User_ab6490ee@example.dk"`,
	} {
		r := e.do(tok, "GET", "/Users?filter="+url.QueryEscape(f), nil)
		want(t, r, http.StatusOK, "")
		if m := r.json(t); m["totalResults"] != 1.0 {
			t.Errorf("filter %s: %s", f, r.body)
		}
	}

	// PATCH with capitalised ops, "False" as a string, path-less replace
	// with dotted and URN keys, and manager as a bare id.
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"Replace","path":"active","value":"False"},
		{"op":"Replace","value":{"name.givenName":"Tess","` + ent + `:department":"Sales"}},
		{"op":"Add","path":"` + ent + `:manager","value":"manager-id-42"},
		{"op":"Replace","path":"emails[type eq \"work\"].value","value":"tess@example.dk"}]}`
	r = e.do(tok, "PATCH", "/Users/"+id, patch, "Content-Type", "application/json")
	want(t, r, http.StatusOK, "")
	m := r.json(t)
	if m["active"] != false {
		t.Errorf("active = %v", m["active"])
	}
	if m["name"].(map[string]any)["givenName"] != "Tess" {
		t.Errorf("name = %v", m["name"])
	}
	x := m[ent].(map[string]any)
	if x["department"] != "Sales" || x["manager"].(map[string]any)["value"] != "manager-id-42" || x["employeeNumber"] != "1234" {
		t.Errorf("enterprise = %v", x)
	}
	if !strings.Contains(string(r.body), "tess@example.dk") {
		t.Errorf("emails not patched: %s", r.body)
	}
	// SPEC §4: active=false is an open-ended deactivation; true ends it.
	if st := m["urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"].(map[string]any)["status"]; st != "deactivated" {
		t.Errorf("status after active=False: %v", st)
	}
	r = e.do(tok, "PATCH", "/Users/"+id, `{"Operations":[{"op":"Replace","path":"active","value":"True"}]}`)
	want(t, r, http.StatusOK, "")
	if st := r.json(t)["urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"].(map[string]any)["status"]; st != "pending_activation" {
		t.Errorf("status after active=True: %v", st)
	}
}

func TestOkta(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	// Okta looks a user up before creating it.
	r := e.do(tok, "GET", "/Users?filter="+url.QueryEscape(`userName eq "okta.user@example.dk"`)+"&startIndex=1&count=100", nil)
	want(t, r, http.StatusOK, "")
	if m := r.json(t); m["totalResults"] != 0.0 || m["startIndex"] != 1.0 {
		t.Fatalf("look-up: %s", r.body)
	}
	body := user("okta.user@example.dk")
	body["password"] = map[string]any{"value": "hunter2"} // ignored, never stored
	id := e.create(tok, body)
	// Path-less deactivation.
	r = e.do(tok, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`)
	want(t, r, http.StatusOK, "")
	if r.json(t)["active"] != false {
		t.Fatalf("active: %s", r.body)
	}
	// Okta updates with PUT.
	put := user("okta.user@example.dk")
	put["id"] = id
	put["active"] = true
	put["name"] = map[string]any{"givenName": "Okta", "familyName": "User"}
	r = e.do(tok, "PUT", "/Users/"+id, put)
	want(t, r, http.StatusOK, "")
	// RFC 7644 §3.5.1: PUT replaces; a displayName the body does not hold
	// is not made up from the names.
	if m := r.json(t); m["active"] != true || m["name"].(map[string]any)["givenName"] != "Okta" || m["displayName"] != nil {
		t.Fatalf("PUT: %s", r.body)
	}
	if strings.Contains(string(e.do(tok, "GET", "/Users/"+id, nil).body), "hunter2") {
		t.Fatal("password returned")
	}
}
