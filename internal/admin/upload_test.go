package admin_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tilgang/tilgang/internal/admin"
	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/groups"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// uploadEnv is the admin API with a bucket, as the admin function has one,
// and the csvimport function on the same bucket.
type uploadEnv struct {
	*env
	s3     *s3.Client
	bucket string
	logs   *testenv.Logs
	h      *csvimport.Handler
}

func newUploadEnv(t *testing.T) *uploadEnv {
	t.Helper()
	e := newEnv(t)
	s3c, bucket := testenv.Bucket(t)
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	e.srv = httptest.NewServer(admin.New(e.users, tenants.New(e.store), invitations.New(e.store, e.users, testenv.Links(t), time.Now),
		imports.New(e.store).WithBucket(imports.NewBucket(s3c, bucket)), groups.New(e.store, e.users), log))
	t.Cleanup(e.srv.Close)
	logs := &testenv.Logs{}
	return &uploadEnv{env: e, s3: s3c, bucket: bucket, logs: logs,
		h: csvimport.New(s3c, e.store, e.users, nil, logs.Logger(), csvimport.Options{})}
}

type uploadGrant struct {
	ID        string            `json:"id"`
	Key       string            `json:"key"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expiresAt"`
	MaxBytes  int64             `json:"maxBytes"`
}

type importRecord struct {
	ImportID   string `json:"importId"`
	File       string `json:"file"`
	Status     string `json:"status"`
	Key        string `json:"key"`
	UploadedBy string `json:"uploadedBy"`
	Created    int    `json:"created"`
	Failed     int    `json:"failed"`
}

// put sends the file to the upload URL as a tool would: with net/http,
// the headers the grant names, and no AWS credentials of its own.
func (e *uploadEnv) put(g uploadGrant, body []byte) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(g.Method, g.URL, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range g.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestPresignedUpload: a tool asks the admin API for an upload, PUTs the
// file to the URL it gets, the import runs in the caller's organisation
// and records the uploader, and the receipt comes through the admin API,
// to that organisation only.
func TestPresignedUpload(t *testing.T) {
	t.Parallel()
	e := newUploadEnv(t)
	file := []byte("Aktion;Fornavn;Efternavn;CPR;Email;TargetIAL;EAN;P-nummer;SE-nummer\r\n" +
		"C;Anna;Hansen;0101901234;anna@example.dk;3;" + eanA + ";" + pA1 + ";" + seA + "\r\n" +
		"C;Bo;Berg;0202901234;bo@example.dk;3;" + eanA + ";" + pA1 + ";" + seA + "\r\n")

	r := e.do(e.a.AdminToken, "POST", "/imports", map[string]any{"contentLength": len(file), "fileName": "uge47.csv"})
	wantStatus(t, r, http.StatusCreated)
	g := decode[uploadGrant](t, r)
	if g.Key != "imports/"+e.orgA.ID+"/"+g.ID+".csv" || g.Method != http.MethodPut || g.MaxBytes != 50<<20 ||
		r.Header.Get("Location") != admin.Prefix+"/imports/"+g.ID {
		t.Fatalf("grant %s (Location %q)", r.body, r.Header.Get("Location"))
	}
	if d := time.Until(g.ExpiresAt); d < 9*time.Minute || d > 10*time.Minute {
		t.Errorf("the upload URL works for %v; want about 10 minutes", d)
	}
	u, err := url.Parse(g.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	signed := strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	if q.Get("X-Amz-Expires") != "600" || !slices.Contains(signed, "content-length") || !slices.Contains(signed, "content-type") ||
		!strings.HasSuffix(u.Path, "/"+g.Key) {
		t.Errorf("the URL is not bound to the key, size and type for 10 minutes: %s", g.URL)
	}
	if g.Headers["Content-Type"] != "text/csv" || g.Headers["Content-Length"] != strconv.Itoa(len(file)) {
		t.Errorf("headers to send: %v", g.Headers)
	}

	// Before the file arrives the import waits, and has no receipt.
	r = e.do(e.a.AdminToken, "GET", "/imports/"+g.ID, nil)
	wantStatus(t, r, http.StatusOK)
	if rec := decode[importRecord](t, r); rec.Status != "awaitingUpload" || rec.File != "uge47.csv" || !strings.HasPrefix(rec.UploadedBy, "admin token ") {
		t.Errorf("awaiting import: %s", r.body)
	}
	wantProblem(t, e.do(e.a.AdminToken, "GET", "/imports/"+g.ID+"/receipt.csv", nil), http.StatusConflict, "import.running", "")

	// The URL takes exactly the file it was granted for.
	bigger := append(bytes.Clone(file), "C;Carl;Carlsen;0303901234;carl@example.dk;3;;;\r\n"...)
	if status, body := e.put(g, bigger); status != http.StatusForbidden {
		t.Errorf("a PUT of another size than granted: %d %s; want 403", status, body)
	}
	binary := uploadGrant{Method: g.Method, URL: g.URL, Headers: map[string]string{"Content-Type": "application/octet-stream"}}
	if status, body := e.put(binary, file); status != http.StatusForbidden {
		t.Errorf("a PUT of another content type than granted: %d %s; want 403", status, body)
	}
	if status, body := e.put(g, file); status != http.StatusOK {
		t.Fatalf("presigned PUT: %d %s", status, body)
	}
	if err := e.h.Handle(context.Background(), testenv.Created(t, e.s3, e.bucket, g.Key)); err != nil {
		t.Fatal(err)
	}

	r = e.do(e.a.AdminToken, "GET", "/imports/"+g.ID, nil)
	wantStatus(t, r, http.StatusOK)
	rec := decode[importRecord](t, r)
	if rec.ImportID != g.ID || rec.Status != "completed" || rec.Created != 2 || rec.File != "uge47.csv" || rec.Key != g.Key ||
		!strings.HasPrefix(rec.UploadedBy, "admin token ") {
		t.Fatalf("import %s", r.body)
	}

	r = e.do(e.a.AdminToken, "GET", "/imports/"+g.ID+"/receipt.csv", nil)
	wantStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" || r.Header.Get("Cache-Control") != "no-store" ||
		!bytes.HasPrefix(r.body, []byte("\xef\xbb\xbf")) || !bytes.Contains(r.body, []byte("0101901234")) {
		t.Errorf("CSV receipt (%s): %q", ct, r.body)
	}
	r = e.do(e.a.AdminToken, "GET", "/imports/"+g.ID+"/receipt.json", nil)
	wantStatus(t, r, http.StatusOK)
	if !bytes.Contains(r.body, []byte(`"importId":"`+g.ID+`"`)) || !bytes.Contains(r.body, []byte(`"created":2`)) {
		t.Errorf("JSON receipt: %s", r.body)
	}

	// Another organisation's administrator reads none of it.
	for _, path := range []string{"/imports/" + g.ID, "/imports/" + g.ID + "/receipt.csv", "/imports/" + g.ID + "/receipt.json"} {
		wantProblem(t, e.do(e.b.AdminToken, "GET", path, nil), http.StatusNotFound, "import.not_found", "")
	}
	// A token without the user-admin role gets no upload and no receipt.
	rights := e.newToken(e.a.AdminToken, "admin", tilgang.RoleRightsAdmin)
	wantProblem(t, e.do(rights.Token, "POST", "/imports", map[string]any{"contentLength": 10}), http.StatusForbidden, "token.role_missing", "")
	wantProblem(t, e.do(rights.Token, "GET", "/imports/"+g.ID+"/receipt.csv", nil), http.StatusForbidden, "token.role_missing", "")

	// The URL used again writes a second version, which is not imported.
	again := bytes.Replace(file, []byte("Anna"), []byte("Aase"), 1)
	if status, body := e.put(g, again); status != http.StatusOK {
		t.Fatalf("second PUT: %d %s", status, body)
	}
	if err := e.h.Handle(context.Background(), testenv.Created(t, e.s3, e.bucket, g.Key)); err != nil {
		t.Fatal(err)
	}
	if page, err := e.store.Imports(context.Background(), e.orgA.ID, 10, ""); err != nil || len(page.Imports) != 1 {
		t.Errorf("imports after a second version: %+v, %v", page.Imports, err)
	}
	if !strings.Contains(e.logs.String(), "without an upload grant ignored") {
		t.Errorf("the second version was not logged as ignored:\n%s", e.logs)
	}
}

// TestDirectWriteIsIgnored: a file written under imports/<org>/ with a
// bucket credential, past the admin API, is not applied and gets no
// receipt, whoever's prefix it names; the admin API knows no import of it.
func TestDirectWriteIsIgnored(t *testing.T) {
	t.Parallel()
	e := newUploadEnv(t)
	file := []byte("Aktion;Fornavn;Efternavn;CPR;Email;TargetIAL;EAN;P-nummer;SE-nummer\r\n" +
		"C;Anna;Hansen;0101901234;anna@example.dk;3;" + eanA + ";" + pA1 + ";" + seA + "\r\n")
	id := "0f8fad5b-d9cb-469f-a165-70867728950e"
	key := "imports/" + e.orgA.ID + "/" + id + ".csv"
	if err := e.h.Handle(context.Background(), testenv.Upload(t, e.s3, e.bucket, key, file)); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, e.do(e.a.AdminToken, "GET", "/imports/"+id, nil), http.StatusNotFound, "import.not_found", "")
	wantProblem(t, e.do(e.a.AdminToken, "GET", "/imports/"+id+"/receipt.csv", nil), http.StatusNotFound, "import.not_found", "")
	if l := decode[importPage](t, e.do(e.a.AdminToken, "GET", "/imports", nil)); len(l.Items) != 0 {
		t.Errorf("imports of a file without a grant: %+v", l)
	}
	if l := decode[struct{ Items []any }](t, e.do(e.a.AdminToken, "GET", "/users", nil)); len(l.Items) != 0 {
		t.Errorf("users from a file without a grant: %+v", l.Items)
	}
	_, err := e.s3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(e.bucket), Key: aws.String("receipts/" + e.orgA.ID + "/" + id + ".receipt.csv")})
	if err == nil {
		t.Error("a receipt was written for a file without a grant")
	}
}

// TestUploadRequests: what an upload may be.
func TestUploadRequests(t *testing.T) {
	t.Parallel()
	e := newUploadEnv(t)
	tests := []struct {
		body        any
		status      int
		code, field string
	}{
		{map[string]any{}, http.StatusBadRequest, "upload.size_invalid", "contentLength"},
		{map[string]any{"contentLength": 0}, http.StatusBadRequest, "upload.size_invalid", "contentLength"},
		{map[string]any{"contentLength": -5}, http.StatusBadRequest, "upload.size_invalid", "contentLength"},
		{map[string]any{"contentLength": 50<<20 + 1}, http.StatusUnprocessableEntity, "file.too_large", "contentLength"},
		{map[string]any{"contentLength": 10, "fileName": "a\nb.csv"}, http.StatusBadRequest, "upload.file_name_invalid", "fileName"},
		{map[string]any{"contentLength": 10, "fileName": "../x.csv"}, http.StatusBadRequest, "upload.file_name_invalid", "fileName"},
		{map[string]any{"contentLength": 10, "fileName": strings.Repeat("a", 256)}, http.StatusBadRequest, "upload.file_name_invalid", "fileName"},
		{`{"contentLength":"10"}`, http.StatusBadRequest, "", ""},
	}
	for _, tc := range tests {
		r := e.do(e.a.AdminToken, "POST", "/imports", tc.body)
		if tc.code == "" {
			wantStatus(t, r, tc.status)
			continue
		}
		wantProblem(t, r, tc.status, tc.code, tc.field)
	}
	r := e.do(e.a.AdminToken, "POST", "/imports", map[string]any{"contentLength": 50 << 20})
	wantStatus(t, r, http.StatusCreated)
}
