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

	"github.com/tilgang/tilgang/internal/app"
	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/keys"
)

// Env is a stack the command reaches: its AWS configuration and the names
// of its parts. Its services are built when a verb first needs them, and
// keys are read only by the verbs that need them.
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
	// KeySecrets are the Secrets Manager names of the four key secrets
	// (the stack's parameters); "" where unknown.
	KeySecrets config.KeySecrets
	// MailStoreURL is the SES emulator's store of sent mail (make dev).
	MailStoreURL string
	// Log receives the services' own log lines; nil discards them.
	Log *slog.Logger

	// Master is make dev's CPR_KEY, from which every key derives there
	// (keys.FromMaster); nil for a deployed stack, whose keys are in the
	// secrets. Never printed.
	Master []byte

	app   *app.App
	keyed *app.App
}

// App returns the services over the stack, without keys: enough
// for organisations, tokens, invitations and counts.
func (e *Env) App() (*app.App, error) {
	if e.app == nil {
		a, err := e.build(keys.Set{})
		if err != nil {
			return nil, err
		}
		e.app = a
	}
	return e.app, nil
}

// KeyedApp returns the services with the keys need names, which it reads
// (once) from make dev's master key or the key secrets.
func (e *Env) KeyedApp(ctx context.Context, need config.Need) (*app.App, error) {
	if e.keyed != nil {
		return e.keyed, nil
	}
	set, err := e.Keys(ctx, need)
	if err != nil {
		return nil, err
	}
	a, err := e.build(set)
	if err != nil {
		return nil, err
	}
	e.keyed = a
	return a, nil
}

func (e *Env) build(set keys.Set) (*app.App, error) {
	if e.Table == "" {
		return nil, errors.New("no table: give --table, --stack or --local")
	}
	log := e.Log
	if log == nil {
		log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	a, err := app.Build(config.Config{TableName: e.Table, BucketName: e.Bucket, Keys: set, PublicBaseURL: e.PublicBaseURL}, e.AWS, log)
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
// this process, with the keys of the csvimport function.
func (e *Env) Importer(ctx context.Context) (importer, error) {
	if e.ImportFunction != "" {
		return lambdaImporter{client: lambda.NewFromConfig(e.AWS), function: e.ImportFunction}, nil
	}
	a, err := e.KeyedApp(ctx, config.Functions["csvimport"])
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
