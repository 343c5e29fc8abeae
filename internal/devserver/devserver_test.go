package devserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/localstack"
)

func TestSecondLockIsRefusedClearly(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "dev.lock")
	unlock, err := lock(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock(path); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second lock: %v", err)
	}
	unlock()
	again, err := lock(path)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	again()
}

func TestMailViewConvertsTheEmulatorStore(t *testing.T) {
	t.Parallel()
	ses := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"templates":{},"emails":[{"messageId":"m1","from":"a@b.dk","destination":{"to":["x@y.dk"],"cc":[],"bcc":[]},"subject":"Aktivér","body":{"text":"hej","html":"<p>hej</p>"},"attachments":[],"at":1795669488}]}`))
	}))
	defer ses.Close()
	rec := httptest.NewRecorder()
	mailView(ses.URL).ServeHTTP(rec, httptest.NewRequest("GET", mailPath, nil))
	var got []sentMail
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := sentMail{To: []string{"x@y.dk"}, Subject: "Aktivér", Text: "hej", HTML: "<p>hej</p>", SentAt: time.Unix(1795669488, 0).UTC()}
	if len(got) != 1 || got[0].Subject != want.Subject || got[0].To[0] != "x@y.dk" || got[0].HTML != want.HTML || !got[0].SentAt.Equal(want.SentAt) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

// TestDescribeNamesWhatTheOperatorCommandNeeds: dev.json holds the SES
// endpoint and its store beside DynamoDB and S3, so tilgang --local
// reaches the stack of make dev (the key is added by Run).
func TestDescribeNamesWhatTheOperatorCommandNeeds(t *testing.T) {
	t.Parallel()
	stack := &localstack.Stack{DynamoDBEndpoint: "http://127.0.0.1:1", S3Endpoint: "http://127.0.0.1:2", SESEndpoint: "http://127.0.0.1:3", Region: "eu-north-1"}
	info := describe("http://127.0.0.1:3000", stack, nil)
	if info.SES.Endpoint != stack.SESEndpoint || info.SES.StoreURL != stack.SESEndpoint+"/store" ||
		info.DynamoDB.Endpoint != stack.DynamoDBEndpoint || info.DynamoDB.Table != TableName || info.S3.Region != "eu-north-1" {
		t.Fatalf("dev.json: %+v", info)
	}
}
