package admin_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// lifecycleToday is the date of the fixed clock of the lifecycle tests.
const lifecycleToday = "2026-11-26"

// newLifecycleEnv is newEnv whose users service reads a fixed clock, noon
// on lifecycleToday in Copenhagen, so that windows "from today" do not
// depend on when the test runs.
func newLifecycleEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	vault, err := cpr.NewVault(testenv.CPRKey)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := secret.NewCodes(testenv.CPRKey)
	if err != nil {
		t.Fatal(err)
	}
	noon := time.Date(2026, 11, 26, 12, 0, 0, 0, tilgang.Copenhagen())
	e.users = users.New(e.store, vault, codes, testenv.Links(t), users.WithClock(func() time.Time { return noon }))
	e.srv = httptest.NewServer(newHandler(t, e.store, e.users, func() time.Time { return noon }, slog.New(slog.NewJSONHandler(io.Discard, nil))))
	t.Cleanup(e.srv.Close)
	return e
}

// activate completes a user's activation on its page, with answer.
func (e *env) activate(id, answer string) {
	e.t.Helper()
	u, err := e.store.User(context.Background(), e.orgA.ID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	tok, err := e.users.ActivationToken(u)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.users.CompleteActivation(context.Background(), tok, answer); err != nil {
		e.t.Fatal(err)
	}
}

type activationAnswer struct {
	Status         string `json:"status"`
	ActivationCode string `json:"activationCode"`
}

func TestActivationCalls(t *testing.T) {
	t.Parallel()
	e := newLifecycleEnv(t)
	A, B := e.a.AdminToken, e.b.AdminToken
	anna := e.create(cprUser("anna@example.dk"))
	bo := e.create(dobUser("bo@example.dk"))

	r := e.do(A, "POST", "/users/"+anna.ID+"/activation", nil)
	wantStatus(t, r, http.StatusAccepted)
	if got := decode[activationAnswer](t, r); got.Status != string(tilgang.StatusPendingActivation) || got.ActivationCode != "" || strings.Contains(string(r.body), "activationCode") {
		t.Fatalf("resend to a CPR user: %s", r.body)
	}
	r = e.do(A, "POST", "/users/"+bo.ID+"/activation", nil)
	wantStatus(t, r, http.StatusAccepted)
	resent := decode[activationAnswer](t, r)
	if len(resent.ActivationCode) != secret.CodeLength || resent.ActivationCode == bo.ActivationCode {
		t.Fatalf("resend to a date-of-birth user: %s", r.body)
	}

	r = e.do(A, "POST", "/users/"+bo.ID+"/activation-code", nil)
	wantStatus(t, r, http.StatusOK)
	if code := decode[activationAnswer](t, r).ActivationCode; len(code) != secret.CodeLength || code == resent.ActivationCode {
		t.Fatalf("new code: %s", r.body)
	}
	wantProblem(t, e.do(A, "POST", "/users/"+anna.ID+"/activation-code", nil), http.StatusConflict, "activation.no_code", "")

	e.activate(anna.ID, annaCPR)
	wantProblem(t, e.do(A, "POST", "/users/"+anna.ID+"/activation", nil), http.StatusConflict, users.ErrTransitionCode, "status")

	// Another organisation's users do not exist for B; nor does junk.
	for _, path := range []string{"/users/" + bo.ID + "/activation", "/users/" + bo.ID + "/activation-code",
		"/users/" + bo.ID + "/deactivate", "/users/" + bo.ID + "/reactivate", "/users/junk/activation"} {
		tok := B
		if strings.Contains(path, "junk") {
			tok = A
		}
		wantProblem(t, e.do(tok, "POST", path, nil), http.StatusNotFound, "user.not_found", "")
	}
	wantProblem(t, e.do(B, "GET", "/users/"+bo.ID+"/history", nil), http.StatusNotFound, "user.not_found", "")
}

type bulkAnswer struct {
	Results []struct {
		UserID string `json:"userId"`
		OK     bool   `json:"ok"`
		Error  *struct {
			Code   string `json:"code"`
			Detail string `json:"detail"`
		} `json:"error"`
	} `json:"results"`
}

func TestBulkActivateCall(t *testing.T) {
	t.Parallel()
	e := newLifecycleEnv(t)
	A := e.a.AdminToken
	var ids []string
	for i, c := range []string{"0101901234", "0201901234", "0301901234"} {
		body := cprUser(fmt.Sprintf("cpr%d@example.dk", i))
		body["cpr"] = c
		ids = append(ids, e.create(body).ID)
	}
	dob := e.create(dobUser("dob@example.dk")).ID

	r := e.do(A, "POST", "/users/activate", map[string]any{"userIds": append(ids, dob)})
	wantStatus(t, r, http.StatusOK)
	got := decode[bulkAnswer](t, r)
	ok := 0
	for _, res := range got.Results {
		switch {
		case res.OK && res.Error == nil:
			ok++
		case res.UserID == dob && !res.OK && res.Error != nil && res.Error.Code == "activation.individual_only" && res.Error.Detail != "":
		default:
			t.Errorf("result %+v", res)
		}
	}
	if ok != 3 || len(got.Results) != 4 {
		t.Fatalf("results: %s", r.body)
	}

	// B sees none of A's users.
	r = e.do(e.b.AdminToken, "POST", "/users/activate", map[string]any{"userIds": ids[:1]})
	wantStatus(t, r, http.StatusOK)
	if res := decode[bulkAnswer](t, r).Results; len(res) != 1 || res[0].OK || res[0].Error.Code != "user.not_found" {
		t.Fatalf("from B: %s", r.body)
	}

	tooMany := make([]string, users.MaxBulkActivation+1)
	for i := range tooMany {
		tooMany[i] = ids[0]
	}
	wantProblem(t, e.do(A, "POST", "/users/activate", map[string]any{"userIds": tooMany}), http.StatusBadRequest, "activation.too_many", "userIds")
	wantProblem(t, e.do(A, "POST", "/users/activate", map[string]any{"ids": ids}), http.StatusBadRequest, "field.unknown", "")
	wantProblem(t, e.do(A, "POST", "/users/activate", `{"userIds": "x"}`), http.StatusBadRequest, "", "")
}

type windowUser struct {
	Status       string `json:"status"`
	Deactivation *struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"deactivation"`
}

func TestDeactivationCalls(t *testing.T) {
	t.Parallel()
	e := newLifecycleEnv(t)
	A := e.a.AdminToken
	anna := e.create(cprUser("anna@example.dk"))
	e.activate(anna.ID, annaCPR)
	path := "/users/" + anna.ID

	tests := []struct {
		name       string
		call       string
		body       any
		wantStatus string
		wantFrom   string
		wantTo     string
	}{
		{"future window", "/deactivate", map[string]string{"from": "2026-12-24", "to": "2026-12-26"}, "active", "2026-12-24", "2026-12-26"},
		{"withdrawn", "/reactivate", nil, "active", "", ""},
		{"no body: from today, open-ended", "/deactivate", nil, "deactivated", lifecycleToday, ""},
		{"a new end", "/deactivate", map[string]string{"to": "2026-12-01"}, "deactivated", lifecycleToday, "2026-12-01"},
		{"reactivated", "/reactivate", nil, "active", "", ""},
		{"today, one day", "/deactivate", map[string]string{"from": lifecycleToday, "to": lifecycleToday}, "deactivated", lifecycleToday, lifecycleToday},
	}
	for _, tt := range tests {
		r := e.do(A, "POST", path+tt.call, tt.body)
		wantStatus(t, r, http.StatusOK)
		u := decode[windowUser](t, r)
		from, to := "", ""
		if u.Deactivation != nil {
			from, to = u.Deactivation.From, u.Deactivation.To
		}
		if u.Status != tt.wantStatus || from != tt.wantFrom || to != tt.wantTo {
			t.Fatalf("%s: %s", tt.name, r.body)
		}
	}

	bad := []struct {
		body   any
		status int
		code   string
	}{
		{map[string]string{"from": "2026-11-25"}, http.StatusBadRequest, "deactivation.from_past"},
		{map[string]string{"from": "2026-12-02", "to": "2026-12-01"}, http.StatusBadRequest, "deactivation.to_before_from"},
		{map[string]string{"from": "24.12.2026"}, http.StatusBadRequest, "date.invalid"},
		{map[string]string{"until": "2026-12-01"}, http.StatusBadRequest, "field.unknown"},
		{map[string]string{"from": "2026-12-24"}, http.StatusConflict, "deactivation.already"},
	}
	for _, b := range bad {
		wantProblem(t, e.do(A, "POST", path+"/deactivate", b.body), b.status, b.code, "")
	}
	wantStatus(t, e.do(A, "POST", path+"/reactivate", nil), http.StatusOK)
	wantProblem(t, e.do(A, "POST", path+"/reactivate", nil), http.StatusConflict, "deactivation.none", "")
}

type historyAnswer struct {
	Items []struct {
		At     time.Time `json:"at"`
		UserID string    `json:"userId"`
		Actor  string    `json:"actor"`
		Action string    `json:"action"`
		Fields []string  `json:"fields"`
		Source string    `json:"source"`
	} `json:"items"`
	NextCursor string `json:"nextCursor"`
}

func TestHistoryCalls(t *testing.T) {
	t.Parallel()
	e := newLifecycleEnv(t)
	A := e.a.AdminToken
	anna := e.create(cprUser("anna@example.dk"))
	e.do(A, "POST", "/users/"+anna.ID+"/activation", nil)
	e.activate(anna.ID, annaCPR)
	e.do(A, "POST", "/users/"+anna.ID+"/deactivate", nil)
	bo := e.create(dobUser("bo@example.dk"))

	r := e.do(A, "GET", "/users/"+anna.ID+"/history?sort=time", nil)
	wantStatus(t, r, http.StatusOK)
	h := decode[historyAnswer](t, r)
	var steps []string
	for _, it := range h.Items {
		if it.At.IsZero() || it.Fields == nil || it.UserID != "" {
			t.Errorf("item %+v", it)
		}
		steps = append(steps, it.Source+":"+it.Actor+":"+it.Action)
	}
	want := "admin:admin token initial admin token:user.created admin:admin token initial admin token:activation.resent " +
		"web:the user:user.activated admin:admin token initial admin token:user.deactivated"
	if got := strings.Join(steps, " "); got != want {
		t.Fatalf("history:\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(string(r.body), annaCPR[:6]) || strings.Contains(string(r.body), annaCPR[6:]) {
		t.Fatalf("history shows the CPR number: %s", r.body)
	}

	r = e.do(A, "GET", "/users/"+anna.ID+"/history?q=THE+USER&limit=5", nil)
	wantStatus(t, r, http.StatusOK)
	if h := decode[historyAnswer](t, r); len(h.Items) != 1 || h.Items[0].Action != "user.activated" {
		t.Fatalf("q: %s", r.body)
	}

	// The organisation's history, a page at a time, newest first.
	r = e.do(A, "GET", "/history?limit=1", nil)
	wantStatus(t, r, http.StatusOK)
	h = decode[historyAnswer](t, r)
	if len(h.Items) != 1 || h.Items[0].UserID != bo.ID || h.NextCursor == "" {
		t.Fatalf("first page: %s", r.body)
	}
	r = e.do(A, "GET", "/history?limit=1000&cursor="+h.NextCursor, nil)
	wantStatus(t, r, http.StatusOK)
	if h := decode[historyAnswer](t, r); len(h.Items) != 4 || h.NextCursor != "" || h.Items[0].UserID != anna.ID {
		t.Fatalf("next page: %s", r.body)
	}
	r = e.do(e.b.AdminToken, "GET", "/history", nil)
	wantStatus(t, r, http.StatusOK)
	if h := decode[historyAnswer](t, r); len(h.Items) != 0 {
		t.Fatalf("B sees A's history: %s", r.body)
	}
	wantProblem(t, e.do(e.b.AdminToken, "GET", "/history?cursor="+h.NextCursor, nil), http.StatusBadRequest, "cursor.invalid", "")

	for _, q := range []struct{ query, code string }{
		{"sort=name", "sort.invalid"}, {"limit=0", "limit.invalid"}, {"limit=x", "limit.invalid"},
		{"from=yesterday", "date.invalid"}, {"from=2026-12-02&to=2026-12-01", "range.invalid"},
	} {
		wantProblem(t, e.do(A, "GET", "/history?"+q.query, nil), http.StatusBadRequest, q.code, "")
	}
}
