package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// TestTakenCPRIsACappedLookUp: creating a user with a CPR number that
// another user holds is a CPR look-up (SPEC §14). Each such answer, 409
// user.exists on cpr, spends one of the organisation's look-ups of the
// day and never names or links the holder; once they are spent, every
// create with a CPR number answers 422 cpr.lookup_limit, taken or not, so
// the answer stops telling. Creates without a CPR number go on. The log
// tells the operator, without the number or the holder. Before, every
// guess answered user.exists, without limit.
func TestTakenCPRIsACappedLookUp(t *testing.T) {
	t.Parallel()
	const perDay = 3
	e := newDamageEnv(t, users.WithCPRLookupsPerDay(perDay))
	const taken, free = "0101901239", "0202902341"
	holder := e.create(map[string]any{"firstName": "Helle", "lastName": "Holder", "email": "helle@example.dk", "cpr": taken})
	guess := func(i int, number string) response {
		return e.do(e.a.AdminToken, "POST", "/users", map[string]any{
			"firstName": "Gæt", "lastName": "Gætter", "email": fmt.Sprintf("guess%d@example.dk", i), "cpr": number,
		})
	}
	for i := range perDay {
		r := guess(i, taken)
		wantProblem(t, r, http.StatusConflict, "user.exists", "cpr")
		for _, leak := range []string{holder.ID, strings.ReplaceAll(holder.ID, "-", ""), "Helle", "helle@", taken[:6]} {
			if strings.Contains(string(r.body), leak) || strings.Contains(r.Header.Get("Location"), leak) {
				t.Errorf("the answer for a taken number holds %q: %s", leak, r.body)
			}
		}
	}
	// Spent: a taken number and a free one get the same answer.
	for i, number := range []string{taken, free} {
		wantProblem(t, guess(perDay+i, number), http.StatusUnprocessableEntity, "cpr.lookup_limit", "cpr")
	}
	n, err := e.store.CPRLookupsOn(context.Background(), e.orgA.ID, tilgang.Today(time.Now()))
	if err != nil || n != perDay {
		t.Errorf("look-ups counted: %d, %v; want %d", n, err, perDay)
	}
	// Users without a CPR number are not held back.
	wantStatus(t, e.do(e.a.AdminToken, "POST", "/users", map[string]any{
		"firstName": "Dorte", "lastName": "Dato", "email": "dorte@example.dk", "dateOfBirth": "1990-02-02",
	}), http.StatusCreated)

	log := e.logs.String()
	if strings.Count(log, "CPR number held by another user") != perDay || strings.Count(log, "CPR look-ups of the day spent") != 2 ||
		!strings.Contains(log, e.orgA.ID) {
		t.Errorf("log does not tell the operator of each taken number:\n%s", log)
	}
	for _, leak := range []string{holder.ID, "Helle", taken[:6], free[:6]} {
		if strings.Contains(log, leak) {
			t.Errorf("log holds %q:\n%s", leak, log)
		}
	}
}
