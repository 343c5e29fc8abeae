package admin_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/admin"
	"github.com/tilgang/tilgang/internal/groups"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// Numbers of the two test organisations. A has one EAN (so it is the
// default), two P-numbers and one SE-number; B has its own EAN.
const (
	eanA  = "5790000000005"
	eanA2 = "5790000000029"
	pA1   = "1000000001"
	pA2   = "1000000002"
	seA   = "12345678"
	eanB  = "5790000000012"
)

// env is the admin API on a fresh table with two organisations.
type env struct {
	t     *testing.T
	srv   *httptest.Server
	store *store.Store
	users *users.Service
	logs  *testenv.Logs
	orgA  *tilgang.Organisation
	orgB  *tilgang.Organisation
	a, b  tenants.Credentials
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := testenv.Store(t)
	logs := &testenv.Logs{}
	log := logs.Logger()
	svc := testenv.Users(t, st)
	var err error
	e := &env{t: t, store: st, users: svc, logs: logs}
	e.srv = httptest.NewServer(newHandler(t, st, svc, time.Now, log))
	t.Cleanup(e.srv.Close)

	e.orgA = &tilgang.Organisation{Name: "Firma A/S", CVR: "11111111", IAL: 3,
		EANNumbers: []string{eanA}, PNumbers: []string{pA1, pA2}, SENumbers: []string{seA}, Language: "da"}
	e.orgB = &tilgang.Organisation{Name: "Firma B ApS", CVR: "22222222", IAL: 4, EANNumbers: []string{eanB}, Language: "en"}
	if e.a, err = tenants.New(st).Provision(context.Background(), e.orgA); err != nil {
		t.Fatal(err)
	}
	if e.b, err = tenants.New(st).Provision(context.Background(), e.orgB); err != nil {
		t.Fatal(err)
	}
	return e
}

// newHandler is the admin API over st and svc, wired as the app wires it;
// the invitations read the time from now.
func newHandler(t *testing.T, st *store.Store, svc *users.Service, now func() time.Time, log *slog.Logger) http.Handler {
	t.Helper()
	return admin.New(svc, tenants.New(st), invitations.New(st, svc, testenv.Links(t), now), imports.New(st), groups.New(st, svc, groups.WithLogger(log)), log,
		admin.WithMailStates(st))
}

// response is an answer, read in full.
type response struct {
	*http.Response
	body []byte
}

// do sends a request with token (none if ""). body is sent as is when it
// is a string or []byte and as JSON otherwise; headers are name, value
// pairs and override the default Content-Type.
func (e *env) do(token, method, path string, body any, headers ...string) response {
	e.t.Helper()
	resp, b := testenv.Request(e.t, method, e.srv.URL+admin.Prefix+path, token, "application/json", body, headers...)
	return response{resp, b}
}

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}

// wantStatus fails the test unless r has status.
func wantStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d; body %s", r.Request.Method, r.Request.URL.Path, r.StatusCode, status, r.body)
	}
}

type problemJSON struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Field  string `json:"field"`
	Errors []struct {
		Field  string `json:"field"`
		Code   string `json:"code"`
		Detail string `json:"detail"`
	} `json:"errors"`
}

// codes lists the problem's codes: its own and every field's.
func (p problemJSON) codes() []string {
	out := []string{p.Code}
	for _, e := range p.Errors {
		out = append(out, e.Code)
	}
	return out
}

// names reports whether the problem blames field, at the top or per field.
func (p problemJSON) names(field string) bool {
	if p.Field == field {
		return true
	}
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

// wantProblem checks that r is an application/problem+json answer with
// status, whose codes include code (if given) and which names field (if
// given).
func wantProblem(t *testing.T, r response, status int, code, field string) problemJSON {
	t.Helper()
	wantStatus(t, r, status)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	p := decode[problemJSON](t, r)
	if p.Status != status || p.Type == "" || p.Title == "" || p.Code == "" {
		t.Errorf("incomplete problem %s", r.body)
	}
	if code != "" && !slices.Contains(p.codes(), code) {
		t.Errorf("problem codes %v, want %q; body %s", p.codes(), code, r.body)
	}
	if field != "" && !p.names(field) {
		t.Errorf("problem does not name field %q; body %s", field, r.body)
	}
	return p
}

type roleJSON struct {
	Role    string `json:"role"`
	OrgUnit string `json:"orgUnit,omitempty"`
}

type userJSON struct {
	ID             string     `json:"id"`
	UserName       string     `json:"userName"`
	FirstName      string     `json:"firstName"`
	LastName       string     `json:"lastName"`
	Email          string     `json:"email"`
	Phone          string     `json:"phone"`
	CPRMasked      string     `json:"cprMasked"`
	DateOfBirth    string     `json:"dateOfBirth"`
	TargetIAL      int        `json:"targetIal"`
	EAN            string     `json:"ean"`
	PNumber        string     `json:"pNumber"`
	SENumber       string     `json:"seNumber"`
	Rights         []string   `json:"rights"`
	CanSign        bool       `json:"canSign"`
	Kind           string     `json:"kind"`
	Roles          []roleJSON `json:"roles"`
	Status         string     `json:"status"`
	Version        int64      `json:"version"`
	ActivationCode string     `json:"activationCode"`
}

type userList struct {
	Items      []userJSON `json:"items"`
	NextCursor string     `json:"nextCursor"`
}

// A CPR number and the date of birth it gives.
const (
	annaCPR = "3101901234"
	annaDOB = "1990-01-31"
)

func cprUser(email string) map[string]any {
	return map[string]any{"firstName": "Anna", "lastName": "Hansen", "email": email, "cpr": annaCPR, "phone": "12 34 56 78"}
}

func dobUser(email string) map[string]any {
	return map[string]any{"firstName": "Bo", "lastName": "Berg", "email": email, "dateOfBirth": "1985-06-15"}
}

// create creates a user in A and returns it.
func (e *env) create(body any) userJSON {
	e.t.Helper()
	r := e.do(e.a.AdminToken, "POST", "/users", body)
	wantStatus(e.t, r, http.StatusCreated)
	return decode[userJSON](e.t, r)
}

func TestUserLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	A := e.a.AdminToken

	// A CPR user: pending activation, CPR only masked, no code.
	r := e.do(A, "POST", "/users", cprUser("Anna.Hansen@Example.DK"))
	wantStatus(t, r, http.StatusCreated)
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	anna := decode[userJSON](t, r)
	if anna.Status != string(tilgang.StatusPendingActivation) || anna.CPRMasked != "310190-****" || anna.DateOfBirth != annaDOB {
		t.Errorf("CPR user = %+v", anna)
	}
	if anna.ActivationCode != "" {
		t.Errorf("CPR user got activation code %q", anna.ActivationCode)
	}
	if anna.UserName != "Anna.Hansen@example.dk" || anna.Email != anna.UserName || anna.Phone != "12345678" {
		t.Errorf("userName %q, email %q, phone %q", anna.UserName, anna.Email, anna.Phone)
	}
	if anna.TargetIAL != 3 || anna.EAN != eanA || anna.SENumber != seA || anna.PNumber != "" || anna.Kind != "employee" || anna.Version != 1 {
		t.Errorf("defaults: %+v", anna)
	}
	if loc := r.Header.Get("Location"); loc != admin.Prefix+"/users/"+anna.ID {
		t.Errorf("Location %q", loc)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["cpr"]; ok || bytes.Contains(r.body, []byte(annaCPR)) {
		t.Errorf("answer shows the CPR number: %s", r.body)
	}

	// A date-of-birth user gets a code of 8 unambiguous characters, once.
	bo := e.create(dobUser("bo@example.dk"))
	if len(bo.ActivationCode) != secret.CodeLength || strings.Trim(bo.ActivationCode, secret.CodeAlphabet) != "" {
		t.Errorf("activation code %q", bo.ActivationCode)
	}
	if bo.Status != string(tilgang.StatusPendingActivation) || bo.CPRMasked != "" || bo.DateOfBirth != "1985-06-15" {
		t.Errorf("date-of-birth user = %+v", bo)
	}

	// GET shows the same user, without the code, with an ETag.
	r = e.do(A, "GET", "/users/"+anna.ID, nil)
	wantStatus(t, r, http.StatusOK)
	if got := decode[userJSON](t, r); got.ID != anna.ID || got.CPRMasked != "310190-****" || got.Email != anna.Email {
		t.Errorf("GET = %+v", got)
	}
	if etag := r.Header.Get("ETag"); etag != `W/"1"` {
		t.Errorf("ETag %q", etag)
	}
	r = e.do(A, "GET", "/users/"+bo.ID, nil)
	if got := decode[userJSON](t, r); got.ActivationCode != "" || bytes.Contains(r.body, []byte(bo.ActivationCode)) {
		t.Errorf("GET shows the activation code again: %s", r.body)
	}
	// The seeds' 32-digit form of the id finds the user too.
	r = e.do(A, "GET", "/users/"+strings.ReplaceAll(strings.ToUpper(anna.ID), "-", ""), nil)
	wantStatus(t, r, http.StatusOK)

	// An imported user (the CSV import's way) for the status filter.
	imported, err := e.users.Create(context.Background(), tilgang.Actor{Name: "test", Source: "csv"}, e.orgA, users.NewRequest{
		User:    &tilgang.User{FirstName: "Cai", LastName: "Clausen", Email: "cai@example.dk", DateOfBirth: "2000-02-29"},
		Profile: users.AdminProfile,
	})
	if err != nil {
		t.Fatal(err)
	}

	// Search finds by e-mail, case-insensitively, and by name.
	for _, q := range []string{"anna.hansen@example.dk", "ANNA.HANSEN", "hansen"} {
		list := decode[userList](t, e.do(A, "GET", "/users?q="+q, nil))
		if len(list.Items) != 1 || list.Items[0].ID != anna.ID {
			t.Errorf("q=%s: %+v", q, list.Items)
		}
	}
	if list := decode[userList](t, e.do(A, "GET", "/users?q=nobody", nil)); len(list.Items) != 0 || list.Items == nil {
		t.Errorf("q=nobody: %+v (items must be [] not null)", list)
	}

	// Status filter.
	for status, want := range map[string][]string{
		"pending_activation": {anna.ID, bo.ID},
		"imported":           {imported.User.ID},
		"active":             nil,
	} {
		list := decode[userList](t, e.do(A, "GET", "/users?status="+status, nil))
		var got []string
		for _, u := range list.Items {
			got = append(got, u.ID)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("status=%s: %v, want %v", status, got, want)
		}
	}
	wantProblem(t, e.do(A, "GET", "/users?status=gone", nil), http.StatusBadRequest, "status.invalid", "status")

	// Paging, one at a time, in userName order, every user once.
	var names []string
	cursor := ""
	for pages := 0; ; pages++ {
		path := "/users?limit=1"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := e.do(A, "GET", path, nil)
		wantStatus(t, r, http.StatusOK)
		list := decode[userList](t, r)
		if len(list.Items) > 1 {
			t.Fatalf("page of %d", len(list.Items))
		}
		for _, u := range list.Items {
			names = append(names, strings.ToLower(u.UserName))
		}
		if list.NextCursor == "" {
			break
		}
		if pages > 5 {
			t.Fatal("no end of pages")
		}
		cursor = list.NextCursor
	}
	if !slices.Equal(names, []string{"anna.hansen@example.dk", "bo@example.dk", "cai@example.dk"}) {
		t.Errorf("pages gave %v", names)
	}
	for _, q := range []string{"limit=0", "limit=1001", "limit=x", "limit=-1"} {
		wantProblem(t, e.do(A, "GET", "/users?"+q, nil), http.StatusBadRequest, "limit.invalid", "limit")
	}
	wantProblem(t, e.do(A, "GET", "/users?cursor=not-a-cursor", nil), http.StatusBadRequest, "cursor.invalid", "cursor")

	// PATCH: merge patch changes and removes; read-only and unknown
	// fields are refused by name.
	r = e.do(A, "PATCH", "/users/"+anna.ID, `{"phone": "+45 87 65 43 21", "department": "HR"}`, "Content-Type", "application/merge-patch+json")
	wantStatus(t, r, http.StatusOK)
	if got := decode[userJSON](t, r); got.Phone != "+4587654321" || got.Version != 2 || got.CPRMasked != "310190-****" || got.FirstName != "Anna" {
		t.Errorf("patched = %s", r.body)
	}
	if etag := r.Header.Get("ETag"); etag != `W/"2"` {
		t.Errorf("ETag after PATCH %q", etag)
	}
	r = e.do(A, "PATCH", "/users/"+anna.ID, `{"phone": null}`)
	wantStatus(t, r, http.StatusOK)
	if got := decode[userJSON](t, r); got.Phone != "" || got.Version != 3 {
		t.Errorf("phone not removed: %s", r.body)
	}
	wantProblem(t, e.do(A, "PATCH", "/users/"+anna.ID, `{"status": "active"}`), http.StatusBadRequest, "field.read_only", "status")
	wantProblem(t, e.do(A, "PATCH", "/users/"+anna.ID, `{"cpr": "0101901234"}`), http.StatusBadRequest, "field.read_only", "cpr")
	wantProblem(t, e.do(A, "PATCH", "/users/"+anna.ID, `{"nickname": "x"}`), http.StatusBadRequest, "field.unknown", "nickname")
	// encoding/json matches names in any case; a merge patch does not, so
	// {"Phone": null} would remove nothing: it is an unknown field.
	wantProblem(t, e.do(A, "PATCH", "/users/"+anna.ID, `{"Phone": null}`), http.StatusBadRequest, "field.unknown", "Phone")
	wantProblem(t, e.do(A, "PATCH", "/users/"+anna.ID, `{"targetIal": 4}`), http.StatusBadRequest, "ial.range", "targetIal")
	wantProblem(t, e.do(A, "PATCH", "/users/"+anna.ID, `{"email": null}`), http.StatusBadRequest, "field.required", "email")
	if got := decode[userJSON](t, e.do(A, "GET", "/users/"+anna.ID, nil)); got.Version != 3 || got.Email != anna.Email {
		t.Errorf("refused patches changed the user: %+v", got)
	}
	// A patch that changes nothing answers the user as it is.
	r = e.do(A, "PATCH", "/users/"+anna.ID, `{}`)
	wantStatus(t, r, http.StatusOK)
	if got := decode[userJSON](t, r); got.Version != 3 {
		t.Errorf("no-op patch gave version %d", got.Version)
	}

	// If-Match.
	wantProblem(t, e.do(A, "PATCH", "/users/"+anna.ID, `{"department": "IT"}`, "If-Match", `W/"1"`), http.StatusPreconditionFailed, "version.mismatch", "")
	wantProblem(t, e.do(A, "DELETE", "/users/"+anna.ID, nil, "If-Match", `"2"`), http.StatusPreconditionFailed, "version.mismatch", "")
	r = e.do(A, "PATCH", "/users/"+anna.ID, `{"department": "IT"}`, "If-Match", `W/"3"`)
	wantStatus(t, r, http.StatusOK)

	// DELETE, then the user is gone and its userName and CPR are free.
	r = e.do(A, "DELETE", "/users/"+anna.ID, nil, "If-Match", r.Header.Get("ETag"))
	wantStatus(t, r, http.StatusNoContent)
	if len(r.body) != 0 {
		t.Errorf("204 with body %q", r.body)
	}
	wantProblem(t, e.do(A, "GET", "/users/"+anna.ID, nil), http.StatusNotFound, "user.not_found", "")
	wantProblem(t, e.do(A, "PATCH", "/users/"+anna.ID, `{}`), http.StatusNotFound, "user.not_found", "")
	wantProblem(t, e.do(A, "DELETE", "/users/"+anna.ID, nil), http.StatusNotFound, "user.not_found", "")
	again := e.create(cprUser("anna.hansen@example.dk"))
	if again.ID == anna.ID || again.CPRMasked != "310190-****" {
		t.Errorf("recreated user = %+v", again)
	}

	// Ids that are no user id are simply not found, however long.
	for _, id := range []string{"x", strings.Repeat("a", 3000), "%00", "ORG%23" + e.orgB.ID} {
		wantProblem(t, e.do(A, "GET", "/users/"+id, nil), http.StatusNotFound, "user.not_found", "")
		wantProblem(t, e.do(A, "DELETE", "/users/"+id, nil), http.StatusNotFound, "", "")
	}
}

// race sends n requests at once and returns their answers.
func (e *env) race(n int, req func(i int) (token, method, path string, body any)) []response {
	e.t.Helper()
	out := make([]response, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Go(func() {
			token, method, path, body := req(i)
			start.Wait()
			out[i] = e.do(token, method, path, body)
		})
	}
	start.Done()
	done.Wait()
	return out
}

func TestConcurrentCreates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		user func(i int) map[string]any
	}{
		{"one userName in different case", func(i int) map[string]any {
			u := dobUser(fmt.Sprintf("u%d@example.dk", i))
			u["userName"] = []string{"Same.Name", "same.name", "SAME.NAME", " same.Name "}[i%4]
			return u
		}},
		{"one CPR with different userNames", func(i int) map[string]any {
			return cprUser(fmt.Sprintf("u%d@example.dk", i))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			answers := e.race(30, func(i int) (string, string, string, any) {
				return e.a.AdminToken, "POST", "/users", tt.user(i)
			})
			created := 0
			for _, r := range answers {
				switch r.StatusCode {
				case http.StatusCreated:
					created++
				case http.StatusConflict:
					wantProblem(t, r, http.StatusConflict, "user.exists", "")
				default:
					t.Errorf("status %d: %s", r.StatusCode, r.body)
				}
			}
			if created != 1 {
				t.Fatalf("%d users created, want 1", created)
			}
			if list := decode[userList](t, e.do(e.a.AdminToken, "GET", "/users", nil)); len(list.Items) != 1 {
				t.Fatalf("%d users stored", len(list.Items))
			}
		})
	}
}

// TestConcurrentPatches changes one user from many clients at once: each
// answer is the changed user or a conflict, and every success counts.
func TestConcurrentPatches(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.create(dobUser("busy@example.dk"))
	answers := e.race(12, func(i int) (string, string, string, any) {
		return e.a.AdminToken, "PATCH", "/users/" + u.ID, fmt.Sprintf(`{"department": "D%d"}`, i)
	})
	ok := 0
	for _, r := range answers {
		switch r.StatusCode {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
			wantProblem(t, r, http.StatusConflict, "version.conflict", "")
		default:
			t.Errorf("status %d: %s", r.StatusCode, r.body)
		}
	}
	got := decode[userJSON](t, e.do(e.a.AdminToken, "GET", "/users/"+u.ID, nil))
	if ok == 0 || got.Version != int64(1+ok) {
		t.Fatalf("%d patches succeeded, version %d", ok, got.Version)
	}
}

func TestBadInputIsAProblemNeverA5xx(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	A := e.a.AdminToken
	target := e.create(dobUser("target@example.dk"))
	big := `{"firstName": "` + strings.Repeat("x", 2<<20) + `"}`
	manyLongEntries := func(field string) string {
		entries := make([]string, 100)
		for i := range entries {
			entries[i] = strings.Repeat("æ", 4000)
		}
		b, _ := json.Marshal(map[string]any{"firstName": "A", "lastName": "B", "email": "long@example.dk",
			"dateOfBirth": "1990-01-01", field: entries})
		return string(b)
	}
	deep := strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000)
	valid := `{"firstName": "A", "lastName": "B", "email": "v@example.dk", "dateOfBirth": "1990-01-01"`
	tests := []struct {
		name        string
		method      string
		path        string
		body        string
		contentType string // default application/json
		status      int    // 0: any 4xx
		code, field string
	}{
		{"malformed", "POST", "/users", `{"firstName": `, "", 400, "json.malformed", ""},
		{"malformed comma", "POST", "/users", `{"firstName": "a",}`, "", 400, "json.malformed", ""},
		{"single quotes", "POST", "/users", `{'firstName': 'a'}`, "", 400, "json.malformed", ""},
		{"targetIal as string", "POST", "/users", valid + `, "targetIal": "3"}`, "", 400, "json.type", "targetIal"},
		{"targetIal fraction", "POST", "/users", valid + `, "targetIal": 3.5}`, "", 400, "json.type", "targetIal"},
		{"targetIal huge", "POST", "/users", valid + `, "targetIal": 1e400}`, "", 400, "", ""},
		{"roles as string", "POST", "/users", valid + `, "roles": "x"}`, "", 400, "json.type", "roles"},
		{"role as number", "POST", "/users", valid + `, "roles": [{"role": 1}]}`, "", 400, "json.type", ""},
		{"anonymous as string", "POST", "/users", valid + `, "anonymous": "true"}`, "", 400, "json.type", "anonymous"},
		{"cpr as number", "POST", "/users", valid + `, "cpr": 3101901234}`, "", 400, "json.type", "cpr"},
		{"2 MiB body", "POST", "/users", big, "", 413, "body.too_large", ""},
		{"unknown field", "POST", "/users", valid + `, "nickname": "x"}`, "", 400, "field.unknown", "nickname"},
		{"cpr invalid date", "POST", "/users", valid + `, "cpr": "3102901234"}`, "", 400, "cpr.invalid_date", "cpr"},
		{"cpr lost leading zero", "POST", "/users", valid + `, "cpr": "101901234"}`, "", 400, "cpr.leading_zero_lost", "cpr"},
		{"cpr twelve digits", "POST", "/users", valid + `, "cpr": "310119901234"}`, "", 400, "cpr.twelve_digits", "cpr"},
		{"cpr letters", "POST", "/users", valid + `, "cpr": "31019O1234"}`, "", 400, "cpr.format", "cpr"},
		{"IAL 5", "POST", "/users", valid + `, "targetIal": 5}`, "", 400, "ial.range", "targetIal"},
		{"IAL 4 in IAL 3 organisation", "POST", "/users", valid + `, "targetIal": 4}`, "", 400, "ial.range", "targetIal"},
		{"foreign EAN", "POST", "/users", valid + `, "ean": "` + eanB + `"}`, "", 400, "ean.unregistered", "ean"},
		{"e-mail invalid", "POST", "/users", `{"firstName": "A", "lastName": "B", "email": "a@b", "dateOfBirth": "1990-01-01"}`, "", 400, "email.format", "email"},
		{"date of birth not a date", "POST", "/users", `{"firstName": "A", "lastName": "B", "email": "a@b.dk", "dateOfBirth": "31/01/1990"}`, "", 400, "dob.format", "dateOfBirth"},
		{"nothing given", "POST", "/users", `{}`, "", 400, "field.required", "email"},
		{"no identity", "POST", "/users", `{"firstName": "A", "lastName": "B", "email": "a@b.dk"}`, "", 400, "field.required", "cpr"},
		{"empty body", "POST", "/users", ``, "", 400, "json.empty", ""},
		{"blank body", "POST", "/users", " \n\t ", "", 400, "json.empty", ""},
		{"null body", "POST", "/users", `null`, "", 400, "", ""},
		{"array body", "POST", "/users", `[]`, "", 400, "json.type", ""},
		{"string body", "POST", "/users", `"x"`, "", 400, "json.type", ""},
		{"trailing object", "POST", "/users", valid + `} {}`, "", 400, "json.trailing_data", ""},
		{"trailing brace", "POST", "/users", valid + `}}`, "", 400, "json.trailing_data", ""},
		{"trailing bracket", "POST", "/users", valid + `}]`, "", 400, "json.trailing_data", ""},
		{"trailing garbage", "POST", "/users", valid + `}x`, "", 400, "json.trailing_data", ""},
		{"too deep", "POST", "/users", deep, "", 400, "", ""},
		{"text/plain", "POST", "/users", valid + `}`, "text/plain", 415, "body.media_type", ""},
		{"form", "POST", "/users", "firstName=A", "application/x-www-form-urlencoded", 415, "body.media_type", ""},
		{"long authenticators", "POST", "/users", manyLongEntries("authenticators"), "", 400, "field.too_long", "authenticators"},
		{"long seal profiles", "POST", "/users", manyLongEntries("sealProfiles"), "", 400, "field.too_long", "sealProfiles"},
		{"NUL in name", "POST", "/users", `{"firstName": "A\u0000", "lastName": "B", "email": "nul@example.dk", "dateOfBirth": "1990-01-01"}`, "", 0, "", ""},
		{"invalid UTF-8", "POST", "/users", "{\"firstName\": \"\xff\xfe\", \"lastName\": \"B\", \"email\": \"utf@example.dk\", \"dateOfBirth\": \"1990-01-01\"}", "", 0, "", ""},
		{"long userName of 4-byte runes", "POST", "/users", valid[:len(valid)-len(`, "dateOfBirth": "1990-01-01"`)] + `, "dateOfBirth": "1990-01-01", "userName": "` + strings.Repeat("😀", 200) + `"}`, "", 0, "", ""},
		{"patch malformed", "PATCH", "/users/" + target.ID, `{"phone": `, "", 400, "json.malformed", ""},
		{"patch targetIal as string", "PATCH", "/users/" + target.ID, `{"targetIal": "3"}`, "", 400, "json.type", "targetIal"},
		{"patch roles as string", "PATCH", "/users/" + target.ID, `{"roles": "x"}`, "", 400, "json.type", "roles"},
		{"patch phone as object", "PATCH", "/users/" + target.ID, `{"phone": {"a": 1}}`, "", 400, "json.type", "phone"},
		{"patch unknown", "PATCH", "/users/" + target.ID, `{"nickname": "x"}`, "", 400, "field.unknown", "nickname"},
		{"patch null", "PATCH", "/users/" + target.ID, `null`, "", 400, "json.type", ""},
		{"patch array", "PATCH", "/users/" + target.ID, `[{"op": "replace", "path": "/phone", "value": "12345678"}]`, "", 400, "json.type", ""},
		{"patch empty", "PATCH", "/users/" + target.ID, ``, "", 400, "json.empty", ""},
		{"patch trailing", "PATCH", "/users/" + target.ID, `{}}`, "", 400, "json.trailing_data", ""},
		{"patch 2 MiB", "PATCH", "/users/" + target.ID, big, "", 413, "body.too_large", ""},
		{"patch text/plain", "PATCH", "/users/" + target.ID, `{}`, "text/plain", 415, "body.media_type", ""},
		{"patch bad phone", "PATCH", "/users/" + target.ID, `{"phone": "123"}`, "", 400, "phone.format", "phone"},
		{"patch foreign EAN", "PATCH", "/users/" + target.ID, `{"ean": "` + eanB + `"}`, "", 400, "ean.unregistered", "ean"},
		{"patch anonymous", "PATCH", "/users/" + target.ID, `{"anonymous": true}`, "", 400, "field.read_only", "anonymous"},
		{"patch huge number", "PATCH", "/users/" + target.ID, `{"targetIal": 1e400}`, "", 400, "", ""},
		{"patch too deep", "PATCH", "/users/" + target.ID, deep, "", 400, "", ""},
		{"patch nested 9 deep", "PATCH", "/users/" + target.ID, `{"roles": [[[[[[[[{}]]]]]]]]}`, "", 400, "json.too_deep", ""},
		{"organisation nested 9 deep", "PATCH", "/organisation", `{"name": [[[[[[[["x"]]]]]]]]}`, "", 400, "json.too_deep", ""},
		{"organisation malformed", "PATCH", "/organisation", `{"name": `, "", 400, "json.malformed", ""},
		{"organisation wrong type", "PATCH", "/organisation", `{"eanNumbers": "` + eanA + `"}`, "", 400, "json.type", "eanNumbers"},
		{"organisation null", "PATCH", "/organisation", `null`, "", 400, "json.type", ""},
		{"organisation unknown", "PATCH", "/organisation", `{"colour": "red"}`, "", 400, "field.unknown", "colour"},
		{"organisation other case", "PATCH", "/organisation", `{"Language": "en"}`, "", 400, "field.unknown", "Language"},
		{"organisation long name", "PATCH", "/organisation", `{"name": "` + strings.Repeat("x", 500_000) + `"}`, "", 400, "field.too_long", "name"},
		{"organisation blank name", "PATCH", "/organisation", `{"name": "  "}`, "", 400, "field.required", "name"},
		{"organisation many EANs", "PATCH", "/organisation", manyNumbers("eanNumbers", 60_000), "", 400, "field.too_many", "eanNumbers"},
		{"organisation many admin e-mails", "PATCH", "/organisation", manyNumbers("adminEmails", 20_000), "", 400, "field.too_many", "adminEmails"},
		{"token malformed", "POST", "/tokens", `{"name": `, "", 400, "json.malformed", ""},
		{"token roles as string", "POST", "/tokens", `{"name": "t", "kind": "admin", "roles": "user-admin"}`, "", 400, "json.type", "roles"},
		{"token unknown field", "POST", "/tokens", `{"name": "t", "kind": "admin", "roles": ["user-admin"], "secret": "x"}`, "", 400, "field.unknown", "secret"},
		{"list long q", "GET", "/users?q=" + strings.Repeat("ø", 3000), "", "", 0, "", ""},
		{"list bad limit", "GET", "/users?limit=99999999999999999999", "", "", 400, "limit.invalid", "limit"},
		{"list foreign cursor", "GET", "/users?cursor=" + forgedCursor(e.orgB.ID), "", "", 400, "cursor.invalid", "cursor"},
		{"no such route", "GET", "/nothing", "", "", 404, "route.not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.body != "" || tt.method == "POST" || tt.method == "PATCH" {
				body = tt.body
			}
			ct := tt.contentType
			if ct == "" {
				ct = "application/json"
			}
			r := e.do(A, tt.method, tt.path, body, "Content-Type", ct)
			if r.StatusCode >= 500 {
				t.Fatalf("status %d: %s", r.StatusCode, r.body)
			}
			if tt.status == 0 {
				if r.StatusCode >= 300 && r.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("status %d without problem+json", r.StatusCode)
				}
				return
			}
			p := wantProblem(t, r, tt.status, tt.code, tt.field)
			for _, secretish := range []string{"3101901234", "3102901234", "101901234"} {
				if strings.Contains(p.Detail, secretish) || bytes.Contains(r.body, []byte(secretish)) {
					t.Errorf("problem repeats the CPR number: %s", r.body)
				}
			}
		})
	}
	// The refused patches left the user as it was.
	if got := decode[userJSON](t, e.do(A, "GET", "/users/"+target.ID, nil)); got.Version != 1 {
		t.Errorf("refused patches changed the user: %+v", got)
	}
}

// manyNumbers is an organisation patch that sets field to n distinct values.
func manyNumbers(field string, n int) string {
	list := make([]string, n)
	for i := range list {
		list[i] = fmt.Sprintf("%013d", i)
		if field == "adminEmails" {
			list[i] = fmt.Sprintf("admin%05d@example.dk", i)
		}
	}
	b, _ := json.Marshal(map[string]any{field: list})
	return string(b)
}

// TestDeepPatchIsCheap sends a patch nested as deep as encoding/json
// allows, with long keys. The merge-patch library reads a value again at
// every level; unchecked, this body cost about 20 s of CPU.
func TestDeepPatchIsCheap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.create(dobUser("deep@example.dk"))
	level := `{"` + strings.Repeat("k", 30) + `":`
	body := `{"phone": ` + strings.Repeat(level, 9990) + "1" + strings.Repeat("}", 9990) + `}`
	for _, path := range []string{"/users/" + u.ID, "/organisation"} {
		start := time.Now()
		wantProblem(t, e.do(e.a.AdminToken, "PATCH", path, body), http.StatusBadRequest, "json.too_deep", "")
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("PATCH %s took %v", path, d)
		}
	}
}

// forgedCursor is a list cursor for orgID's users with empty keys, which
// DynamoDB refuses as a start key.
func forgedCursor(orgID string) string {
	return cursorOf(map[string]string{"GSI1PK": "ORG#" + orgID + "#USERS", "GSI1SK": "", "PK": "", "SK": ""})
}

func cursorOf(key map[string]string) string {
	b, _ := json.Marshal(key)
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestForgedCursors sends cursors that name the organisation's partition
// but no key of one of its users. They are bad input, never a 5xx.
func TestForgedCursors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.create(dobUser("one@example.dk"))
	pk := "ORG#" + e.orgA.ID + "#USERS"
	for name, cursor := range map[string]string{
		"empty keys":         forgedCursor(e.orgA.ID),
		"misnamed keys":      cursorOf(map[string]string{"GSI1PK": pk, "a": "x", "b": "y", "c": "z"}),
		"another item's key": cursorOf(map[string]string{"GSI1PK": pk, "GSI1SK": "zzz", "PK": "ORG#" + e.orgB.ID, "SK": "ORG"}),
	} {
		t.Log(name)
		r := e.do(e.a.AdminToken, "GET", "/users?cursor="+cursor, nil)
		wantProblem(t, r, http.StatusBadRequest, "cursor.invalid", "cursor")
	}
}

func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anna := e.create(cprUser("anna@example.dk"))
	bo := e.create(dobUser("bo@example.dk"))
	B := e.b.AdminToken
	// B's own user with the same userName and CPR: uniqueness is per
	// organisation.
	r := e.do(B, "POST", "/users", cprUser("anna@example.dk"))
	wantStatus(t, r, http.StatusCreated)
	own := decode[userJSON](t, r)
	if own.EAN != eanB || own.TargetIAL != 4 {
		t.Errorf("B's user = %+v", own)
	}

	for _, id := range []string{anna.ID, bo.ID} {
		wantProblem(t, e.do(B, "GET", "/users/"+id, nil), http.StatusNotFound, "user.not_found", "")
		wantProblem(t, e.do(B, "PATCH", "/users/"+id, `{"phone": "12345678"}`), http.StatusNotFound, "user.not_found", "")
		wantProblem(t, e.do(B, "PATCH", "/users/"+id, `{"status": "active"}`), http.StatusNotFound, "user.not_found", "")
		wantProblem(t, e.do(B, "DELETE", "/users/"+id, nil), http.StatusNotFound, "user.not_found", "")
	}
	for _, path := range []string{"/users", "/users?q=example", "/users?q=anna", "/users?status=pending_activation", "/users?limit=1"} {
		list := decode[userList](t, e.do(B, "GET", path, nil))
		for _, u := range list.Items {
			if u.ID == anna.ID || u.ID == bo.ID {
				t.Errorf("%s: B sees A's user %s", path, u.ID)
			}
		}
	}
	// A's cursor is no use to B.
	list := decode[userList](t, e.do(e.a.AdminToken, "GET", "/users?limit=1", nil))
	if list.NextCursor == "" {
		t.Fatal("no cursor")
	}
	wantProblem(t, e.do(B, "GET", "/users?limit=1&cursor="+list.NextCursor, nil), http.StatusBadRequest, "cursor.invalid", "cursor")

	// A's users are untouched.
	for _, u := range []userJSON{anna, bo} {
		got := decode[userJSON](t, e.do(e.a.AdminToken, "GET", "/users/"+u.ID, nil))
		if got.Version != 1 || got.Status != u.Status {
			t.Errorf("A's user changed: %+v", got)
		}
	}
	// B's organisation shows B's settings.
	if o := decode[orgJSON](t, e.do(B, "GET", "/organisation", nil)); o.ID != e.orgB.ID || !slices.Equal(o.EANNumbers, []string{eanB}) {
		t.Errorf("B's organisation = %+v", o)
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name, header string
	}{
		{"no header", ""},
		{"empty bearer", "Bearer "},
		{"SCIM token", "Bearer " + e.a.SCIMToken},
		{"garbage", "Bearer tlg_admin_garbage"},
		{"basic", "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+e.a.AdminToken))},
		{"token without scheme", e.a.AdminToken},
		{"token with extra text", "Bearer " + e.a.AdminToken + "x"},
	}
	for _, tt := range tests {
		for _, call := range [][2]string{{"GET", "/users"}, {"POST", "/users"}, {"GET", "/organisation"}, {"GET", "/tokens"}, {"DELETE", "/users/x"}} {
			var body any
			if call[0] == "POST" {
				body = dobUser("x@example.dk")
			}
			r := e.do("", call[0], call[1], body, "Authorization", tt.header)
			wantProblem(t, r, http.StatusUnauthorized, "token.invalid", "")
			if w := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(w, "Bearer") {
				t.Errorf("%s %s %s: WWW-Authenticate %q", tt.name, call[0], call[1], w)
			}
		}
	}
	// The scheme is case-insensitive.
	wantStatus(t, e.do("", "GET", "/users", nil, "Authorization", "bearer "+e.a.AdminToken), http.StatusOK)
}

type tokenJSON struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Kind  string   `json:"kind"`
	Roles []string `json:"roles"`
	Token string   `json:"token"`
}

func (e *env) newToken(token, kind string, roles ...string) tokenJSON {
	e.t.Helper()
	body := map[string]any{"name": kind + " " + strings.Join(roles, "+"), "kind": kind}
	if roles != nil {
		body["roles"] = roles
	}
	r := e.do(token, "POST", "/tokens", body)
	wantStatus(e.t, r, http.StatusCreated)
	return decode[tokenJSON](e.t, r)
}

func TestRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	company := e.newToken(e.a.AdminToken, "admin", tilgang.RoleCompanyAdmin)
	userAdmin := e.newToken(e.a.AdminToken, "admin", tilgang.RoleUserAdmin)

	// company-admin alone may not touch users.
	for _, call := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/users", dobUser("c@example.dk")},
		{"GET", "/users", nil},
		{"GET", "/users/x", nil},
		{"PATCH", "/users/x", `{}`},
		{"DELETE", "/users/x", nil},
	} {
		r := e.do(company.Token, call.method, call.path, call.body)
		wantProblem(t, r, http.StatusForbidden, "token.role_missing", "")
		if r.Header.Get("WWW-Authenticate") != "" {
			t.Errorf("403 with WWW-Authenticate")
		}
	}
	wantStatus(t, e.do(company.Token, "GET", "/organisation", nil), http.StatusOK)
	wantStatus(t, e.do(company.Token, "GET", "/tokens", nil), http.StatusOK)

	// user-admin alone may not change organisation settings or tokens.
	wantProblem(t, e.do(userAdmin.Token, "PATCH", "/organisation", `{"language": "en"}`), http.StatusForbidden, "token.role_missing", "")
	wantProblem(t, e.do(userAdmin.Token, "GET", "/tokens", nil), http.StatusForbidden, "token.role_missing", "")
	wantProblem(t, e.do(userAdmin.Token, "POST", "/tokens", map[string]any{"name": "x", "kind": "scim"}), http.StatusForbidden, "token.role_missing", "")

	// A token grants no role it does not hold itself.
	wantProblem(t, e.do(company.Token, "POST", "/tokens", map[string]any{"name": "x", "kind": "admin", "roles": []string{tilgang.RoleUserAdmin}}),
		http.StatusForbidden, "token.role_missing", "roles")
	wantProblem(t, e.do(company.Token, "POST", "/tokens", map[string]any{"name": "x", "kind": "admin", "roles": []string{tilgang.RoleCompanyAdmin, tilgang.RoleRightsAdmin}}),
		http.StatusForbidden, "token.role_missing", "roles")
	e.newToken(company.Token, "admin", tilgang.RoleCompanyAdmin)

	// Rights fields need rights-admin, on creation and on change.
	withRights := dobUser("r@example.dk")
	withRights["rights"] = []string{"Skat"}
	withSigning := dobUser("s@example.dk")
	withSigning["canSign"] = true
	withSeals := dobUser("p@example.dk")
	withSeals["sealProfiles"] = []string{"segl"}
	for _, body := range []map[string]any{withRights, withSigning, withSeals} {
		wantProblem(t, e.do(userAdmin.Token, "POST", "/users", body), http.StatusForbidden, "token.role_missing", "")
	}
	plain := decode[userJSON](t, e.do(userAdmin.Token, "POST", "/users", dobUser("plain@example.dk")))
	for _, patch := range []string{`{"rights": ["Skat"]}`, `{"canSign": true}`, `{"sealProfiles": ["segl"]}`} {
		wantProblem(t, e.do(userAdmin.Token, "PATCH", "/users/"+plain.ID, patch), http.StatusForbidden, "token.role_missing", "")
	}
	// Setting rights fields to what they are is no change of rights.
	for _, patch := range []string{`{"rights": []}`, `{"rights": null, "canSign": false}`, `{"sealProfiles": [], "department": "HR"}`} {
		wantStatus(t, e.do(userAdmin.Token, "PATCH", "/users/"+plain.ID, patch), http.StatusOK)
	}
	// The full admin token may.
	r := e.do(e.a.AdminToken, "POST", "/users", withRights)
	wantStatus(t, r, http.StatusCreated)
	rich := decode[userJSON](t, r)
	if !slices.Equal(rich.Rights, []string{"Skat"}) {
		t.Errorf("rights %v", rich.Rights)
	}
	r = e.do(e.a.AdminToken, "PATCH", "/users/"+plain.ID, `{"canSign": true, "rights": ["Løn"]}`)
	wantStatus(t, r, http.StatusOK)
	// A user-admin may still change other fields of a user with rights.
	r = e.do(userAdmin.Token, "PATCH", "/users/"+plain.ID, `{"department": "IT"}`)
	wantStatus(t, r, http.StatusOK)
	if got := decode[userJSON](t, r); !got.CanSign || !slices.Equal(got.Rights, []string{"Løn"}) {
		t.Errorf("rights lost: %+v", got)
	}
	// ... but not remove the rights.
	wantProblem(t, e.do(userAdmin.Token, "PATCH", "/users/"+plain.ID, `{"rights": null}`), http.StatusForbidden, "token.role_missing", "")
}

func TestTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	A := e.a.AdminToken

	adminTok := e.newToken(A, "admin", tilgang.RoleUserAdmin, tilgang.RoleCompanyAdmin)
	scimTok := e.newToken(A, "scim")
	if !strings.HasPrefix(adminTok.Token, "tlg_admin_") || !strings.HasPrefix(scimTok.Token, "tlg_scim_") {
		t.Errorf("secrets %q, %q", adminTok.Token, scimTok.Token)
	}
	if len(adminTok.Token) < len("tlg_admin_")+43 { // 256 bits, base64
		t.Errorf("secret %q too short", adminTok.Token)
	}
	if adminTok.Kind != "admin" || !slices.Equal(adminTok.Roles, []string{tilgang.RoleUserAdmin, tilgang.RoleCompanyAdmin}) || scimTok.Kind != "scim" || scimTok.Roles == nil {
		t.Errorf("tokens %+v, %+v", adminTok, scimTok)
	}

	// The list shows every token of A, no secret.
	r := e.do(A, "GET", "/tokens", nil)
	wantStatus(t, r, http.StatusOK)
	for _, s := range []string{adminTok.Token, scimTok.Token, e.a.AdminToken, e.a.SCIMToken, `"token"`, `"hash"`} {
		if bytes.Contains(r.body, []byte(s)) {
			t.Errorf("token list shows %q: %s", s, r.body)
		}
	}
	list := decode[struct{ Items []tokenJSON }](t, r)
	var ids []string
	for _, tok := range list.Items {
		ids = append(ids, tok.ID)
	}
	if len(ids) != 4 || !slices.Contains(ids, adminTok.ID) || !slices.Contains(ids, scimTok.ID) {
		t.Errorf("token list %v", ids)
	}
	if bList := decode[struct{ Items []tokenJSON }](t, e.do(e.b.AdminToken, "GET", "/tokens", nil)); len(bList.Items) != 2 {
		t.Errorf("B sees %d tokens", len(bList.Items))
	}

	// The new admin token works; the SCIM token opens no admin call.
	wantStatus(t, e.do(adminTok.Token, "GET", "/users", nil), http.StatusOK)
	wantProblem(t, e.do(scimTok.Token, "GET", "/organisation", nil), http.StatusUnauthorized, "token.invalid", "")

	// Another organisation cannot revoke A's tokens, or learn of them.
	wantProblem(t, e.do(e.b.AdminToken, "DELETE", "/tokens/"+adminTok.ID, nil), http.StatusNotFound, "token.not_found", "")
	wantStatus(t, e.do(adminTok.Token, "GET", "/users", nil), http.StatusOK)

	// Revoked, it stops working at once.
	r = e.do(A, "DELETE", "/tokens/"+adminTok.ID, nil)
	wantStatus(t, r, http.StatusNoContent)
	wantProblem(t, e.do(adminTok.Token, "GET", "/users", nil), http.StatusUnauthorized, "token.invalid", "")
	wantProblem(t, e.do(A, "DELETE", "/tokens/"+adminTok.ID, nil), http.StatusNotFound, "token.not_found", "")
	for _, id := range []string{"x", strings.Repeat("0", 3000), "%23"} {
		wantProblem(t, e.do(A, "DELETE", "/tokens/"+id, nil), http.StatusNotFound, "token.not_found", "")
	}

	// Invalid token requests name the field.
	for _, tt := range []struct {
		body        map[string]any
		code, field string
	}{
		{map[string]any{"name": "", "kind": "scim"}, "field.required", "name"},
		{map[string]any{"name": strings.Repeat("n", 101), "kind": "scim"}, "field.too_long", "name"},
		{map[string]any{"name": "t", "kind": "admin", "roles": []string{"user-admin", "user-admin"}}, "role.duplicate", "roles"},
		{map[string]any{"name": "t", "kind": "root"}, "kind.invalid", "kind"},
		{map[string]any{"name": "t"}, "kind.invalid", "kind"},
		{map[string]any{"name": "t", "kind": "admin"}, "roles.required", "roles"},
		{map[string]any{"name": "t", "kind": "admin", "roles": []string{"god"}}, "role.invalid", "roles"},
		{map[string]any{"name": "t", "kind": "scim", "roles": []string{"user-admin"}}, "roles.not_allowed", "roles"},
	} {
		wantProblem(t, e.do(A, "POST", "/tokens", tt.body), http.StatusBadRequest, tt.code, tt.field)
	}
}

type orgJSON struct {
	ID                   string   `json:"id"`
	Name                 string   `json:"name"`
	CVR                  string   `json:"cvr"`
	IAL                  int      `json:"ial"`
	EANNumbers           []string `json:"eanNumbers"`
	PNumbers             []string `json:"pNumbers"`
	SENumbers            []string `json:"seNumbers"`
	AllowAnonymous       bool     `json:"allowAnonymous"`
	ReferenceTextEnabled bool     `json:"referenceTextEnabled"`
	AllowPrivateMitID    bool     `json:"allowPrivateMitID"`
	MaxAdmins            int      `json:"maxAdmins"`
	Language             string   `json:"language"`
	AdminEmails          []string `json:"adminEmails"`
	GroupRoles           []struct {
		Group, Role, OrgUnit string
	} `json:"groupRoles"`
	Version int64 `json:"version"`
}

func TestOrganisation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	A := e.a.AdminToken

	r := e.do(A, "GET", "/organisation", nil)
	wantStatus(t, r, http.StatusOK)
	o := decode[orgJSON](t, r)
	if o.ID != e.orgA.ID || o.CVR != "11111111" || o.IAL != 3 || o.Language != "da" || o.Name != "Firma A/S" ||
		!slices.Equal(o.EANNumbers, []string{eanA}) || !slices.Equal(o.PNumbers, []string{pA1, pA2}) ||
		!slices.Equal(o.SENumbers, []string{seA}) || o.AdminEmails == nil {
		t.Errorf("organisation = %s", r.body)
	}

	r = e.do(A, "PATCH", "/organisation", `{"eanNumbers": ["`+eanA+`", " `+eanA2+` ", "`+eanA+`"], "language": "en", "adminEmails": ["it@example.dk"], "allowAnonymous": true}`)
	wantStatus(t, r, http.StatusOK)
	o = decode[orgJSON](t, r)
	if !slices.Equal(o.EANNumbers, []string{eanA, eanA2}) || o.Language != "en" || !o.AllowAnonymous || o.Version != 2 ||
		!slices.Equal(o.PNumbers, []string{pA1, pA2}) || o.Name != "Firma A/S" {
		t.Errorf("patched organisation = %s", r.body)
	}
	if got := decode[orgJSON](t, e.do(A, "GET", "/organisation", nil)); !slices.Equal(got.EANNumbers, []string{eanA, eanA2}) || got.Language != "en" {
		t.Errorf("GET after PATCH = %+v", got)
	}
	// Two EANs now: a new user gets none by default, and may pick either.
	u := e.create(map[string]any{"firstName": "A", "lastName": "B", "email": "two@example.dk", "dateOfBirth": "1990-01-01", "ean": eanA2})
	if u.EAN != eanA2 {
		t.Errorf("ean %q", u.EAN)
	}
	// null removes a list.
	r = e.do(A, "PATCH", "/organisation", `{"seNumbers": null}`)
	wantStatus(t, r, http.StatusOK)
	if o := decode[orgJSON](t, r); len(o.SENumbers) != 0 || o.SENumbers == nil {
		t.Errorf("seNumbers %v", o.SENumbers)
	}

	for _, tt := range []struct {
		body        string
		code, field string
	}{
		{`{"eanNumbers": ["123"]}`, "number.invalid", "eanNumbers"},
		{`{"eanNumbers": ["2,56522E+12"]}`, "number.scientific", "eanNumbers"},
		{`{"pNumbers": ["12345678901"]}`, "number.invalid", "pNumbers"},
		{`{"seNumbers": ["1234567a"]}`, "number.invalid", "seNumbers"},
		{`{"adminEmails": ["nope"]}`, "email.format", "adminEmails"},
		{`{"language": "de"}`, "language.invalid", "language"},
		{`{"name": ""}`, "field.required", "name"},
		{`{"maxAdmins": 100}`, "field.read_only", "maxAdmins"},
		{`{"cvr": "87654321"}`, "field.read_only", "cvr"},
		{`{"ial": 4}`, "field.read_only", "ial"},
		{`{"id": "x"}`, "field.read_only", "id"},
		{`{"version": 1}`, "field.read_only", "version"},
		{`{"groupRoles": [{"group": "Sales"}]}`, "field.required", "groupRoles"},
		{`{"groupRoles": [{"group": "Sales", "role": "` + strings.Repeat("r", 101) + `"}]}`, "field.too_long", "groupRoles"},
	} {
		wantProblem(t, e.do(A, "PATCH", "/organisation", tt.body), http.StatusBadRequest, tt.code, tt.field)
	}
	// SCIM groups map to roles (SPEC §5), each mapping once, trimmed.
	r = e.do(A, "PATCH", "/organisation", `{"groupRoles": [{"group": " Sales ", "role": "user-admin"}, {"group": "Sales", "role": "user-admin"}, {"group": "HR", "role": "sagsbehandler", "orgUnit": "HR"}]}`)
	wantStatus(t, r, http.StatusOK)
	if o := decode[orgJSON](t, r); len(o.GroupRoles) != 2 || o.GroupRoles[0].Group != "Sales" || o.GroupRoles[1].OrgUnit != "HR" {
		t.Errorf("groupRoles %s", r.body)
	}
	if got := decode[orgJSON](t, e.do(A, "GET", "/organisation", nil)); got.Version != 4 || got.CVR != "11111111" || got.IAL != 3 {
		t.Errorf("refused patches changed the organisation: %+v", got)
	}
	if got := decode[orgJSON](t, e.do(e.b.AdminToken, "GET", "/organisation", nil)); got.Language != "en" || got.Version != 1 || !slices.Equal(got.EANNumbers, []string{eanB}) {
		t.Errorf("B's organisation changed: %+v", got)
	}
}

// TestLogsHoldNoSecrets runs a full cycle and reads every log line: each
// must be JSON, and none may hold a CPR number, a token secret or an
// activation code.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	A := e.a.AdminToken

	anna := e.create(cprUser("anna@example.dk"))
	bo := e.create(dobUser("bo@example.dk"))
	e.do(A, "GET", "/users/"+anna.ID, nil)
	e.do(A, "GET", "/users?q=anna@example.dk&status=pending_activation", nil)
	e.do(A, "PATCH", "/users/"+anna.ID, `{"phone": "87654321"}`)
	e.do(A, "PATCH", "/users/"+anna.ID, `{"cpr": "`+annaCPR+`"}`)
	e.do(A, "POST", "/users", cprUser("again@example.dk")) // CPR taken
	e.do(A, "POST", "/users", map[string]any{"firstName": "X", "lastName": "Y", "email": "x@example.dk", "cpr": "3102901234"})
	tok := e.newToken(A, "admin", tilgang.RoleUserAdmin)
	scim := e.newToken(A, "scim")
	e.do(tok.Token, "GET", "/users", nil)
	e.do(tok.Token, "GET", "/tokens", nil) // 403
	e.do(A, "GET", "/tokens", nil)
	e.do(A, "DELETE", "/tokens/"+tok.ID, nil)
	e.do(tok.Token, "GET", "/users", nil) // 401
	e.do("", "GET", "/users", nil, "Authorization", "Bearer "+scim.Token)
	e.do(A, "DELETE", "/users/"+bo.ID, nil)
	e.do(A, "DELETE", "/users/"+anna.ID, nil)
	e.srv.Close() // waits for the handlers, and so their log lines

	logs := e.logs.String()
	lines := strings.Split(strings.TrimRight(logs, "\n"), "\n")
	if len(lines) < 17 {
		t.Fatalf("%d log lines, want one per request:\n%s", len(lines), logs)
	}
	for _, line := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Errorf("not JSON: %q", line)
		}
	}
	for name, s := range map[string]string{
		"CPR number": annaCPR, "CPR digits": "3102901234",
		"activation code": bo.ActivationCode, "admin token": A, "new admin token": tok.Token,
		"SCIM token": scim.Token, "B's admin token": e.b.AdminToken, "e-mail": "anna@example.dk",
	} {
		if strings.Contains(logs, s) {
			t.Errorf("logs hold the %s %q:\n%s", name, s, logs)
		}
	}
}
