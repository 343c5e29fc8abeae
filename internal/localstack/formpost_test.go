package localstack

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
)

// memPutter keeps what form uploads store.
type memPutter struct {
	mu      sync.Mutex
	objects map[string]string // bucket/key: body
	meta    map[string]map[string]string
}

func (m *memPutter) BucketExists(name string) (bool, error) { return name == "b", nil }

func (m *memPutter) PutObject(bucket, key string, meta map[string]string, input io.Reader, _ int64, _ *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	body, err := io.ReadAll(input)
	if err != nil {
		return gofakes3.PutObjectResult{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objects[bucket+"/"+key] = string(body)
	m.meta[bucket+"/"+key] = meta
	return gofakes3.PutObjectResult{}, nil
}

// form is a multipart form body: fields in order, then the file.
func form(t *testing.T, fields [][2]string, file string) (string, *bytes.Buffer) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", "users.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(fw, file); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), &b
}

// TestFormUploads: a browser form upload through a presigned POST policy
// (as the console's upload page makes) is stored when the form meets the
// policy, redirected as S3 redirects, and refused as S3 refuses it when the
// policy has expired or was altered, or the form names another key,
// content type or a size out of range, or sends a field the policy does
// not name.
func TestFormUploads(t *testing.T) {
	t.Parallel()
	var clock struct {
		sync.Mutex
		at time.Time
	}
	clock.at = time.Now()
	now := func() time.Time { clock.Lock(); defer clock.Unlock(); return clock.at }
	store := &memPutter{objects: map[string]string{}, meta: map[string]map[string]string{}}
	passed := false
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { passed = true })
	srv := httptest.NewServer(formUploads(next, store, Region, now))
	t.Cleanup(srv.Close)

	c := s3.New(s3.Options{Region: Region, UsePathStyle: true, BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, "")})
	back := "http://127.0.0.1:3000/console/imports/i1"
	signed, err := s3.NewPresignClient(c).PresignPostObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String("b"), Key: aws.String("imports/o/i1.csv"),
	}, func(o *s3.PresignPostOptions) {
		o.Expires = 10 * time.Minute
		o.Conditions = []any{
			map[string]string{"Content-Type": "text/csv"},
			[]any{"content-length-range", 1, 16},
			map[string]string{"success_action_redirect": back},
			[]any{"starts-with", "$x-amz-meta-filename", ""},
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if signed.URL != srv.URL+"/b" {
		t.Fatalf("presigned POST to %s", signed.URL)
	}
	fields := func(change map[string]string, extra ...[2]string) [][2]string {
		v := maps.Clone(signed.Values)
		v["Content-Type"], v["success_action_redirect"] = "text/csv", back
		for k, x := range change {
			v[k] = x
		}
		var out [][2]string
		for _, k := range slices.Sorted(maps.Keys(v)) {
			out = append(out, [2]string{k, v[k]})
		}
		return append(out, extra...)
	}
	post := func(fs [][2]string, file string) *http.Response {
		t.Helper()
		ct, body := form(t, fs, file)
		req, err := http.NewRequest(http.MethodPost, signed.URL, body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", ct)
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	code := func(resp *http.Response) string {
		b, _ := io.ReadAll(resp.Body)
		_, rest, _ := strings.Cut(string(b), "<Code>")
		c, _, _ := strings.Cut(rest, "</Code>")
		return c
	}

	policy, _ := base64.StdEncoding.DecodeString(signed.Values["policy"])
	wider := base64.StdEncoding.EncodeToString(bytes.Replace(policy, []byte(`["content-length-range",1,16]`), []byte(`["content-length-range",1,1600]`), 1))
	if wider == signed.Values["policy"] {
		t.Fatalf("policy without the size range: %s", policy)
	}
	tests := []struct {
		name   string
		fields [][2]string
		file   string
		after  time.Duration
		status int
		code   string
	}{
		{"another key", fields(map[string]string{"key": "imports/p/i1.csv"}), "a;b\r\n", 0, 403, "AccessDenied"},
		{"another content type", fields(map[string]string{"Content-Type": "text/html"}), "a;b\r\n", 0, 403, "AccessDenied"},
		{"another redirect", fields(map[string]string{"success_action_redirect": "https://evil.example/"}), "a;b\r\n", 0, 403, "AccessDenied"},
		{"too large", fields(nil), strings.Repeat("a;b\r\n", 4), 0, 400, "EntityTooLarge"},
		{"empty", fields(nil), "", 0, 400, "EntityTooSmall"},
		{"a field the policy does not name", fields(nil, [2]string{"x-amz-meta-owner", "eve"}), "a;b\r\n", 0, 403, "AccessDenied"},
		{"an altered policy", fields(map[string]string{"policy": wider}), strings.Repeat("a;b\r\n", 4), 0, 403, "SignatureDoesNotMatch"},
		{"a tampered signature", fields(map[string]string{"X-Amz-Signature": strings.Repeat("0", 64)}), "a;b\r\n", 0, 403, "SignatureDoesNotMatch"},
		{"no policy", fields(map[string]string{"policy": ""}), "a;b\r\n", 0, 403, "AccessDenied"},
		{"expired", fields(nil), "a;b\r\n", 11 * time.Minute, 403, "AccessDenied"},
	}
	for _, tc := range tests {
		clock.Lock()
		clock.at = time.Now().Add(tc.after)
		clock.Unlock()
		resp := post(tc.fields, tc.file)
		if got := code(resp); resp.StatusCode != tc.status || got != tc.code {
			t.Errorf("%s: %d %s; want %d %s", tc.name, resp.StatusCode, got, tc.status, tc.code)
		}
	}
	if len(store.objects) != 0 || passed {
		t.Fatalf("refused uploads were stored (%v) or passed on (%v)", store.objects, passed)
	}

	clock.Lock()
	clock.at = time.Now().Add(9 * time.Minute)
	clock.Unlock()
	resp := post(fields(map[string]string{"x-amz-meta-filename": "uge49-%C3%A6.csv"}), "a;b\r\n")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("as signed: %d %s", resp.StatusCode, code(resp))
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), back+"?") || loc.Query().Get("key") != "imports/o/i1.csv" || loc.Query().Get("bucket") != "b" ||
		loc.Query().Get("etag") == "" {
		t.Errorf("redirect to %s", resp.Header.Get("Location"))
	}
	// Metadata goes to gofakes3 as headers, which it sends back as they are.
	if got, meta := store.objects["b/imports/o/i1.csv"], store.meta["b/imports/o/i1.csv"]; got != "a;b\r\n" || meta["Content-Type"] != "text/csv" ||
		meta["X-Amz-Meta-Filename"] != "uge49-%C3%A6.csv" {
		t.Errorf("stored %q with %v", got, store.meta["b/imports/o/i1.csv"])
	}

	// Anything that is not a form upload passes on.
	r, err := http.Post(srv.URL+"/b/k?uploads", "application/xml", strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if !passed {
		t.Error("a POST that is no form upload did not reach the emulator")
	}
}
