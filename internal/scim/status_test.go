package scim_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
)

// TestStatusFilters checks the filters a list answers from the status
// index and the user counters (issue 18) against what matching every user
// gives: the same users, in the same userName order, on every page, with
// the same total, also after a status changes.
func TestStatusFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.a.SCIMToken
	ids := map[string]string{}
	for i := range 14 {
		name := fmt.Sprintf("user%02d@example.dk", i)
		u := user(name)
		switch i % 4 {
		case 0: // known by date of birth alone: imported, no mail
			u[tilgangURN] = map[string]any{"dateOfBirth": "1990-01-01"}
		case 1:
			u["active"] = false
		}
		ids[name] = e.create(tok, u)
	}
	e.create(e.b.SCIMToken, user("user03@example.dk")) // another tenant's namesake

	// expected is what matching every user of the organisation gives.
	expected := func(t *testing.T, keep func(u map[string]any) bool) []string {
		t.Helper()
		r := e.do(tok, "GET", "/Users?count=1000", nil)
		want(t, r, http.StatusOK, "")
		var names []string
		for _, res := range r.json(t)["Resources"].([]any) {
			if u := res.(map[string]any); keep(u) {
				names = append(names, u["userName"].(string))
			}
		}
		return names
	}
	// pages reads every page of a filter, count users at a time, and
	// checks each page's total.
	pages := func(t *testing.T, filter string, count int, total int) []string {
		t.Helper()
		var names []string
		for start := 1; ; start += count {
			r := e.do(tok, "GET", fmt.Sprintf("/Users?filter=%s&startIndex=%d&count=%d", url.QueryEscape(filter), start, count), nil)
			want(t, r, http.StatusOK, "")
			m := r.json(t)
			if m["totalResults"] != float64(total) {
				t.Fatalf("%s from %d: totalResults %v, want %d", filter, start, m["totalResults"], total)
			}
			res := m["Resources"].([]any)
			for _, u := range res {
				names = append(names, u.(map[string]any)["userName"].(string))
			}
			if len(res) < count {
				return names
			}
		}
	}
	active := func(u map[string]any) bool { return u["active"] == true }
	status := func(st string) func(u map[string]any) bool {
		return func(u map[string]any) bool { return u[tilgangURN].(map[string]any)["status"] == st }
	}
	check := func(t *testing.T) {
		t.Helper()
		tests := []struct {
			filter string
			keep   func(u map[string]any) bool
		}{
			{`active eq true`, active},
			{`active ne false`, active},
			{`active eq false`, func(u map[string]any) bool { return !active(u) }},
			{`urn:ietf:params:scim:schemas:core:2.0:User:active eq false`, func(u map[string]any) bool { return !active(u) }},
			{tilgangURN + `:status eq "imported"`, status("imported")},
			{tilgangURN + `:status eq "PENDING_ACTIVATION"`, status("pending_activation")},
			{tilgangURN + `:status eq "no such status"`, func(map[string]any) bool { return false }},
		}
		for _, tt := range tests {
			want := expected(t, tt.keep)
			for _, count := range []int{1, 2, 3, 100} {
				if got := pages(t, tt.filter, count, len(want)); !slices.Equal(got, want) {
					t.Errorf("%s in pages of %d: %v, want %v", tt.filter, count, got, want)
				}
			}
		}
		if n := len(expected(t, active)); n == 0 || n == 14 {
			t.Fatalf("%d of 14 users active: the test needs both", n)
		}
	}
	t.Run("as created", check)

	// Deactivating and deleting move users between the answers; the
	// counters move with them.
	r := e.do(tok, "PATCH", "/Users/"+ids["user02@example.dk"], map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}},
	})
	want(t, r, http.StatusOK, "")
	want(t, e.do(tok, "DELETE", "/Users/"+ids["user04@example.dk"], nil), http.StatusNoContent, "")
	t.Run("after changes", check)

	t.Run("count=0 gives the total alone", func(t *testing.T) {
		r := e.do(tok, "GET", "/Users?count=0&filter="+url.QueryEscape(`active eq true`), nil)
		want(t, r, http.StatusOK, "")
		if m := r.json(t); m["totalResults"] != float64(len(expected(t, active))) || len(m["Resources"].([]any)) != 0 {
			t.Fatalf("count=0: %s", r.body)
		}
	})
}
