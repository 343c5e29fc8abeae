package admin_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestBulkActivationCountsUsersNotSpellings: one user named in five
// spellings of its UUID is activated (and mailed) once; entries that are
// no UUID are refused each once, and looked up never.
func TestBulkActivationCountsUsersNotSpellings(t *testing.T) {
	t.Parallel()
	e := newLifecycleEnv(t)
	A := e.a.AdminToken
	id := e.create(cprUser("fem@example.dk")).ID
	bare := strings.ReplaceAll(id, "-", "")
	spellings := []string{id, strings.ToUpper(id), bare, "{" + id + "}", "urn:uuid:" + strings.ToUpper(bare[:8]) + id[8:]}
	r := e.do(A, "POST", "/users/activate", map[string]any{"userIds": append(spellings, "junk", "junk", " "+id+" ")})
	wantStatus(t, r, http.StatusOK)
	got := decode[bulkAnswer](t, r).Results
	if len(got) != 2 {
		t.Fatalf("results %s, want one for the user and one for junk", r.body)
	}
	if got[0].UserID != id || !got[0].OK {
		t.Errorf("user result %+v, want %s ok", got[0], id)
	}
	if got[1].UserID != "junk" || got[1].OK || got[1].Error == nil || got[1].Error.Code != "user.id_invalid" {
		t.Errorf("junk result %+v", got[1])
	}

	// One activation mail, one history entry of it.
	r = e.do(A, "GET", "/users/"+id+"/history", nil)
	wantStatus(t, r, http.StatusOK)
	var sent int
	for _, h := range decode[struct {
		Items []struct{ Action string }
	}](t, r).Items {
		if strings.HasPrefix(h.Action, "activation.") {
			sent++
		}
	}
	if sent != 1 {
		t.Errorf("%d activation entries in the history, want 1: %s", sent, r.body)
	}
}
