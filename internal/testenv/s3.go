package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"path"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// S3 returns a client of the local S3 (path-style, as emulators need).
func S3(t testing.TB) *s3.Client {
	t.Helper()
	return s3.NewFromConfig(AWS(t), func(o *s3.Options) { o.UsePathStyle = true })
}

// Bucket creates a fresh versioned bucket for one test, as template.yaml
// declares the import bucket, and returns a client and its name.
func Bucket(t testing.TB) (*s3.Client, string) {
	t.Helper()
	c := S3(t)
	name := "test-" + strings.ToLower(rand.Text()[:12])
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("testenv: create bucket: %v", err)
	}
	_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String(name),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
	})
	if err != nil {
		t.Fatalf("testenv: enable versioning: %v", err)
	}
	return c, name
}

// Upload puts body at key and returns the ObjectCreated event S3 would
// deliver for it. Under imports/ the csvimport function ignores it unless
// an upload was granted for key (see Grant and GrantedUpload).
func Upload(t testing.TB, c *s3.Client, bucket, key string, body []byte) events.S3Event {
	t.Helper()
	out, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("testenv: put %s: %v", key, err)
	}
	return created(c, bucket, key, int64(len(body)), aws.ToString(out.ETag), aws.ToString(out.VersionId))
}

// GrantedUpload is Upload of a file an administrator was granted: key
// must be imports/<organisationId>/<name>.csv.
func GrantedUpload(t testing.TB, st *store.Store, c *s3.Client, bucket, key string, body []byte) events.S3Event {
	t.Helper()
	Grant(t, st, key)
	return Upload(t, c, bucket, key, body)
}

// Grant records an upload grant for key, imports/<organisationId>/<name>.csv,
// as POST /admin/v1/imports does for its own keys, and returns it.
func Grant(t testing.TB, st *store.Store, key string) *tilgang.Upload {
	t.Helper()
	rest, ok := strings.CutPrefix(key, "imports/")
	orgID, file, _ := strings.Cut(rest, "/")
	name, isCSV := strings.CutSuffix(file, path.Ext(file))
	if !ok || orgID == "" || name == "" || !isCSV || !strings.EqualFold(path.Ext(file), ".csv") {
		t.Fatalf("testenv: no upload can be granted for %q", key)
	}
	now := time.Now()
	u := &tilgang.Upload{ID: uuid.NewString(), OrgID: orgID, Name: name, Uploader: "admin token testenv", ContentLength: 1,
		CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
	if err := st.PutUpload(context.Background(), u); err != nil {
		t.Fatalf("testenv: grant %s: %v", key, err)
	}
	return u
}

// Created returns the ObjectCreated event S3 would deliver for the object
// at key as it is now, for objects written past Upload (a presigned PUT).
func Created(t testing.TB, c *s3.Client, bucket, key string) events.S3Event {
	t.Helper()
	out, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("testenv: head %s: %v", key, err)
	}
	return created(c, bucket, key, aws.ToInt64(out.ContentLength), aws.ToString(out.ETag), aws.ToString(out.VersionId))
}

func created(c *s3.Client, bucket, key string, size int64, etag, version string) events.S3Event {
	return events.S3Event{Records: []events.S3EventRecord{{
		EventSource: "aws:s3", EventName: "ObjectCreated:Put", AWSRegion: c.Options().Region,
		S3: events.S3Entity{
			Bucket: events.S3Bucket{Name: bucket},
			Object: events.S3Object{
				Key: key, URLDecodedKey: key, Size: size,
				ETag: strings.Trim(etag, `"`), VersionID: version,
				Sequencer: fmt.Sprintf("%016X", sequencer.Add(1)),
			},
		},
	}}}
}

// sequencer orders the events Upload makes, as S3's sequencer does per key.
var sequencer atomic.Int64
