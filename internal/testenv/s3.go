package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
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
// deliver for it.
func Upload(t testing.TB, c *s3.Client, bucket, key string, body []byte) events.S3Event {
	t.Helper()
	out, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("testenv: put %s: %v", key, err)
	}
	return events.S3Event{Records: []events.S3EventRecord{{
		EventSource: "aws:s3", EventName: "ObjectCreated:Put", AWSRegion: c.Options().Region,
		S3: events.S3Entity{
			Bucket: events.S3Bucket{Name: bucket},
			Object: events.S3Object{
				Key: key, URLDecodedKey: key, Size: int64(len(body)),
				ETag: strings.Trim(aws.ToString(out.ETag), `"`), VersionID: aws.ToString(out.VersionId),
				Sequencer: fmt.Sprintf("%016X", sequencer.Add(1)),
			},
		},
	}}}
}

// sequencer orders the events Upload makes, as S3's sequencer does per key.
var sequencer atomic.Int64
