package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/tilgang/tilgang/internal/logging"
)

// lines decodes the JSON lines logged into buf.
func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func newLogger(buf *bytes.Buffer, function string) *slog.Logger {
	return slog.New(logging.NewHandler(slog.NewJSONHandler(buf, nil), function))
}

func invocation(id string) context.Context {
	return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: id})
}

func TestHandlerAddsFields(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := newLogger(&buf, "mailer")

	log.Info("init")                              // before any invocation: the cold start
	log.InfoContext(invocation("req-1"), "first") // the first invocation
	log.With("k", "v").InfoContext(invocation("req-1"), "first, derived logger")
	log.InfoContext(invocation("req-2"), "second") // warm
	log.InfoContext(context.Background(), "no invocation after the first")

	tests := []struct {
		msg       string
		requestID any // nil: absent
		cold      bool
	}{
		{"init", nil, true},
		{"first", "req-1", true},
		{"first, derived logger", "req-1", true},
		{"second", "req-2", false},
		{"no invocation after the first", nil, false},
	}
	got := lines(t, &buf)
	if len(got) != len(tests) {
		t.Fatalf("%d lines, want %d:\n%s", len(got), len(tests), buf.String())
	}
	for i, tt := range tests {
		l := got[i]
		if l["msg"] != tt.msg {
			t.Errorf("line %d: msg %v, want %q", i, l["msg"], tt.msg)
		}
		if l[logging.KeyFunction] != "mailer" {
			t.Errorf("%s: function = %v, want mailer", tt.msg, l[logging.KeyFunction])
		}
		if l[logging.KeyRequestID] != tt.requestID {
			t.Errorf("%s: requestId = %v, want %v", tt.msg, l[logging.KeyRequestID], tt.requestID)
		}
		if l[logging.KeyColdStart] != tt.cold {
			t.Errorf("%s: coldStart = %v, want %v", tt.msg, l[logging.KeyColdStart], tt.cold)
		}
		if _, ok := l[logging.KeyOrgID]; ok {
			t.Errorf("%s: orgId %v without an authenticated request", tt.msg, l[logging.KeyOrgID])
		}
	}
}

// An HTTP request through the Lambda adapter: the API Gateway request id,
// and the organisation from the moment the request authenticates, on every
// later line of the request, the outer middleware's included. The token and
// the body never appear.
func TestOrganisationAfterAuthentication(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := newLogger(&buf, "scim")
	const token, cpr = "secret-token-abc", "0101901234"

	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.InfoContext(r.Context(), "before authentication")
		authenticate(r.Context())
		log.InfoContext(r.Context(), "after authentication")
		w.WriteHeader(http.StatusCreated)
	})
	outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(w, r)
		log.InfoContext(r.Context(), "request") // as httpx.Log does, around the handler
	})
	h := logging.Middleware(outer)

	ev := events.APIGatewayV2HTTPRequest{
		RawPath: "/scim/v2/Users", Headers: map[string]string{"authorization": "Bearer " + token},
		Body: `{"cpr":"` + cpr + `"}`,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "gw-7", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/scim/v2/Users"},
		},
	}
	var acc core.RequestAccessorV2
	req, err := acc.EventToRequestWithContext(invocation("req-9"), ev)
	if err != nil {
		t.Fatal(err)
	}
	h.ServeHTTP(httptest.NewRecorder(), req)

	if out := buf.String(); strings.Contains(out, token) || strings.Contains(out, cpr) {
		t.Errorf("the log holds the token or the CPR number:\n%s", out)
	}
	want := map[string]any{"before authentication": nil, "after authentication": "org-1", "request": "org-1"}
	got := lines(t, &buf)
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(got), len(want), buf.String())
	}
	for _, l := range got {
		msg, _ := l["msg"].(string)
		if l[logging.KeyOrgID] != want[msg] {
			t.Errorf("%s: orgId = %v, want %v", msg, l[logging.KeyOrgID], want[msg])
		}
		if l[logging.KeyAPIRequestID] != "gw-7" || l[logging.KeyRequestID] != "req-9" {
			t.Errorf("%s: apiRequestId %v, requestId %v; want gw-7, req-9", msg, l[logging.KeyAPIRequestID], l[logging.KeyRequestID])
		}
	}
}

// authenticate stands for a token check deep in a handler: it knows only
// the request's context.
func authenticate(ctx context.Context) { logging.SetOrg(ctx, "org-1") }

// Requests are apart: an organisation set in one is not in another, and
// SetOrg without Begin does nothing.
func TestRequestsApart(t *testing.T) {
	t.Parallel()
	a, b := logging.Begin(context.Background()), logging.Begin(context.Background())
	logging.SetOrg(a, "org-a")
	logging.SetOrg(context.Background(), "org-x")
	if got := logging.OrgID(a); got != "org-a" {
		t.Errorf("OrgID(a) = %q, want org-a", got)
	}
	if got := logging.OrgID(b); got != "" {
		t.Errorf("OrgID(b) = %q, want none", got)
	}
	if got := logging.OrgID(context.Background()); got != "" {
		t.Errorf("OrgID(background) = %q, want none", got)
	}
}
