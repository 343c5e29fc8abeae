// Package functions_test feeds each sample event in events/ to its
// function's handler in-process, wired as in Lambda, against the local stack.
package functions_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	tilgang "github.com/tilgang/tilgang/internal"
	"github.com/tilgang/tilgang/internal/app"
	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// load reads events/<name>, replacing the token placeholders.
func load(t *testing.T, name string, v any, replace ...string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.NewReplacer(replace...).Replace(string(b)))
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestSampleEvents(t *testing.T) {
	ctx := context.Background()
	_, table := testenv.Table(t)
	a, err := app.Build(config.Config{TableName: table, CPRKey: testenv.CPRKey}, testenv.AWS(t), app.NewLogger(os.Stderr, slog.LevelWarn))
	if err != nil {
		t.Fatal(err)
	}
	org := &tilgang.Organisation{Name: "Events ApS", CVR: "11223344", IAL: 3}
	creds, err := tenants.Provision(ctx, a.Store, org)
	if err != nil {
		t.Fatal(err)
	}
	tokens := []string{"REPLACE_WITH_ADMIN_TOKEN", creds.AdminToken, "REPLACE_WITH_SCIM_TOKEN", creds.SCIMToken}

	httpEvents := []struct {
		file    string
		handler http.Handler
		status  int
		body    string
	}{
		{"admin-get-organisation.json", a.AdminHandler(), http.StatusOK, `"name":"Events ApS"`},
		{"scim-get-serviceproviderconfig.json", a.SCIMHandler(), http.StatusOK, "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		// The pages answer 501 in their documented shape until their issue
		// lands.
		{"web-get-activate.json", a.WebHandler(), http.StatusNotImplemented, "<!doctype html>"},
	}
	for _, tt := range httpEvents {
		t.Run(tt.file, func(t *testing.T) {
			var req events.APIGatewayV2HTTPRequest
			load(t, tt.file, &req, tokens...)
			resp, err := httpadapter.NewV2(tt.handler).ProxyWithContext(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || !strings.Contains(resp.Body, tt.body) {
				t.Fatalf("status %d body %s; want %d with %q", resp.StatusCode, resp.Body, tt.status, tt.body)
			}
		})
	}
	t.Run("csvimport-s3-put.json", func(t *testing.T) {
		var ev events.S3Event
		load(t, "csvimport-s3-put.json", &ev)
		if err := a.CSVImport().Handle(ctx, ev); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("mailer-stream-insert.json", func(t *testing.T) {
		var ev events.DynamoDBEvent
		load(t, "mailer-stream-insert.json", &ev)
		resp, err := a.Mailer().Handle(ctx, ev)
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("failures %v, err %v", resp.BatchItemFailures, err)
		}
	})
	t.Run("scheduler-schedule.json", func(t *testing.T) {
		var ev events.EventBridgeEvent
		load(t, "scheduler-schedule.json", &ev)
		if err := a.Scheduler().Handle(ctx, ev); err != nil {
			t.Fatal(err)
		}
	})
}
