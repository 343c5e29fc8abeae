package localstack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestPresignedRequests: the emulator refuses a presigned request as S3
// would: expired, or sent with another size, content type, key or method
// than was signed, or with a tampered signature.
func TestPresignedRequests(t *testing.T) {
	t.Parallel()
	c := s3.New(s3.Options{Region: Region, UsePathStyle: true, BaseEndpoint: aws.String("http://127.0.0.1:9000"),
		Credentials: credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, "")})
	signed, err := s3.NewPresignClient(c).PresignPutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String("b"), Key: aws.String("imports/o/ø 1.csv"), ContentType: aws.String("text/csv"), ContentLength: aws.Int64(5),
	}, s3.WithPresignExpires(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	tests := []struct {
		name     string
		method   string
		url      string
		body     string
		ctype    string
		after    time.Duration
		wantCode string
	}{
		{"as signed", "PUT", signed.URL, "a;b\r\n", "text/csv", 0, ""},
		{"at the end of its validity", "PUT", signed.URL, "a;b\r\n", "text/csv", 9 * time.Minute, ""},
		{"expired", "PUT", signed.URL, "a;b\r\n", "text/csv", 11 * time.Minute, "AccessDenied"},
		{"another size", "PUT", signed.URL, "a;b;c\r\n", "text/csv", 0, "SignatureDoesNotMatch"},
		{"another content type", "PUT", signed.URL, "a;b\r\n", "application/octet-stream", 0, "SignatureDoesNotMatch"},
		{"another key", "PUT", strings.Replace(signed.URL, "/imports/o/", "/imports/p/", 1), "a;b\r\n", "text/csv", 0, "SignatureDoesNotMatch"},
		{"another method", "POST", signed.URL, "a;b\r\n", "text/csv", 0, "SignatureDoesNotMatch"},
		{"a tampered expiry", "PUT", strings.Replace(signed.URL, "X-Amz-Expires=600", "X-Amz-Expires=6000", 1), "a;b\r\n", "text/csv", 0, "SignatureDoesNotMatch"},
	}
	for _, tc := range tests {
		r := httptest.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
		r.Header.Set("Content-Type", tc.ctype)
		no := checkPresigned(r, Region, at.Add(tc.after))
		if code := no.String(); code != tc.wantCode {
			t.Errorf("%s: refused %q; want %q", tc.name, code, tc.wantCode)
		}
	}
	// The handler answers a refusal as S3 does and never reaches the store.
	reached := false
	h := presigned(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }), Region, func() time.Time { return at.Add(time.Hour) })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("PUT", signed.URL, strings.NewReader("a;b\r\n")))
	if rec.Code != http.StatusForbidden || reached || !strings.Contains(rec.Body.String(), "<Code>AccessDenied</Code>") {
		t.Errorf("expired URL: %d %s (store reached: %v)", rec.Code, rec.Body, reached)
	}
}

// String is the refusal's code, "" for none.
func (r *refusal) String() string {
	if r == nil {
		return ""
	}
	return r.code
}
