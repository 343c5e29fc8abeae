package scim_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/users"
)

// TestTakenCPRIsACappedLookUpOverSCIM: over SCIM, a CPR number that another
// user holds, given to a new user (POST) or as the first number of a user
// without one (PATCH), answers 409 uniqueness without naming the holder
// and spends one of the organisation's CPR look-ups of the day; once they
// are spent, every CPR number given answers 400 tooMany naming
// cpr.lookup_limit, taken or not (SPEC §14). Before, every guess answered
// 409, without limit.
func TestTakenCPRIsACappedLookUpOverSCIM(t *testing.T) {
	t.Parallel()
	const perDay = 2
	e := newEnvWith(t, users.WithCPRLookupsPerDay(perDay))
	tok := e.a.SCIMToken
	const taken, free = "0101901239", "0202902341"
	withCPR := func(userName, number string) map[string]any {
		b := user(userName)
		b[tilgangURN] = map[string]any{"cpr": number}
		return b
	}
	holder := e.create(tok, withCPR("holder@example.dk", taken))
	plain := e.create(tok, user("plain@example.dk"))
	addCPR := func(number string) response {
		return e.do(tok, "PATCH", "/Users/"+plain, map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "add", "path": tilgangURN + ":cpr", "value": number}},
		})
	}
	noLeak := func(r response) {
		t.Helper()
		for _, leak := range []string{holder, strings.ReplaceAll(holder, "-", ""), "holder@", taken[:6]} {
			if strings.Contains(string(r.body), leak) {
				t.Errorf("the answer for a taken number holds %q: %s", leak, r.body)
			}
		}
	}
	r := e.do(tok, "POST", "/Users", withCPR("guess0@example.dk", taken))
	want(t, r, http.StatusConflict, "uniqueness")
	noLeak(r)
	r = addCPR(taken)
	want(t, r, http.StatusConflict, "uniqueness")
	noLeak(r)

	for i, c := range []func() response{
		func() response { return e.do(tok, "POST", "/Users", withCPR("guess1@example.dk", taken)) },
		func() response { return e.do(tok, "POST", "/Users", withCPR("guess2@example.dk", free)) },
		func() response { return addCPR(taken) },
		func() response { return addCPR(free) },
	} {
		r := c()
		want(t, r, http.StatusBadRequest, "tooMany")
		if d, _ := r.json(t)["detail"].(string); !strings.Contains(d, "cpr.lookup_limit") {
			t.Errorf("%d: detail %q does not name cpr.lookup_limit", i, d)
		}
		noLeak(r)
	}
	// Users without a CPR number are not held back.
	e.create(tok, user(fmt.Sprintf("later%d@example.dk", 1)))
}
