package imports

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// Endpoint is how to reach S3 without an S3 client.
type Endpoint struct {
	Region      string
	Credentials aws.CredentialsProvider
	// BaseURL is a custom endpoint (a local emulator); empty is AWS's own.
	BaseURL string
	// PathStyle puts the bucket in the path, as local emulators need.
	PathStyle bool
	// HTTP sends the receipt reads; nil is http.DefaultClient.
	HTTP aws.HTTPClient
}

// NewSignedBucket is the bucket name reached at e, signing with the SDK's
// SigV4 signer directly instead of through an s3.Client: s3.New stores
// the client in an interface (the S3 Express credentials provider), so a
// binary with html/template that calls it keeps every one of the client's
// hundred-odd operations. The console reads and grants little enough to
// do without.
func NewSignedBucket(e Endpoint, name string) Bucket {
	sb := &signedBucket{e: e, name: name, signer: v4.NewSigner(), now: time.Now}
	return Bucket{&bucket{name: name, presign: sb, objects: sb}}
}

type signedBucket struct {
	e      Endpoint
	name   string
	signer *v4.Signer
	now    func() time.Time
}

// objectURL is the URL of key in the bucket.
func (b *signedBucket) objectURL(key string) *url.URL {
	var u *url.URL
	if b.e.BaseURL != "" {
		u, _ = url.Parse(strings.TrimSuffix(b.e.BaseURL, "/"))
	}
	if u == nil || u.Host == "" {
		u = &url.URL{Scheme: "https", Host: "s3." + b.e.Region + ".amazonaws.com"}
	}
	cp := *u
	if b.e.PathStyle {
		cp.Path += "/" + b.name
	} else {
		cp.Host = b.name + "." + cp.Host
	}
	cp.Path += "/" + key
	return &cp
}

// PresignPutObject signs a PUT of in.Key with its content type and length,
// the payload unsigned, as s3.PresignClient does.
func (b *signedBucket) PresignPutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
	var o s3.PresignOptions
	for _, fn := range opts {
		fn(&o)
	}
	if o.Expires == 0 {
		o.Expires = 15 * time.Minute
	}
	creds, err := b.e.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("imports: credentials: %w", err)
	}
	u := b.objectURL(aws.ToString(in.Key))
	q := u.Query()
	q.Set("X-Amz-Expires", strconv.FormatInt(int64(o.Expires/time.Second), 10))
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u.String(), nil)
	if err != nil {
		return nil, err
	}
	if in.ContentType != nil {
		req.Header.Set("Content-Type", *in.ContentType)
	}
	if in.ContentLength != nil {
		req.ContentLength = *in.ContentLength
	}
	signed, header, err := b.signer.PresignHTTP(ctx, creds, req, "UNSIGNED-PAYLOAD", "s3", b.e.Region, b.now())
	if err != nil {
		return nil, err
	}
	return &v4.PresignedHTTPRequest{URL: signed, Method: http.MethodPut, SignedHeader: header}, nil
}

// PresignPostObject signs a POST policy for in.Key with the conditions of
// the options, field for field as s3.PresignClient does. The SDK's signer
// has no POST policy signing of its own: the policy document is signed
// with the SigV4 signing key, which is derived here.
func (b *signedBucket) PresignPostObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.PresignPostOptions)) (*s3.PresignedPostRequest, error) {
	var o s3.PresignPostOptions
	for _, fn := range opts {
		fn(&o)
	}
	if o.Expires == 0 {
		o.Expires = 15 * time.Minute
	}
	creds, err := b.e.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("imports: credentials: %w", err)
	}
	now := b.now().UTC()
	date := now.Format("20060102T150405Z")
	scope := strings.Join([]string{now.Format("20060102"), b.e.Region, "s3", "aws4_request"}, "/")
	credential := creds.AccessKeyID + "/" + scope
	key := aws.ToString(in.Key)
	conditions := []any{
		map[string]string{"X-Amz-Algorithm": "AWS4-HMAC-SHA256"},
		map[string]string{"bucket": b.name},
		map[string]string{"X-Amz-Credential": credential},
		map[string]string{"X-Amz-Date": date},
	}
	if creds.SessionToken != "" {
		conditions = append(conditions, map[string]string{"X-Amz-Security-Token": creds.SessionToken})
	}
	conditions = append(conditions, o.Conditions...)
	conditions = append(conditions, map[string]string{"key": key})
	doc, err := json.Marshal(map[string]any{"conditions": conditions, "expiration": now.Add(o.Expires).Format(time.RFC3339)})
	if err != nil {
		return nil, err
	}
	policy := base64.StdEncoding.EncodeToString(doc)
	k := hmacSHA256([]byte("AWS4"+creds.SecretAccessKey), now.Format("20060102"))
	for _, part := range []string{b.e.Region, "s3", "aws4_request", policy} {
		k = hmacSHA256(k, part)
	}
	fields := map[string]string{
		"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Date": date, "X-Amz-Credential": credential,
		"X-Amz-Signature": hex.EncodeToString(k), "key": key, "policy": policy,
	}
	if creds.SessionToken != "" {
		fields["X-Amz-Security-Token"] = creds.SessionToken
	}
	u := b.objectURL("")
	u.Path = strings.TrimSuffix(u.Path, "/")
	return &s3.PresignedPostRequest{URL: u.String(), Values: fields}, nil
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// emptySHA256 is the payload hash of a request without a body.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// GetObject reads in.Key with a signed GET. A missing object is a
// smithy.APIError with the code NoSuchKey, as from s3.Client.
func (b *signedBucket) GetObject(ctx context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	creds, err := b.e.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("imports: credentials: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.objectURL(aws.ToString(in.Key)).String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	if err := b.signer.SignHTTP(ctx, creds, req, emptySHA256, "s3", b.e.Region, b.now()); err != nil {
		return nil, err
	}
	var c aws.HTTPClient = http.DefaultClient
	if b.e.HTTP != nil {
		c = b.e.HTTP
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		code := "NotFound"
		if resp.StatusCode != http.StatusNotFound {
			code = resp.Status
		}
		return nil, &smithy.GenericAPIError{Code: code, Message: "GET " + aws.ToString(in.Key) + ": " + resp.Status}
	}
	return &s3.GetObjectOutput{Body: resp.Body}, nil
}

// EndpointOf is the endpoint a client with options o reaches.
func EndpointOf(o s3.Options) Endpoint {
	e := Endpoint{Region: o.Region, Credentials: o.Credentials, PathStyle: o.UsePathStyle, HTTP: o.HTTPClient}
	if o.BaseEndpoint != nil {
		e.BaseURL = *o.BaseEndpoint
	}
	return e
}
