package localstack

import (
	"context"
	"crypto/subtle"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// presigned holds requests signed in the query string (presigned URLs, as
// the admin API hands out for uploads) to what S3 holds them to, which
// gofakes3 does not check: the URL must not have expired, and, for the
// stack's own credentials, the signature must cover exactly this method,
// key, query and the signed headers' values as sent, so a PUT with another
// size or content type than was signed is refused as S3 refuses it. Other
// requests pass untouched: the emulator takes any credentials.
func presigned(next http.Handler, region string, now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("X-Amz-Signature") == "" {
			next.ServeHTTP(w, r)
			return
		}
		if no := checkPresigned(r, region, now()); no != nil {
			writeRefusal(w, no)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// refusal is S3's answer to a request it refuses: its code and message,
// and its status (0: 403 Forbidden).
type refusal struct {
	code, message string
	status        int
}

// writeRefusal answers no as S3 does, with an XML error body.
func writeRefusal(w http.ResponseWriter, no *refusal) {
	status := no.status
	if status == 0 {
		status = http.StatusForbidden
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>", no.code)
	_ = xml.EscapeText(w, []byte(no.message))
	fmt.Fprint(w, "</Message></Error>")
}

// checkPresigned returns how S3 would refuse a query-signed request; nil
// if it would take it.
func checkPresigned(r *http.Request, region string, now time.Time) *refusal {
	q := r.URL.Query()
	signedAt, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if err != nil {
		return &refusal{code: "AuthorizationQueryParametersError", message: "X-Amz-Date must be in the ISO8601 Long Format"}
	}
	expires, err := strconv.Atoi(q.Get("X-Amz-Expires"))
	if err != nil || expires < 1 || expires > 7*24*3600 {
		return &refusal{code: "AuthorizationQueryParametersError", message: "X-Amz-Expires must be a number of seconds from 1 to 604800"}
	}
	if now.After(signedAt.Add(time.Duration(expires) * time.Second)) {
		return &refusal{code: "AccessDenied", message: "Request has expired"}
	}
	keyID, _, _ := strings.Cut(q.Get("X-Amz-Credential"), "/")
	if keyID != accessKeyID {
		return nil // any credentials work here; only the stack's can be checked
	}
	want := q.Get("X-Amz-Signature")
	q.Del("X-Amz-Signature")
	u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: q.Encode()}
	req, err := http.NewRequestWithContext(context.Background(), r.Method, u.String(), nil)
	if err != nil {
		return &refusal{code: "AccessDenied", message: err.Error()}
	}
	// Only the headers the URL says were signed, with the values sent now.
	for _, name := range strings.Split(q.Get("X-Amz-SignedHeaders"), ";") {
		switch name {
		case "host":
		case "content-length":
			req.ContentLength = r.ContentLength
		default:
			req.Header[http.CanonicalHeaderKey(name)] = r.Header.Values(name)
		}
	}
	creds := aws.Credentials{AccessKeyID: accessKeyID, SecretAccessKey: secretAccessKey}
	signed, _, err := v4.NewSigner().PresignHTTP(r.Context(), creds, req, "UNSIGNED-PAYLOAD", "s3", region, signedAt,
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err != nil {
		return &refusal{code: "AccessDenied", message: err.Error()}
	}
	su, err := url.Parse(signed)
	if err != nil {
		return &refusal{code: "AccessDenied", message: err.Error()}
	}
	if got := su.Query().Get("X-Amz-Signature"); subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return &refusal{code: "SignatureDoesNotMatch", message: "The request signature we calculated does not match the signature you provided"}
	}
	return nil
}
