package scim_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tilgang/tilgang/internal/groups"
	"github.com/tilgang/tilgang/internal/scim"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// env is the SCIM service provider on a fresh table with two
// organisations, A and B.
type env struct {
	t     *testing.T
	srv   *httptest.Server
	db    *dynamodb.Client
	table string
	store *store.Store
	a, b  tenants.Credentials
	orgA  *tilgang.Organisation
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t)
}

// newEnvWith is newEnv with a users service built with opts.
func newEnvWith(t *testing.T, opts ...users.Option) *env {
	t.Helper()
	db, table := testenv.Table(t)
	st := store.New(db, table)
	svc := testenv.Users(t, st, opts...)
	e := &env{t: t, db: db, table: table, store: st}
	var err error
	e.orgA = &tilgang.Organisation{Name: "A", CVR: "11111111", IAL: 3, EANNumbers: []string{"5790000000005"}}
	if e.a, err = tenants.New(st).Provision(context.Background(), e.orgA); err != nil {
		t.Fatal(err)
	}
	if e.b, err = tenants.New(st).Provision(context.Background(), &tilgang.Organisation{Name: "B", CVR: "22222222", IAL: 4}); err != nil {
		t.Fatal(err)
	}
	authenticate := func(ctx context.Context, token string) (*tilgang.Token, *tilgang.Organisation, error) {
		return tenants.New(st).Authenticate(ctx, tilgang.TokenSCIM, token)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	// Locations are built from the configured base URL, which is this
	// server's: a test can follow them.
	e.srv = httptest.NewUnstartedServer(nil)
	e.srv.Start()
	e.srv.Config.Handler = scim.New(svc.SCIM(), authenticate, log, scim.Options{PublicBaseURL: e.srv.URL, Groups: groups.New(st, svc, groups.WithLogger(log))})
	t.Cleanup(e.srv.Close)
	return e
}

// response is an answer with its body read.
type response struct {
	*http.Response
	body []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

// do sends a request with token; body may be a string (sent as is) or a
// value (sent as JSON). headers are name, value pairs.
func (e *env) do(token, method, path string, body any, headers ...string) response {
	e.t.Helper()
	resp, b := testenv.Request(e.t, method, e.srv.URL+scim.Prefix+path, token, "application/scim+json", body, headers...)
	return response{resp, b}
}

// want checks the status, and for errors the SCIM error body (RFC 7644
// §3.12) with scimType (if given).
func want(t *testing.T, r response, status int, scimType string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d; body %s", r.StatusCode, status, r.body)
	}
	if status < 400 {
		return
	}
	m := r.json(t)
	if s, _ := m["schemas"].([]any); len(s) != 1 || s[0] != scim.ErrorSchema || m["status"] != strconv.Itoa(status) {
		t.Fatalf("not a SCIM error body: %s", r.body)
	}
	if scimType != "" && m["scimType"] != scimType {
		t.Fatalf("scimType %v, want %s; body %s", m["scimType"], scimType, r.body)
	}
}

// user is a minimal User body as identity providers send it.
func user(userName string) map[string]any {
	return map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": userName,
		"name":     map[string]any{"givenName": "Anna", "familyName": "Hansen"},
		"emails":   []any{map[string]any{"value": userName, "type": "work", "primary": true}},
		"active":   true,
	}
}

// create posts a user and returns its id.
func (e *env) create(token string, body any) string {
	e.t.Helper()
	r := e.do(token, "POST", "/Users", body)
	want(e.t, r, http.StatusCreated, "")
	id, _ := r.json(e.t)["id"].(string)
	return id
}
