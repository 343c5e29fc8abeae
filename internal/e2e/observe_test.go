package e2e

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/tilgang/tilgang/internal/app"
	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/logging"
	"github.com/tilgang/tilgang/internal/metrics"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestRequestLogsAndMetrics drives the admin API and SCIM as Lambda does
// (httpadapter.NewV2 with a Lambda context), through the real wiring of
// internal/app and the local stack: every line carries the function, both
// request ids and the cold-start flag; the lines after authentication carry
// the organisation, the request line included; the user created is counted
// in one EMF line; the token and the CPR number appear nowhere.
func TestRequestLogsAndMetrics(t *testing.T) {
	t.Parallel()
	_, table := testenv.Table(t)
	var logs, emf testenv.Logs
	cfg := config.Config{TableName: table, CPRKey: testenv.CPRKey, PublicBaseURL: "https://api.example", MailFrom: "noreply@tilgang.example"}
	log := slog.New(logging.NewHandler(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}), "admin"))
	a, err := app.Build(cfg, testenv.AWS(t), log)
	if err != nil {
		t.Fatal(err)
	}
	a.Metrics = metrics.New(&emf, "tilgang-test", nil)
	org := &tilgang.Organisation{Name: "Logbog ApS", IAL: 3, Language: "da"}
	creds, err := a.Tenants.Provision(context.Background(), org)
	if err != nil {
		t.Fatal(err)
	}
	const cpr = "0101901234"

	call := func(h http.Handler, reqID, gwID, method, path, token, body string) int {
		t.Helper()
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: reqID})
		resp, err := httpadapter.NewV2(h).ProxyWithContext(ctx, events.APIGatewayV2HTTPRequest{
			Version: "2.0", RouteKey: "$default", RawPath: path, Body: body,
			Headers: map[string]string{"authorization": "Bearer " + token, "content-type": "application/json", "host": "api.example"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				RequestID: gwID, Stage: "$default",
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, SourceIP: "192.0.2.7"},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	body := `{"firstName":"Lis","lastName":"Log","email":"lis@logbog.example","cpr":"` + cpr + `"}`
	if s := call(a.AdminHandler(), "req-admin", "gw-admin", "POST", "/admin/v1/users", creds.AdminToken, body); s != http.StatusCreated {
		t.Fatalf("POST /admin/v1/users: %d", s)
	}
	if s := call(a.SCIMHandler(), "req-scim", "gw-scim", "GET", "/scim/v2/Users", creds.SCIMToken, ""); s != http.StatusOK {
		t.Fatalf("GET /scim/v2/Users: %d", s)
	}

	out := logs.String()
	for _, secret := range []string{creds.AdminToken, creds.SCIMToken, cpr} {
		if strings.Contains(out, secret) || strings.Contains(emf.String(), secret) {
			t.Errorf("a log line holds %q:\n%s", secret, out)
		}
	}
	requests := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if m[logging.KeyFunction] != "admin" || m[logging.KeyColdStart] == nil {
			t.Errorf("line without function or coldStart: %s", l)
		}
		if m["msg"] != "request" {
			continue
		}
		reqID, _ := m[logging.KeyRequestID].(string)
		requests[reqID] = true
		want := map[string]any{logging.KeyOrgID: org.ID, logging.KeyAPIRequestID: strings.Replace(reqID, "req-", "gw-", 1)}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("request line of %s: %s = %v, want %v", reqID, k, m[k], v)
			}
		}
	}
	if !requests["req-admin"] || !requests["req-scim"] {
		t.Errorf("request lines of %v, want req-admin and req-scim:\n%s", requests, out)
	}

	var created float64
	for _, l := range strings.Fields(emf.String()) { // EMF lines hold no spaces
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("EMF line %q: %v", l, err)
		}
		if m[metrics.DimensionStack] != "tilgang-test" || m["_aws"] == nil {
			t.Errorf("EMF line without Stack or _aws: %s", l)
		}
		if v, ok := m[string(metrics.UsersCreated)].(float64); ok {
			created += v
		}
	}
	if created != 1 {
		t.Errorf("UsersCreated = %v, want 1:\n%s", created, emf.String())
	}
}
