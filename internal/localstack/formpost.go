package localstack

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// Limits of a form upload the stand-in reads; S3's own are larger, but a
// local run never needs more.
const (
	maxFormFieldBytes = 20 << 10  // one form field other than the file
	maxFormFields     = 64        // form fields before the file
	maxFormFileBytes  = 100 << 20 // a file when the policy gives no content-length-range
)

// objectPutter stores an object; the notifying backend, so that a form
// upload raises its event like a PUT.
type objectPutter interface {
	BucketExists(name string) (bool, error)
	PutObject(bucket, key string, meta map[string]string, input io.Reader, size int64, conditions *gofakes3.PutConditions) (gofakes3.PutObjectResult, error)
}

// formUploads serves S3's POST Object, the browser form upload that a
// presigned POST policy allows (the console's upload page works without
// JavaScript through it), holding it to what S3 holds it to and gofakes3
// does not check: a policy signed with signature V4 by the stack's
// credentials, not expired, whose every condition the form meets (exact
// and starts-with matches, content-length-range) and which names every
// field the form sends. Other requests pass to next.
func formUploads(next http.Handler, store objectPutter, region string, now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bucket, isForm := formBucket(r)
		if !isForm {
			next.ServeHTTP(w, r)
			return
		}
		up, no := readFormUpload(r, bucket, region, now())
		if no != nil {
			writeRefusal(w, no)
			return
		}
		if ok, err := store.BucketExists(bucket); err != nil || !ok {
			writeRefusal(w, &refusal{status: http.StatusNotFound, code: "NoSuchBucket", message: "The specified bucket does not exist"})
			return
		}
		res, err := store.PutObject(bucket, up.key, up.meta, bytes.NewReader(up.body), int64(len(up.body)), nil)
		if err != nil {
			writeRefusal(w, &refusal{status: http.StatusInternalServerError, code: "InternalError", message: err.Error()})
			return
		}
		sum := md5Hex(up.body)
		etag := `"` + sum + `"`
		w.Header().Set("ETag", etag)
		if res.VersionID != "" {
			w.Header().Set("x-amz-version-id", string(res.VersionID))
		}
		if up.redirect != "" {
			// S3 appends bucket, key and ETag to the redirect's query.
			u, _ := url.Parse(up.redirect)
			q := u.Query()
			q.Set("bucket", bucket)
			q.Set("key", up.key)
			q.Set("etag", etag)
			u.RawQuery = q.Encode()
			http.Redirect(w, r, u.String(), http.StatusSeeOther)
			return
		}
		switch up.status {
		case http.StatusOK:
			w.WriteHeader(http.StatusOK)
		case http.StatusCreated:
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PostResponse><Bucket>%s</Bucket><Key>%s</Key><ETag>%s</ETag></PostResponse>",
				xmlText(bucket), xmlText(up.key), xmlText(etag))
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
}

// formBucket says whether r is a form upload, and to which bucket: a
// multipart POST to a path-style bucket with no key.
func formBucket(r *http.Request) (string, bool) {
	if r.Method != http.MethodPost {
		return "", false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return "", false
	}
	bucket := strings.Trim(r.URL.Path, "/")
	if bucket == "" || strings.Contains(bucket, "/") {
		return "", false
	}
	return bucket, true
}

// formUpload is a form upload that its policy allows.
type formUpload struct {
	key      string
	meta     map[string]string
	body     []byte
	redirect string // success_action_redirect, if any
	status   int    // success_action_status, if any
}

// readFormUpload reads the form's fields up to the file, checks the
// policy against them, then reads the file within the policy's size
// range. Like S3 it ignores fields after the file.
func readFormUpload(r *http.Request, bucket, region string, now time.Time) (*formUpload, *refusal) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, malformedPOST(err.Error())
	}
	fields := map[string]string{} // by lower-case name, as S3 compares them
	var file io.Reader
	for file == nil {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, &refusal{status: http.StatusBadRequest, code: "InvalidArgument", message: "POST requires exactly one file upload per request."}
		}
		if err != nil {
			return nil, malformedPOST(err.Error())
		}
		name := strings.ToLower(part.FormName())
		if name == "file" {
			file = part
			break
		}
		if len(fields) >= maxFormFields {
			return nil, malformedPOST("too many form fields")
		}
		v, err := io.ReadAll(io.LimitReader(part, maxFormFieldBytes+1))
		if err != nil || len(v) > maxFormFieldBytes {
			return nil, malformedPOST("a form field is too large")
		}
		if _, dup := fields[name]; dup {
			return nil, &refusal{status: http.StatusBadRequest, code: "InvalidArgument", message: "Form field " + name + " is given more than once."}
		}
		fields[name] = string(v)
	}
	p, no := checkPolicy(fields, bucket, region, now)
	if no != nil {
		return nil, no
	}
	body, err := io.ReadAll(io.LimitReader(file, p.maxSize+1))
	if err != nil {
		return nil, malformedPOST(err.Error())
	}
	switch {
	case int64(len(body)) > p.maxSize:
		return nil, &refusal{status: http.StatusBadRequest, code: "EntityTooLarge", message: "Your proposed upload exceeds the maximum allowed size"}
	case int64(len(body)) < p.minSize:
		return nil, &refusal{status: http.StatusBadRequest, code: "EntityTooSmall", message: "Your proposed upload is smaller than the minimum allowed size"}
	}
	up := &formUpload{key: fields["key"], body: body, redirect: fields["success_action_redirect"], meta: map[string]string{}}
	if up.redirect == "" {
		up.redirect = fields["redirect"]
	}
	up.status, _ = strconv.Atoi(fields["success_action_status"])
	for name, v := range fields {
		switch {
		case name == "content-type":
			up.meta["Content-Type"] = v
		case name == "cache-control" || name == "content-disposition" || name == "content-encoding" || strings.HasPrefix(name, "x-amz-meta-"):
			up.meta[http.CanonicalHeaderKey(name)] = v
		}
	}
	return up, nil
}

// policy is what a checked policy allows beyond the fields: the file's
// size range.
type policy struct{ minSize, maxSize int64 }

// checkPolicy checks the signature of the form's policy and the form
// against its conditions, as S3's POST Object does.
func checkPolicy(fields map[string]string, bucket, region string, now time.Time) (*policy, *refusal) {
	raw := fields["policy"]
	if raw == "" {
		// S3 takes an anonymous form only into a bucket anyone may write.
		return nil, accessDenied("Bucket POST must contain a field named 'policy'. If it is specified, please check the order of the fields.")
	}
	if fields["key"] == "" {
		return nil, &refusal{status: http.StatusBadRequest, code: "InvalidArgument", message: "Bucket POST must contain a field named 'key'."}
	}
	if !strings.EqualFold(fields["x-amz-algorithm"], "AWS4-HMAC-SHA256") {
		return nil, &refusal{status: http.StatusBadRequest, code: "InvalidArgument", message: "Only AWS4-HMAC-SHA256 is supported as x-amz-algorithm"}
	}
	cred := strings.Split(fields["x-amz-credential"], "/")
	signedAt, err := time.Parse("20060102T150405Z", fields["x-amz-date"])
	if len(cred) != 5 || err != nil || cred[1] != signedAt.Format("20060102") || cred[3] != "s3" || cred[4] != "aws4_request" {
		return nil, &refusal{status: http.StatusBadRequest, code: "InvalidArgument", message: "x-amz-credential and x-amz-date must name one signing date, region and s3"}
	}
	if cred[2] != region {
		return nil, &refusal{status: http.StatusBadRequest, code: "AuthorizationHeaderMalformed", message: "the region " + cred[2] + " is wrong; expecting " + region}
	}
	if cred[0] == accessKeyID {
		// Only the stack's own credentials can be checked; any others are
		// taken, as everywhere in the emulator.
		want := hex.EncodeToString(hmacSHA256(postSigningKey(secretAccessKey, cred[1], region), []byte(raw)))
		if !hmac.Equal([]byte(want), []byte(strings.ToLower(fields["x-amz-signature"]))) {
			return nil, &refusal{status: http.StatusForbidden, code: "SignatureDoesNotMatch", message: "The request signature we calculated does not match the signature you provided"}
		}
	}
	doc, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, &refusal{status: http.StatusBadRequest, code: "InvalidPolicyDocument", message: "Invalid Policy: Invalid Base64 Encoding"}
	}
	var pd struct {
		Expiration string            `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := json.Unmarshal(doc, &pd); err != nil {
		return nil, &refusal{status: http.StatusBadRequest, code: "InvalidPolicyDocument", message: "Invalid Policy: Invalid JSON."}
	}
	expires, err := time.Parse(time.RFC3339, pd.Expiration)
	if err != nil {
		return nil, &refusal{status: http.StatusBadRequest, code: "InvalidPolicyDocument", message: "Invalid Policy: Invalid 'expiration' value"}
	}
	if !now.Before(expires) {
		return nil, accessDenied("Invalid according to Policy: Policy expired.")
	}
	value := func(name string) string {
		if name == "bucket" {
			return bucket
		}
		return fields[name]
	}
	p := &policy{minSize: 0, maxSize: maxFormFileBytes}
	covered := map[string]bool{"bucket": true}
	for _, c := range pd.Conditions {
		op, name, want, no := parseCondition(c, p)
		if no != nil {
			return nil, no
		}
		if op == "" { // content-length-range
			continue
		}
		covered[name] = true
		got := value(name)
		if (op == "eq" && got != want) || (op == "starts-with" && !strings.HasPrefix(got, want)) {
			return nil, accessDenied(fmt.Sprintf("Invalid according to Policy: Policy Condition failed: [%q, \"$%s\", %q]", op, name, want))
		}
	}
	for name := range fields {
		if name == "policy" || name == "x-amz-signature" || strings.HasPrefix(name, "x-ignore-") || covered[name] {
			continue
		}
		return nil, accessDenied("Invalid according to Policy: Extra input fields: " + name)
	}
	return p, nil
}

// parseCondition reads one policy condition: {"name": "value"} or
// ["eq"|"starts-with", "$name", "value"], both returned as op, lower-case
// name and value, or ["content-length-range", min, max], which it sets
// on p and returns with op "".
func parseCondition(raw json.RawMessage, p *policy) (op, name, value string, no *refusal) {
	bad := &refusal{status: http.StatusBadRequest, code: "InvalidPolicyDocument", message: "Invalid Policy: Invalid Condition: " + string(raw)}
	var exact map[string]string
	if json.Unmarshal(raw, &exact) == nil {
		if len(exact) != 1 {
			return "", "", "", bad
		}
		for k, v := range exact {
			return "eq", strings.ToLower(k), v, nil
		}
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil || len(list) != 3 {
		return "", "", "", bad
	}
	if json.Unmarshal(list[0], &op) != nil {
		return "", "", "", bad
	}
	op = strings.ToLower(op)
	if op == "content-length-range" {
		var lo, hi int64
		if json.Unmarshal(list[1], &lo) != nil || json.Unmarshal(list[2], &hi) != nil || lo < 0 || hi < lo {
			return "", "", "", bad
		}
		p.minSize, p.maxSize = lo, hi
		return "", "", "", nil
	}
	if (op != "eq" && op != "starts-with") || json.Unmarshal(list[1], &name) != nil || json.Unmarshal(list[2], &value) != nil ||
		!strings.HasPrefix(name, "$") {
		return "", "", "", bad
	}
	return op, strings.ToLower(name[1:]), value, nil
}

// postSigningKey is signature V4's signing key for s3 on date (YYYYMMDD).
func postSigningKey(secret, date, region string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), []byte(date))
	k = hmacSHA256(k, []byte(region))
	k = hmacSHA256(k, []byte("s3"))
	return hmacSHA256(k, []byte("aws4_request"))
}

func hmacSHA256(key, data []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(data)
	return h.Sum(nil)
}

func accessDenied(message string) *refusal {
	return &refusal{status: http.StatusForbidden, code: "AccessDenied", message: message}
}

func malformedPOST(detail string) *refusal {
	return &refusal{status: http.StatusBadRequest, code: "MalformedPOSTRequest",
		message: "The body of your POST request is not well-formed multipart/form-data: " + detail}
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
