// Package functions_test feeds each sample event in events/ to its
// function's handler in-process, wired as in Lambda, against the local stack.
package functions_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/tilgang/tilgang/internal/app"
	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
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
	creds, err := a.Tenants.Provision(ctx, org)
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
		// The sample token is no link: the unknown-link page.
		{"web-get-activate.json", a.WebHandler(), http.StatusNotFound, "<!doctype html>"},
		// The sample's CSRF value is signed with no key of this run: refused,
		// in JSON, in the browser's language.
		{"passkeys-signin-begin.json", a.PasskeysHandler(), http.StatusForbidden, `{"error":"Forespørgslen kom ikke fra`},
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
		// The sample names a bucket, an organisation and a version that exist
		// in AWS; here they are this test's.
		s3c, bucket := testenv.Bucket(t)
		up := testenv.GrantedUpload(t, a.Store, s3c, bucket, "imports/"+org.ID+"/users.csv",
			[]byte("Aktion;Fornavn;Efternavn;Foedselsdato;Email;TargetIAL\r\nC;Mette;Jensen;01011990;mette@example.dk;3\r\n"))
		var ev events.S3Event
		load(t, "csvimport-s3-put.json", &ev,
			"tilgang-local", bucket, "5f0c6a2e-8b1d-4c3e-9a7f-2d4b6c8e0a13", org.ID,
			"3HL4kqtJlcpXroDTDmjVBH40Nrjfkd", up.Records[0].S3.Object.VersionID)
		a.S3PathStyle = true
		if err := a.CSVImport(nil).Handle(ctx, ev); err != nil {
			t.Fatal(err)
		}
		out, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("receipts/" + org.ID + "/users.receipt.json")})
		if err != nil {
			t.Fatal(err)
		}
		defer out.Body.Close()
		receipt, _ := io.ReadAll(out.Body)
		if !strings.Contains(string(receipt), `"status":"completed","created":1`) {
			t.Fatalf("receipt %s", receipt)
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
	t.Run("sesevents-bounce.json", func(t *testing.T) {
		// Of a user that is not in this table: read, and ignored.
		var ev events.EventBridgeEvent
		load(t, "sesevents-bounce.json", &ev)
		if err := a.SESEvents().Handle(ctx, ev); err != nil {
			t.Fatal(err)
		}
	})
}
