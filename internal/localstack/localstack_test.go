package localstack

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// requireTools skips the test when java or node is missing, since no stack
// can run then.
func requireTools(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"java", "node"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not on PATH", bin)
		}
	}
}

// startStack starts a stack that is stopped when the test ends. It does not
// call t.Fatal, so it may run on any goroutine.
func startStack(t *testing.T, onS3 func(context.Context, events.S3Event)) (*Stack, error) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	begin := time.Now()
	s, err := Start(ctx, Options{Root: filepath.Join("..", ".."), Logs: t.Output(), OnS3Object: onS3})
	if err != nil {
		return nil, err
	}
	t.Logf("Start took %v: dynamodb %s, s3 %s, ses %s", time.Since(begin).Round(time.Millisecond),
		s.DynamoDBEndpoint, s.S3Endpoint, s.SESEndpoint)
	t.Cleanup(func() { _ = s.Close() })
	return s, nil
}

// eventLog collects OnS3Object calls for assertions.
type eventLog struct {
	mu  sync.Mutex
	got []events.S3EventRecord
}

func (l *eventLog) record(_ context.Context, ev events.S3Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, ev.Records...)
}

// count is how many records arrived so far.
func (l *eventLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.got)
}

// waitFor polls until n records arrived and returns them.
func (l *eventLog) waitFor(t *testing.T, n int) []events.S3EventRecord {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		l.mu.Lock()
		got := slices.Clone(l.got)
		l.mu.Unlock()
		if len(got) >= n {
			return got
		}
	}
	t.Fatalf("timed out waiting for %d S3 events", n)
	return nil
}

func TestStack(t *testing.T) {
	requireTools(t)
	var evs eventLog
	s, err := startStack(t, evs.record)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	cfg, err := s.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("dynamodb", func(t *testing.T) {
		db := dynamodb.NewFromConfig(cfg)
		_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:            aws.String("tilgang-test"),
			BillingMode:          ddbtypes.BillingModePayPerRequest,
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
			KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := db.ListTables(ctx, &dynamodb.ListTablesInput{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(out.TableNames, []string{"tilgang-test"}) {
			t.Fatalf("tables = %v", out.TableNames)
		}
	})

	t.Run("s3 events", func(t *testing.T) {
		if err := s.CreateBucket(ctx, "uploads"); err != nil {
			t.Fatal(err)
		}
		client := s3.NewFromConfig(cfg, s.S3Options)
		const key = "imports/x/a b.csv"
		body := "email,name\nada@example.org,Ada\n"
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String("uploads"), Key: aws.String(key), Body: strings.NewReader(body),
		}); err != nil {
			t.Fatal(err)
		}
		rec := evs.waitFor(t, 1)[0]
		sum := md5.Sum([]byte(body))
		want := events.S3Object{
			Key: "imports/x/a+b.csv", URLDecodedKey: key, Size: int64(len(body)),
			ETag: hex.EncodeToString(sum[:]), Sequencer: rec.S3.Object.Sequencer,
		}
		if rec.S3.Object != want || rec.S3.Object.Sequencer == "" {
			t.Errorf("object = %+v, want %+v", rec.S3.Object, want)
		}
		if rec.EventSource != "aws:s3" || rec.EventName != "ObjectCreated:Put" || rec.AWSRegion != Region ||
			rec.S3.Bucket.Name != "uploads" || rec.S3.Bucket.Arn != "arn:aws:s3:::uploads" {
			t.Errorf("record = %+v", rec)
		}
		// A handler gets the event as JSON: the key must survive the trip.
		raw, _ := json.Marshal(events.S3Event{Records: []events.S3EventRecord{rec}})
		var back events.S3Event
		if err := json.Unmarshal(raw, &back); err != nil || back.Records[0].S3.Object.URLDecodedKey != key {
			t.Errorf("json round trip: %v %+v", err, back)
		}

		got, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("uploads"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		defer got.Body.Close()
		if b, _ := io.ReadAll(got.Body); string(b) != body {
			t.Errorf("GetObject = %q", b)
		}

		// Copy and multipart completion are reported too.
		if _, err := client.CopyObject(ctx, &s3.CopyObjectInput{
			Bucket: aws.String("uploads"), Key: aws.String("imports/x/copy.csv"), CopySource: aws.String("uploads/imports/x/a%20b.csv"),
		}); err != nil {
			t.Fatal(err)
		}
		multipartPut(t, client, "uploads", "imports/y/big.csv", body)
		recs := evs.waitFor(t, 3)
		if r := recs[1]; r.EventName != "ObjectCreated:Copy" || r.S3.Object.Key != "imports/x/copy.csv" || r.S3.Object.Size != int64(len(body)) {
			t.Errorf("copy event = %+v", r)
		}
		if r := recs[2]; r.EventName != "ObjectCreated:Put" || r.S3.Object.Key != "imports/y/big.csv" || r.S3.Object.Size != int64(len(body)) {
			t.Errorf("multipart event = %+v", r)
		}
	})

	// The admin API hands tools a presigned PUT (query-string SigV4, signed
	// content type and length), which they send without credentials of
	// their own: the emulator takes it, and reports it like any other
	// write, so make dev imports it.
	t.Run("s3 presigned put", func(t *testing.T) {
		if err := s.CreateBucket(ctx, "granted"); err != nil {
			t.Fatal(err)
		}
		before := evs.count()
		client := s3.NewFromConfig(cfg, s.S3Options)
		const key = "imports/z/granted.csv"
		body := "Aktion;Fornavn\r\nC;Ada\r\n"
		signed, err := s3.NewPresignClient(client).PresignPutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String("granted"), Key: aws.String(key),
			ContentType: aws.String("text/csv"), ContentLength: aws.Int64(int64(len(body))),
		}, s3.WithPresignExpires(10*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(signed.URL, "X-Amz-Signature=") {
			t.Fatalf("not a query-string signed URL: %s", signed.URL)
		}
		req, err := http.NewRequestWithContext(ctx, signed.Method, signed.URL, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "text/csv")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("presigned PUT: %s", resp.Status)
		}
		rec := evs.waitFor(t, before+1)[before]
		if rec.EventName != "ObjectCreated:Put" || rec.S3.Object.URLDecodedKey != key || rec.S3.Object.Size != int64(len(body)) {
			t.Errorf("presigned PUT event = %+v", rec)
		}
	})

	t.Run("ses", func(t *testing.T) {
		mail := sesv2.NewFromConfig(cfg)
		out, err := mail.SendEmail(ctx, &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("noreply@tilgang.test"),
			Destination:      &sestypes.Destination{ToAddresses: []string{"ada@example.org"}},
			Content: &sestypes.EmailContent{Simple: &sestypes.Message{
				Subject: &sestypes.Content{Data: aws.String("Welcome")},
				Body:    &sestypes.Body{Text: &sestypes.Content{Data: aws.String("Hello Ada")}},
			}},
		})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(s.MailStoreURL())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		t.Logf("GET /store: %s", raw)
		var store struct {
			Emails []struct {
				MessageID   string `json:"messageId"`
				From        string `json:"from"`
				Destination struct{ To []string }
				Subject     string
				Body        struct{ Text, HTML string }
				At          int64
			}
		}
		if err := json.Unmarshal(raw, &store); err != nil {
			t.Fatal(err)
		}
		if len(store.Emails) != 1 {
			t.Fatalf("emails = %+v", store.Emails)
		}
		e := store.Emails[0]
		if e.MessageID != aws.ToString(out.MessageId) || e.From != "noreply@tilgang.test" ||
			!slices.Equal(e.Destination.To, []string{"ada@example.org"}) ||
			e.Subject != "Welcome" || e.Body.Text != "Hello Ada" || e.At == 0 {
			t.Errorf("stored email = %+v", e)
		}
	})

	pids := []int{s.dynamo.cmd.Process.Pid, s.ses.cmd.Process.Pid}
	begin := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d still there after Close (kill 0: %v)", pid, err)
		}
	}
	t.Logf("Close took %v", time.Since(begin).Round(time.Millisecond))
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func multipartPut(t *testing.T, client *s3.Client, bucket, key, body string) {
	t.Helper()
	ctx := t.Context()
	up, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key})
	if err != nil {
		t.Fatal(err)
	}
	part, err := client.UploadPart(ctx, &s3.UploadPartInput{
		Bucket: &bucket, Key: &key, UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader(body),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: &bucket, Key: &key, UploadId: up.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{ETag: part.ETag, PartNumber: aws.Int32(1)}}},
	}); err != nil {
		t.Fatal(err)
	}
}

func TestTwoStacksSideBySide(t *testing.T) {
	requireTools(t)
	var a, b *Stack
	var errA, errB error
	var wg sync.WaitGroup
	wg.Go(func() { a, errA = startStack(t, nil) })
	wg.Go(func() { b, errB = startStack(t, nil) })
	wg.Wait()
	if err := errors.Join(errA, errB); err != nil {
		t.Fatal(err)
	}
	if a.DynamoDBEndpoint == b.DynamoDBEndpoint || a.S3Endpoint == b.S3Endpoint || a.SESEndpoint == b.SESEndpoint {
		t.Fatalf("shared endpoints: %v / %v", a.Env(), b.Env())
	}
	// Each DynamoDB is its own database.
	ctx := t.Context()
	for i, s := range []*Stack{a, b} {
		cfg, _ := s.AWSConfig(ctx)
		db := dynamodb.NewFromConfig(cfg)
		if i == 0 {
			if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
				TableName:            aws.String("only-in-a"),
				BillingMode:          ddbtypes.BillingModePayPerRequest,
				AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
				KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
			}); err != nil {
				t.Fatal(err)
			}
		}
		out, err := db.ListTables(ctx, &dynamodb.ListTablesInput{})
		if err != nil {
			t.Fatal(err)
		}
		if want := 1 - i; len(out.TableNames) != want {
			t.Errorf("stack %d: tables %v", i, out.TableNames)
		}
	}
}

func TestEventKey(t *testing.T) {
	for in, want := range map[string]string{
		"imports/x/a b.csv":        "imports/x/a+b.csv",
		"imports/x/a+b:c.csv":      "imports/x/a%2Bb%3Ac.csv",
		"imports/ø/Ærlig navn.csv": "imports/%C3%B8/%C3%86rlig+navn.csv",
	} {
		if got := eventKey(in); got != want {
			t.Errorf("eventKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// The dispatcher needs no emulators: check per-key order, parallelism
// across keys, and that drain waits for slow callbacks.
func TestDispatcherOrderAndDrain(t *testing.T) {
	var mu sync.Mutex
	got := map[string][]string{}
	d := newDispatcher(func(_ context.Context, ev events.S3Event) {
		time.Sleep(time.Millisecond)
		o := ev.Records[0].S3.Object
		mu.Lock()
		got[o.URLDecodedKey] = append(got[o.URLDecodedKey], o.Sequencer)
		mu.Unlock()
	})
	want := map[string][]string{}
	for i := range 50 {
		key := []string{"a", "b", "c"}[i%3]
		ev := newS3Event(s3Write{key: key, seq: uint64(i)})
		want[key] = append(want[key], ev.Records[0].S3.Object.Sequencer)
		d.enqueue("bucket/"+key, ev)
	}
	d.drain(time.Minute)
	mu.Lock()
	defer mu.Unlock()
	for key, seqs := range want {
		if !slices.Equal(got[key], seqs) {
			t.Errorf("key %s: delivered %v, want %v", key, got[key], seqs)
		}
	}
}

func TestStartEmulatorReportsLogTail(t *testing.T) {
	build := func(port int) *exec.Cmd { return exec.Command("sh", "-c", "echo starting; echo boom >&2; exit 3") }
	_, err := startEmulator(t.Context(), "broken", "/", build, func(*http.Response) bool { return true }, newLogSink(nil))
	if err == nil || !strings.Contains(err.Error(), "broken: exited before answering (exit status 3)") ||
		!strings.Contains(err.Error(), "starting\nboom") {
		t.Fatalf("err = %v", err)
	}
}
