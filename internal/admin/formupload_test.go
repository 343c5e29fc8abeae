package admin_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// postForm sends fields, then file, to url as a browser sends a form, and
// returns the answer without following a redirect.
func postForm(t *testing.T, url string, fields map[string]string, file []byte) *http.Response {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if err := w.WriteField(k, fields[k]); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", "uge49.csv")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(file)
	w.Close()
	req, err := http.NewRequest(http.MethodPost, url, &b)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp
}

// TestFormUploadImports: a person granted a browser form upload posts the
// file straight to the bucket (no JavaScript), is sent back to the
// import's page, and the file is imported into the person's organisation
// with the person as uploader; the form cannot write another key.
func TestFormUploadImports(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		bucket func(e *uploadEnv) imports.Bucket
	}{
		{"client", func(e *uploadEnv) imports.Bucket { return imports.NewBucket(e.s3, e.bucket) }},
		// The console's: signed without an s3.Client.
		{"signed", func(e *uploadEnv) imports.Bucket {
			return imports.NewSignedBucket(imports.EndpointOf(e.s3.Options()), e.bucket)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newUploadEnv(t)
			testFormUpload(t, e, imports.New(e.store).WithBucket(tc.bucket(e)))
		})
	}
}

func testFormUpload(t *testing.T, e *uploadEnv, svc *imports.Service) {
	person := &tilgang.By{Kind: tilgang.ActorPerson, ID: "u-anna", Name: "Anna Berg", Email: "anna.berg@example.dk"}
	back := "http://127.0.0.1:3000/console/imports/"
	g, err := svc.GrantFormUpload(context.Background(), e.orgA, imports.FormRequest{
		Redirect: func(id string) string { return back + id }, Uploader: person.Label(), UploaderID: person.ID, UploaderBy: person,
	})
	if err != nil {
		t.Fatal(err)
	}
	if g.Key != "imports/"+e.orgA.ID+"/"+g.Upload.ID+".csv" || g.Fields["key"] != g.Key || g.Fields["Content-Type"] != "text/csv" ||
		g.Fields["success_action_redirect"] != back+g.Upload.ID {
		t.Fatalf("grant %+v", g)
	}
	file := []byte("Aktion;Fornavn;Efternavn;CPR;Email;TargetIAL;EAN;P-nummer;SE-nummer\r\n" +
		"C;Anna;Hansen;0101901234;anna@example.dk;3;" + eanA + ";" + pA1 + ";" + seA + "\r\n")

	if g.Fields[imports.FileNameField] != "" || !policyHas(t, g.Fields["policy"], []any{"starts-with", "$" + imports.FileNameField, ""}) {
		t.Errorf("the form's file name field %q is not the policy's free field", g.Fields[imports.FileNameField])
	}
	for _, tc := range []struct {
		name, field, value string
	}{
		{"another organisation's key", "key", "imports/" + e.orgB.ID + "/" + g.Upload.ID + ".csv"},
		{"another redirect", "success_action_redirect", "https://evil.example/"},
		{"another content type", "Content-Type", "text/html"},
		{"other metadata", "x-amz-meta-owner", "eve"},
	} {
		other := maps.Clone(g.Fields)
		other[tc.field] = tc.value
		if resp := postForm(t, g.URL, other, file); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a form with %s: %d", tc.name, resp.StatusCode)
		}
	}
	// The console's script puts the chosen file's name, percent-encoded,
	// into the one field the form may fill.
	fields := maps.Clone(g.Fields)
	fields[imports.FileNameField] = url.PathEscape("medarbejdere-æøå.csv")
	resp := postForm(t, g.URL, fields, file)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), back+g.Upload.ID+"?") {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("form upload: %d %s %s", resp.StatusCode, resp.Header.Get("Location"), b)
	}
	if err := e.h.Handle(context.Background(), testenv.Created(t, e.s3, e.bucket, g.Key)); err != nil {
		t.Fatal(err)
	}
	imp, err := svc.Get(context.Background(), e.orgA, g.Upload.ID)
	if err != nil || imp.Status != tilgang.ImportCompleted || imp.Counts.Created != 1 || imp.UploaderBy == nil || *imp.UploaderBy != *person ||
		imp.File != "medarbejdere-æøå.csv" {
		t.Fatalf("import %+v, %v", imp, err)
	}
}

// policyHas reports whether the base64 POST policy holds condition.
func policyHas(t *testing.T, policy string, condition any) bool {
	t.Helper()
	doc, err := base64.StdEncoding.DecodeString(policy)
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Conditions []any }
	if err := json.Unmarshal(doc, &p); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(condition)
	for _, c := range p.Conditions {
		if got, _ := json.Marshal(c); bytes.Equal(got, want) {
			return true
		}
	}
	return false
}

// TestSignedBucketPut: an upload URL signed without an s3.Client (the
// console's bucket) takes exactly the file it was granted for and nothing
// else.
func TestSignedBucketPut(t *testing.T) {
	t.Parallel()
	e := newUploadEnv(t)
	svc := imports.New(e.store).WithBucket(imports.NewSignedBucket(imports.EndpointOf(e.s3.Options()), e.bucket))
	file := []byte("Aktion;Fornavn;Efternavn;CPR;Email;TargetIAL;EAN;P-nummer;SE-nummer\r\n")
	g, err := svc.GrantUpload(context.Background(), e.orgA, imports.UploadRequest{ContentLength: int64(len(file)), Uploader: "a"})
	if err != nil {
		t.Fatal(err)
	}
	grant := uploadGrant{Method: g.Method, URL: g.URL, Headers: g.Headers}
	if status, body := e.put(grant, append(file, 'x')); status == http.StatusOK {
		t.Errorf("a longer file than granted: %d %s", status, body)
	}
	if status, body := e.put(grant, file); status != http.StatusOK {
		t.Fatalf("upload: %d %s", status, body)
	}
	if _, err := e.s3.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &e.bucket, Key: &g.Key}); err != nil {
		t.Fatalf("the file is not in the bucket: %v", err)
	}
}
