package imports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Bounds of an upload (SPEC §6).
const (
	// UploadTTL is how long an upload URL works: long enough to send the
	// largest file, short enough that a leaked URL is soon worthless.
	UploadTTL = 10 * time.Minute
	// MaxUploadBytes is the import's file limit; a larger upload is not
	// granted, so S3 never holds a file the import would reject for size.
	MaxUploadBytes = tilgang.ImportMaxBytes
	// UploadContentType is the one content type an upload URL is signed
	// for.
	UploadContentType = "text/csv"
	// maxFileName bounds the name an uploader gives its file.
	maxFileName = 255
)

// The file's name in a form upload. A browser sends a chosen file's name
// only inside the file's part, which S3 does not keep, so the console's
// script copies it into this form field, which S3 keeps as the object's
// user metadata "filename" (the SDK gives user metadata back with
// lower-case keys). S3 sends user metadata as HTTP headers, US-ASCII only,
// so the value is percent-encoded (encodeURIComponent); FormFileName
// decodes it.
const (
	FileNameField    = "x-amz-meta-filename"
	FileNameMetadata = "filename"
)

// FormFileName is the file name a form upload's metadata value encoded:
// percent-decoded, trimmed and valid as the admin API's fileName. ok is
// false for an empty, undecodable or invalid value, which names nothing:
// the import is then named after its key, as without the console's script.
func FormFileName(encoded string) (name string, ok bool) {
	// PathUnescape, not QueryUnescape: encodeURIComponent writes a space as
	// %20 and keeps no '+' of its own, so a '+' is the file's.
	name, err := url.PathUnescape(encoded)
	if err != nil {
		return "", false
	}
	name = strings.TrimSpace(name)
	if name == "" || !validFileName(name) {
		return "", false
	}
	return name, true
}

// presigner signs S3 PUT requests and POST policies: s3.PresignClient.
type presigner interface {
	PresignPutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
	PresignPostObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.PresignPostOptions)) (*s3.PresignedPostRequest, error)
}

// objectReader reads objects: s3.Client.
type objectReader interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// bucket is the bucket of files and receipts, as the admin API reaches it.
type bucket struct {
	name    string
	presign presigner
	objects objectReader
}

// Bucket is the bucket of files and receipts as the service reaches it.
// Make it with NewBucket.
type Bucket struct{ b *bucket }

// NewBucket is the bucket name reached through c. Only the operations
// used reach the service, never the clients, and a method of the service
// never names a client type: a binary with html/template keeps every
// exported method of a type that may reach an interface, and of the types
// those methods take, and the clients' are a hundred-odd operations
// (internal/app/sesops says more).
func NewBucket(c *s3.Client, name string) Bucket {
	pc := s3.NewPresignClient(c)
	return Bucket{&bucket{name: name, presign: presignOps{pc.PresignPutObject, pc.PresignPostObject}, objects: getObject(c.GetObject)}}
}

// WithBucket returns a copy of s that grants uploads to, and reads
// receipts from, the bucket b. The presigned URLs carry the authority of
// the credentials of b's client: in AWS the admin or console function's
// role, the principals the bucket policy lets write under imports/.
func (s *Service) WithBucket(b Bucket) *Service {
	cp := *s
	cp.bucket = b.b
	return &cp
}

// presignOps is a presigner of two method values of an s3.PresignClient.
type presignOps struct {
	put  func(context.Context, *s3.PutObjectInput, ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
	post func(context.Context, *s3.PutObjectInput, ...func(*s3.PresignPostOptions)) (*s3.PresignedPostRequest, error)
}

func (p presignOps) PresignPutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
	return p.put(ctx, in, opts...)
}

func (p presignOps) PresignPostObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.PresignPostOptions)) (*s3.PresignedPostRequest, error) {
	return p.post(ctx, in, opts...)
}

// getObject is an objectReader of s3.Client.GetObject's method value.
type getObject func(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)

func (f getObject) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return f(ctx, in, opts...)
}

// errNoBucket is a wiring mistake: a service without WithBucket.
var errNoBucket = errors.New("imports: no bucket configured")

// UploadRequest asks for an upload.
type UploadRequest struct {
	// ContentLength is the exact size of the file in bytes; the URL is
	// signed for it, so S3 takes no other body.
	ContentLength int64
	// FileName is the name to show for the import (optional).
	FileName string
	// Uploader and UploaderID name the admin token or person that asks;
	// UploaderBy is the same as data, for history and pages.
	Uploader, UploaderID string
	UploaderBy           *tilgang.By
}

// UploadGrant is an upload granted: a PUT of the file to URL with exactly
// Headers, before ExpiresAt.
type UploadGrant struct {
	Upload  *tilgang.Upload
	Key     string
	Method  string
	URL     string
	Headers map[string]string
}

// Errors of an upload request.
var (
	ErrUploadSize = tilgang.Invalid("contentLength", "upload.size_invalid",
		"give the file's exact size in bytes, at least 1")
	ErrUploadTooLarge = &tilgang.Error{Kind: tilgang.KindLimit, Code: "file.too_large", Field: "contentLength",
		Message: fmt.Sprintf("a file may hold at most %d bytes", MaxUploadBytes)}
	ErrFileName = tilgang.Invalid("fileName", "upload.file_name_invalid",
		fmt.Sprintf("a file name is at most %d characters of text, without control characters or slashes", maxFileName))
)

// CheckUpload checks an upload request as GrantUpload does, without
// granting anything.
func CheckUpload(req UploadRequest) error {
	switch {
	case req.ContentLength < 1:
		return ErrUploadSize
	case req.ContentLength > MaxUploadBytes:
		return ErrUploadTooLarge
	}
	if !validFileName(req.FileName) {
		return ErrFileName
	}
	return nil
}

// validFileName: a name shown to administrators and written into the
// receipt, so plain text only.
func validFileName(name string) bool {
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxFileName || strings.ContainsAny(name, `/\`) {
		return false
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf) {
			return false
		}
	}
	return true
}

// GrantUpload grants an administrator of org the upload of one file to
// imports/<org>/<new id>.csv: it records the grant with its uploader, which
// is what lets the csvimport function apply the file, and signs a PUT for
// exactly that key, content type and size, valid for UploadTTL.
func (s *Service) GrantUpload(ctx context.Context, org *tilgang.Organisation, req UploadRequest) (*UploadGrant, error) {
	if s.bucket == nil {
		return nil, errNoBucket
	}
	req.FileName = strings.TrimSpace(req.FileName)
	if err := CheckUpload(req); err != nil {
		return nil, err
	}
	id := uuid.NewString()
	now := s.now()
	u := &tilgang.Upload{
		ID: id, OrgID: org.ID, Name: id, FileName: req.FileName, Uploader: req.Uploader, UploaderID: req.UploaderID, UploaderBy: req.UploaderBy,
		ContentLength: req.ContentLength, CreatedAt: now, ExpiresAt: now.Add(UploadTTL),
	}
	// The grant is recorded before the URL exists: a file can never arrive
	// before the grant that lets it be imported.
	if err := s.store.PutUpload(ctx, u); err != nil {
		return nil, err
	}
	key := ImportKey(org.ID, id)
	signed, err := s.bucket.presign.PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.bucket.name), Key: aws.String(key),
		ContentType: aws.String(UploadContentType), ContentLength: aws.Int64(req.ContentLength),
	}, s3.WithPresignExpires(UploadTTL))
	if err != nil {
		return nil, fmt.Errorf("imports: presign the upload: %w", err)
	}
	g := &UploadGrant{Upload: u, Key: key, Method: signed.Method, URL: signed.URL, Headers: map[string]string{}}
	for name, values := range signed.SignedHeader {
		// Host comes from the URL; every other signed header must be sent
		// as signed.
		if !strings.EqualFold(name, "Host") && len(values) > 0 {
			g.Headers[http.CanonicalHeaderKey(name)] = values[0]
		}
	}
	return g, nil
}

// FormRequest asks for a browser form upload (S3 POST Object), which the
// console's upload page makes without JavaScript.
type FormRequest struct {
	// Redirect is where S3 sends the browser once the file is stored,
	// given the new import's id: the import's page. The policy binds it.
	Redirect func(id string) string
	// Uploader, UploaderID and UploaderBy name the person who asks.
	Uploader, UploaderID string
	UploaderBy           *tilgang.By
}

// FormGrant is a form upload granted: a multipart POST to URL of Fields,
// then the file as the field "file", before the grant's ExpiresAt.
type FormGrant struct {
	Upload *tilgang.Upload
	Key    string
	URL    string
	Fields map[string]string
}

// GrantFormUpload grants a person of org the upload of one file to
// imports/<org>/<new id>.csv through a browser form: it records the grant
// as GrantUpload does and signs a POST policy bound to exactly that key,
// the CSV content type, a size from 1 byte to MaxUploadBytes (a form
// cannot say the size before it is sent) and the redirect, valid for
// UploadTTL. The grant's ContentLength is 0: the policy bounds the size.
// The one field the form may fill itself is FileNameField, the file's name,
// which may be anything (csvimport checks it) or empty.
func (s *Service) GrantFormUpload(ctx context.Context, org *tilgang.Organisation, req FormRequest) (*FormGrant, error) {
	if s.bucket == nil {
		return nil, errNoBucket
	}
	id := uuid.NewString()
	now := s.now()
	u := &tilgang.Upload{
		ID: id, OrgID: org.ID, Name: id, Uploader: req.Uploader, UploaderID: req.UploaderID, UploaderBy: req.UploaderBy,
		CreatedAt: now, ExpiresAt: now.Add(UploadTTL),
	}
	if err := s.store.PutUpload(ctx, u); err != nil {
		return nil, err
	}
	key := ImportKey(org.ID, id)
	conditions := []any{
		map[string]string{"Content-Type": UploadContentType},
		[]any{"content-length-range", 1, MaxUploadBytes},
		[]any{"starts-with", "$" + FileNameField, ""},
	}
	redirect := ""
	if req.Redirect != nil {
		redirect = req.Redirect(id)
		conditions = append(conditions, map[string]string{"success_action_redirect": redirect})
	}
	signed, err := s.bucket.presign.PresignPostObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.bucket.name), Key: aws.String(key)},
		func(o *s3.PresignPostOptions) { o.Expires, o.Conditions = UploadTTL, conditions })
	if err != nil {
		return nil, fmt.Errorf("imports: presign the form upload: %w", err)
	}
	g := &FormGrant{Upload: u, Key: key, URL: signed.URL, Fields: map[string]string{"Content-Type": UploadContentType, FileNameField: ""}}
	for k, v := range signed.Values {
		g.Fields[k] = v
	}
	if redirect != "" {
		g.Fields["success_action_redirect"] = redirect
	}
	return g, nil
}

// Receipt streams the receipt of org's import id in format ext ("csv" or
// "json") from the bucket. Only an organisation's own imports have
// receipts here: the key is built from the caller's organisation and the
// import record read under it, never from the request.
func (s *Service) Receipt(ctx context.Context, org *tilgang.Organisation, id, ext string) (io.ReadCloser, error) {
	if s.bucket == nil {
		return nil, errNoBucket
	}
	imp, err := s.Get(ctx, org, id)
	if err != nil {
		return nil, err
	}
	if imp.Status != tilgang.ImportCompleted && imp.Status != tilgang.ImportRejected {
		return nil, tilgang.ErrReceiptNotReady
	}
	name := strings.TrimSuffix(path.Base(imp.Key), path.Ext(imp.Key))
	out, err := s.bucket.objects.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket.name), Key: aws.String(ReceiptKey(org.ID, name, ext)),
	})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && (apiErr.ErrorCode() == "NoSuchKey" || apiErr.ErrorCode() == "NotFound") {
		return nil, ErrReceiptGone
	}
	if err != nil {
		return nil, fmt.Errorf("imports: read the receipt: %w", err)
	}
	return out.Body, nil
}

// ErrReceiptGone is the answer for a finished import whose receipt the
// bucket no longer holds: receipts expire with the files (SPEC §6).
var ErrReceiptGone = &tilgang.Error{Kind: tilgang.KindGone, Code: "receipt.expired", Message: "the receipt has expired"}
