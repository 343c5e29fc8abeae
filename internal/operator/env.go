package operator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/tilgang/tilgang/internal/app"
	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/invitations"
)

// Env is a stack the command reaches: its AWS configuration and the names
// of its parts. Its services are built when a verb first needs them, and
// the CPR master key is read only by the verbs that need it.
type Env struct {
	AWS aws.Config
	// Stack is the deployed stack's name; "" for make dev and explicit
	// names.
	Stack         string
	Table, Bucket string
	// S3PathStyle addresses buckets in the path, as local emulators need.
	S3PathStyle bool
	// PublicBaseURL is where the product is served, for the command's
	// hints; it may be "".
	PublicBaseURL string
	// ImportFunction is the deployed csvimport function; "" runs an
	// import in this process (make dev), which needs the key.
	ImportFunction string
	// KeySecret is the Secrets Manager name of the CPR master key.
	KeySecret string
	// MailStoreURL is the SES emulator's store of sent mail (make dev).
	MailStoreURL string
	// Log receives the services' own log lines; nil discards them.
	Log *slog.Logger

	// CPRKey is the CPR master key when it is known without the secret
	// (make dev's file); otherwise Key reads it into here. Never printed.
	CPRKey []byte

	app   *app.App
	keyed *app.App
}

// App returns the services over the stack, without the CPR key: enough
// for organisations, tokens, invitations and counts.
func (e *Env) App() (*app.App, error) {
	if e.app == nil {
		a, err := e.build(nil)
		if err != nil {
			return nil, err
		}
		e.app = a
	}
	return e.app, nil
}

// KeyedApp returns the services with the CPR master key, which it reads
// (once) from make dev's file or the key's secret.
func (e *Env) KeyedApp(ctx context.Context) (*app.App, error) {
	if e.keyed != nil {
		return e.keyed, nil
	}
	key, err := e.Key(ctx)
	if err != nil {
		return nil, err
	}
	a, err := e.build(key)
	if err != nil {
		return nil, err
	}
	e.keyed = a
	return a, nil
}

// Key returns the CPR master key. It is never printed.
func (e *Env) Key(ctx context.Context) ([]byte, error) {
	if e.CPRKey != nil {
		return e.CPRKey, nil
	}
	if e.KeySecret == "" {
		return nil, errors.New("this needs the CPR master key: give --key-secret (the stack's CprKeySecretId) or --stack")
	}
	out, err := secretsmanager.NewFromConfig(e.AWS).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(e.KeySecret)})
	if err != nil {
		return nil, fmt.Errorf("read the CPR key secret %s: %w", e.KeySecret, err)
	}
	key, err := config.DecodeKey(aws.ToString(out.SecretString))
	if err != nil {
		return nil, fmt.Errorf("the CPR key secret %s: %w", e.KeySecret, err)
	}
	e.CPRKey = key
	return key, nil
}

func (e *Env) build(key []byte) (*app.App, error) {
	if e.Table == "" {
		return nil, errors.New("no table: give --table, --stack or --local")
	}
	log := e.Log
	if log == nil {
		log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	a, err := app.Build(config.Config{TableName: e.Table, BucketName: e.Bucket, CPRKey: key, PublicBaseURL: e.PublicBaseURL}, e.AWS, log)
	if err != nil {
		return nil, err
	}
	a.S3PathStyle = e.S3PathStyle
	return a, nil
}

// Invitations returns the invitations service. Inviting needs no key (the
// mailer makes the link from the invitation), so without one the service
// has neither the users service nor the link maker; Invite uses neither.
func (e *Env) Invitations() (*invitations.Service, error) {
	a, err := e.App()
	if err != nil {
		return nil, err
	}
	if a.Invitations != nil {
		return a.Invitations, nil
	}
	return invitations.New(a.Store, nil, nil, time.Now), nil
}

// importer runs the csvimport function on an S3 event.
type importer interface {
	Handle(ctx context.Context, ev events.S3Event) error
}

// Importer returns what runs an import: the deployed csvimport function,
// invoked asynchronously as S3 would, or for make dev the same handler in
// this process, with the key.
func (e *Env) Importer(ctx context.Context) (importer, error) {
	if e.ImportFunction != "" {
		return lambdaImporter{client: lambda.NewFromConfig(e.AWS), function: e.ImportFunction}, nil
	}
	a, err := e.KeyedApp(ctx)
	if err != nil {
		return nil, err
	}
	return a.CSVImport(nil), nil
}

// lambdaImporter hands an S3 event to the deployed csvimport function, as
// the bucket's notification does: asynchronously, with the function's own
// retries and dead-letter queue.
type lambdaImporter struct {
	client   *lambda.Client
	function string
}

func (l lambdaImporter) Handle(ctx context.Context, ev events.S3Event) error {
	payload, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	_, err = l.client.Invoke(ctx, &lambda.InvokeInput{
		FunctionName: aws.String(l.function), InvocationType: lambdatypes.InvocationTypeEvent, Payload: payload,
	})
	if err != nil {
		return fmt.Errorf("invoke %s: %w", l.function, err)
	}
	return nil
}
