package scim_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
)

const tilgangURN = "urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"

// TestCPRGivenAgainIsNoOracle: SPEC §14, no oracle on CPR numbers. A PUT
// or PATCH that sends a CPR number for a user who has one gets the same
// answer, byte for byte apart from the user's own id, name and times,
// and the same history, whether the number is the user's or a guess; and
// the number stays the one the user was created with. Before, a wrong
// number answered 400 mutability and the right one 200.
func TestCPRGivenAgainIsNoOracle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	withCPR := func(body map[string]any, number string) map[string]any {
		body[tilgangURN] = map[string]any{"cpr": number}
		return body
	}
	for k, tc := range []struct {
		name string
		send func(id, userName, number string) response
	}{
		{"PUT", func(id, userName, number string) response {
			body := withCPR(user(userName), number)
			body["title"] = "Snedker"
			return e.do(e.a.SCIMToken, "PUT", "/Users/"+id, body)
		}},
		{"PATCH with a path", func(id, _, number string) response {
			return e.do(e.a.SCIMToken, "PATCH", "/Users/"+id, map[string]any{
				"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
				"Operations": []any{
					map[string]any{"op": "replace", "path": tilgangURN + ":cpr", "value": number},
					map[string]any{"op": "replace", "path": "title", "value": "Snedker"},
				}})
		}},
		{"PATCH without a path", func(id, _, number string) response {
			return e.do(e.a.SCIMToken, "PATCH", "/Users/"+id, map[string]any{
				"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
				"Operations": []any{map[string]any{"op": "Replace", "value": map[string]any{
					tilgangURN + ":cpr": number, "title": "Snedker"}}},
			})
		}},
	} {
		// The guess has the right date, as an attacker's would.
		right, wrong, other := fmt.Sprintf("010190%d100", k), fmt.Sprintf("010190%d101", k), fmt.Sprintf("010190%d200", k)
		t.Run(tc.name, func(t *testing.T) {
			// Two users alike but for their names and numbers; one is sent
			// its own number, the other a guess.
			var answers [2][]byte
			var histories [2][]string
			for i, number := range []string{right, wrong} {
				userName := strings.ToLower(strings.ReplaceAll(tc.name, " ", "")) + string(rune('a'+i)) + "@example.dk"
				own := right
				if i == 1 {
					own = other // the guess is not this user's number
				}
				id := e.create(e.a.SCIMToken, withCPR(user(userName), own))
				r := tc.send(id, userName, number)
				if r.StatusCode != http.StatusOK {
					t.Fatalf("%s with CPR %s: status %d, want 200: %s", tc.name, number, r.StatusCode, r.body)
				}
				answers[i] = normalise(r.body, id, userName)
				histories[i] = historyOf(t, e, id)
				// The number did not change: the user is still found by its own.
				if got, err := e.store.UserByCPRLookup(context.Background(), e.orgA.ID, testLookup(t, e.orgA.ID, own)); err != nil || got.ID != id {
					t.Fatalf("user %s is no longer found by its own CPR number: %v", id, err)
				}
			}
			if !bytes.Equal(answers[0], answers[1]) {
				t.Errorf("right and wrong CPR numbers answer differently:\nright %s\nwrong %s", answers[0], answers[1])
			}
			if !slices.Equal(histories[0], histories[1]) {
				t.Errorf("right and wrong CPR numbers leave different history: %v and %v", histories[0], histories[1])
			}
		})
	}
}

// TestDateOfBirthOfACPRNumberHidden: SCIM never shows the date of a CPR
// number (6 of its 10 digits): not in answers, not to a filter, and a date
// sent for such a user is not compared with it either. A user known by
// date of birth alone still shows it, and a user without a CPR number may
// be given one.
func TestDateOfBirthOfACPRNumberHidden(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := user("cpr@example.dk")
	body[tilgangURN] = map[string]any{"cpr": "0101901234"}
	withCPR := e.create(e.a.SCIMToken, body)
	body = user("dob@example.dk")
	body[tilgangURN] = map[string]any{"dateOfBirth": "1990-01-01"}
	byDate := e.create(e.a.SCIMToken, body)

	for _, path := range []string{"/Users/" + withCPR, "/Users?filter=userName%20eq%20%22cpr@example.dk%22", "/Users"} {
		r := e.do(e.a.SCIMToken, "GET", path, nil)
		want(t, r, http.StatusOK, "")
		if bytes.Contains(r.body, []byte("1990-01-01")) != (path == "/Users") {
			t.Errorf("GET %s: %s", path, r.body) // only the list holds the date-of-birth user
		}
	}
	r := e.do(e.a.SCIMToken, "GET", "/Users?filter="+strings.ReplaceAll(tilgangURN, ":", "%3A")+"%3AdateOfBirth%20eq%20%221990-01-01%22", nil)
	want(t, r, http.StatusOK, "")
	if bytes.Contains(r.body, []byte(withCPR)) || !bytes.Contains(r.body, []byte(byDate)) {
		t.Errorf("a filter on dateOfBirth finds the CPR user, or misses the date-of-birth user: %s", r.body)
	}

	// A date sent for the CPR user, right or wrong, is ignored alike.
	var answers [2][]byte
	for i, date := range []string{"1990-01-01", "1990-01-02"} {
		r := e.do(e.a.SCIMToken, "PATCH", "/Users/"+withCPR, map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "replace", "path": tilgangURN + ":dateOfBirth", "value": date}}})
		want(t, r, http.StatusOK, "")
		answers[i] = normalise(r.body, withCPR, "cpr@example.dk")
	}
	if !bytes.Equal(answers[0], answers[1]) || bytes.Contains(answers[0], []byte("1990-01")) {
		t.Errorf("dates sent for a CPR user answer differently or show: %s / %s", answers[0], answers[1])
	}

	// The date-of-birth user gets a CPR number, which then hides the date.
	r = e.do(e.a.SCIMToken, "PATCH", "/Users/"+byDate, map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "add", "path": tilgangURN + ":cpr", "value": "0101903678"}}})
	want(t, r, http.StatusOK, "")
	if bytes.Contains(r.body, []byte("1990-01-01")) {
		t.Errorf("the date of a new CPR number shows: %s", r.body)
	}
	if got, err := e.store.UserByCPRLookup(context.Background(), e.orgA.ID, testLookup(t, e.orgA.ID, "0101903678")); err != nil || got.ID != byDate {
		t.Errorf("the first CPR number was not stored: %v", err)
	}
}

var metaTimes = regexp.MustCompile(`"(created|lastModified|version)":"[^"]*"`)

// normalise takes out of a SCIM answer what differs between two users
// alike: their ids, names and times.
func normalise(body []byte, id, userName string) []byte {
	body = bytes.ReplaceAll(body, []byte(id), []byte("ID"))
	body = bytes.ReplaceAll(body, []byte(userName), []byte("NAME"))
	return metaTimes.ReplaceAll(body, []byte(`"$1":"…"`))
}

// historyOf lists a user's history as action and changed fields.
func historyOf(t *testing.T, e *env, id string) []string {
	t.Helper()
	acts, err := e.store.History(context.Background(), e.orgA.ID, id, store.HistoryQuery{Oldest: true})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(acts))
	for i, a := range acts {
		out[i] = a.Actor + " " + a.Action + " " + strings.Join(a.Fields, ",")
	}
	return out
}

// testLookup is the look-up hash that the users service gives number in
// org, with the tests' key.
func testLookup(t *testing.T, org, number string) string {
	t.Helper()
	vault, err := cpr.NewVault(testenv.CPRKey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := cpr.Parse(number)
	if err != nil {
		t.Fatal(err)
	}
	return vault.Lookup(org, n)
}
