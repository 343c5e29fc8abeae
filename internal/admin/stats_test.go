package admin_test

import (
	"net/http"
	"testing"
)

// TestStats reads the dashboard counts as users come, change status and
// go, and checks that one organisation's counts are its own.
func TestStats(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	type stats struct {
		Users struct {
			Total    int            `json:"total"`
			ByStatus map[string]int `json:"byStatus"`
		} `json:"users"`
	}
	read := func(token string) stats {
		t.Helper()
		r := e.do(token, "GET", "/organisation/stats", nil)
		wantStatus(t, r, http.StatusOK)
		return decode[stats](t, r)
	}
	if s := read(e.a.AdminToken); s.Users.Total != 0 || len(s.Users.ByStatus) != 5 || s.Users.ByStatus["imported"] != 0 {
		t.Fatalf("empty organisation: %+v, want total 0 and every status at 0", s)
	}
	anna := e.create(cprUser("anna@example.dk"))
	e.create(dobUser("bo@example.dk"))
	wantStatus(t, e.do(e.a.AdminToken, "POST", "/users/"+anna.ID+"/deactivate", map[string]any{}), http.StatusOK)
	s := read(e.a.AdminToken)
	if s.Users.Total != 2 || s.Users.ByStatus["deactivated"] != 1 || s.Users.ByStatus["deactivated"]+s.Users.ByStatus["pending_activation"]+s.Users.ByStatus["imported"]+s.Users.ByStatus["active"] != 2 {
		t.Errorf("after two creates and a deactivation: %+v", s)
	}
	wantStatus(t, e.do(e.a.AdminToken, "DELETE", "/users/"+anna.ID, nil), http.StatusNoContent)
	if s := read(e.a.AdminToken); s.Users.Total != 1 || s.Users.ByStatus["deactivated"] != 0 {
		t.Errorf("after a delete: %+v", s)
	}
	if s := read(e.b.AdminToken); s.Users.Total != 0 {
		t.Errorf("organisation B sees %+v, want none of A's users", s)
	}
}
