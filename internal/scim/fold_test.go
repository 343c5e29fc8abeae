package scim_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// bareUser is a User body with a userName and no e-mail, as RFC 7643
// allows: a look-alike userName need not be a valid address.
func bareUser(userName string) map[string]any {
	return map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": userName,
		"name":     map[string]any{"givenName": "Anna", "familyName": "Hansen"},
	}
}

// TestUserNameFoldNFKC: userNames are one name after NFKC and case
// folding (SPEC §14), for uniqueness and for `userName eq`; the name
// reads back as the client sent it.
func TestUserNameFoldNFKC(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	maxID := e.create(tok, user("max@example.com"))

	for _, name := range []string{
		"ｍax@example.com", // full-width m
		"ＭＡＸ＠ＥＸＡＭＰＬＥ．ＣＯＭ", // all full-width
		"MAX@EXAMPLE.COM", // case, as before
	} {
		r := e.do(tok, "POST", "/Users", bareUser(name))
		want(t, r, http.StatusConflict, "uniqueness")
	}

	for _, name := range []string{"ｍax@example.com", "max@ｅxample.com"} {
		r := e.do(tok, "GET", "/Users?filter="+url.QueryEscape(`userName eq "`+name+`"`), nil)
		want(t, r, http.StatusOK, "")
		m := r.json(t)
		res, _ := m["Resources"].([]any)
		if m["totalResults"] != float64(1) || len(res) != 1 || res[0].(map[string]any)["id"] != maxID {
			t.Errorf("filter userName eq %q = %s, want the user %s", name, r.body, maxID)
		}
	}

	// Kelvin sign and ligature: stored as sent, found by the plain form.
	id := e.create(tok, bareUser("\u212Aari.ﬁnn"))
	r := e.do(tok, "GET", "/Users/"+id, nil)
	want(t, r, http.StatusOK, "")
	if got := r.json(t)["userName"]; got != "\u212Aari.ﬁnn" {
		t.Errorf("userName reads back as %q, want it as sent", got)
	}
	r = e.do(tok, "GET", "/Users?filter="+url.QueryEscape(`userName eq "kari.finn"`), nil)
	if want(t, r, http.StatusOK, ""); r.json(t)["totalResults"] != float64(1) {
		t.Errorf("filter by the plain form: %s", r.body)
	}
	want(t, e.do(tok, "POST", "/Users", bareUser("KARI.FINN")), http.StatusConflict, "uniqueness")
}

// TestUserNameMixedScripts: a userName whose letters mix Latin with
// Cyrillic or Greek, look-alikes no fold joins, is refused with 400
// invalidValue and the rulebook's code; a stored one (from before the
// rule) does not stop other changes, such as a deprovisioning.
func TestUserNameMixedScripts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	e.create(tok, user("jens@example.com"))
	for _, name := range []string{
		"j\u0435ns@example.com", // Cyrillic е
		"b\u03BFb",              // Greek ο
		"ma\u200Bx",             // zero-width space
	} {
		r := e.do(tok, "POST", "/Users", bareUser(name))
		want(t, r, http.StatusBadRequest, "invalidValue")
		if d, _ := r.json(t)["detail"].(string); !strings.Contains(d, "userName") || !strings.Contains(d, "(username.") {
			t.Errorf("POST %q: detail %q names no userName rule", name, d)
		}
	}
	// One script, whatever it is, is a name.
	for _, name := range []string{"дмитрий.иванов", "Γιώργος", "søren.ærø"} {
		e.create(tok, bareUser(name))
	}

	// A user stored with a mixed name before the rule keeps working.
	old := &tilgang.User{ID: "9f1c0b5e-3d2a-4c1b-8e7f-000000000001", OrgID: e.orgA.ID, UserName: "ol\u0435@example.com",
		FirstName: "Ole", LastName: "Hansen", Status: tilgang.StatusActive}
	if err := e.store.CreateUser(context.Background(), old, tilgang.Change{Activity: tilgang.Activity{Actor: "test", Source: "test", Action: "user.created"}}); err != nil {
		t.Fatal(err)
	}
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`
	want(t, e.do(tok, "PATCH", "/Users/"+old.ID, patch), http.StatusOK, "")
	rename := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"userName","value":"ol\u0435.hansen@example.com"}]}`
	want(t, e.do(tok, "PATCH", "/Users/"+old.ID, rename), http.StatusBadRequest, "invalidValue")
}
