// Package app builds what every function needs from its configuration: the
// JSON logger, the AWS clients and the services. functions/*/main.go and
// the local dev runner wire the same parts through it.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/smithy-go/logging"

	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/groups"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/metrics"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/users"
)

// EnvS3PathStyle makes S3 clients use path-style addressing, which local S3
// emulators need. It is never set in AWS.
const EnvS3PathStyle = "TILGANG_S3_PATH_STYLE"

// App holds the configured parts of one function.
type App struct {
	Config config.Config
	Log    *slog.Logger
	AWS    aws.Config
	DB     *dynamodb.Client
	Store  *store.Store
	// Tenants and Imports are the services of organisations with their
	// tokens, and of CSV imports as the admin API reads them.
	Tenants *tenants.Service
	Imports *imports.Service
	// Users is nil unless the configuration has a CPR key.
	Users *users.Service
	// Invitations shares the users service's link key and clock; nil like
	// Users. Every part that needs it (admin API, pages, mailer) gets this
	// one.
	Invitations *invitations.Service
	// Groups are the SCIM groups, whose members hold roles through the
	// organisation's groupRoles; nil like Users.
	Groups *groups.Service
	// Links makes and checks the tokens of mailed links; nil like Users.
	Links *secret.Links
	// S3PathStyle makes S3 clients address buckets in the path, as local
	// emulators need; New sets it from EnvS3PathStyle.
	S3PathStyle bool
	// Metrics writes the business metrics of invocations (observe.go); New
	// sets it. Nil writes none.
	Metrics *metrics.Recorder
}

// NewLogger returns the JSON logger every function writes to.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// New loads the configuration for the named function (a folder under
// functions/) and builds its parts.
func New(ctx context.Context, function string) (*App, error) {
	need, ok := config.Functions[function]
	if !ok {
		return nil, fmt.Errorf("app: unknown function %q", function)
	}
	cfg, err := config.Load(os.Getenv, need)
	if err != nil {
		return nil, fmt.Errorf("app: configuration of %s: %w", function, err)
	}
	log := newFunctionLogger(cfg.LogLevel, function)
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithLogger(sdkLogger{log}))
	if err != nil {
		return nil, fmt.Errorf("app: AWS configuration: %w", err)
	}
	if cfg.CPRKey == nil && cfg.CPRKeySecret != "" {
		if cfg.CPRKey, err = readKey(ctx, awsCfg, cfg.CPRKeySecret); err != nil {
			return nil, err
		}
	}
	a, err := Build(cfg, awsCfg, log)
	if err != nil {
		return nil, err
	}
	a.S3PathStyle = os.Getenv(EnvS3PathStyle) == "true"
	a.Metrics = newRecorder(function)
	return a, nil
}

// Build wires the parts from an already loaded configuration.
func Build(cfg config.Config, awsCfg aws.Config, log *slog.Logger) (*App, error) {
	awsCfg.Logger = sdkLogger{log}
	a := &App{Config: cfg, Log: log, AWS: awsCfg, DB: dynamodb.NewFromConfig(awsCfg)}
	a.Store = store.New(a.DB, cfg.TableName)
	a.Tenants = tenants.New(a.Store)
	a.Imports = imports.New(a.Store)
	if cfg.CPRKey != nil {
		vault, err := cpr.NewVault(cfg.CPRKey)
		if err != nil {
			return nil, fmt.Errorf("app: CPR vault: %w", err)
		}
		codes, err := secret.NewCodes(cfg.CPRKey)
		if err != nil {
			return nil, fmt.Errorf("app: activation codes: %w", err)
		}
		links, err := secret.NewLinks(cfg.CPRKey)
		if err != nil {
			return nil, fmt.Errorf("app: link tokens: %w", err)
		}
		a.Links = links
		a.Users = users.New(a.Store, vault, codes, links, users.WithLogger(a.Log))
		a.Invitations = invitations.New(a.Store, a.Users, links, time.Now)
		a.Groups = groups.New(a.Store, a.Users, groups.WithLogger(a.Log))
	}
	return a, nil
}

// S3 returns an S3 client.
func (a *App) S3() *s3.Client {
	return s3.NewFromConfig(a.AWS, func(o *s3.Options) {
		o.UsePathStyle = a.S3PathStyle
	})
}

// SES returns an SES v2 client.
func (a *App) SES() *sesv2.Client { return sesv2.NewFromConfig(a.AWS) }

// readKey reads the master key from Secrets Manager. It runs once per cold
// start, so the key never sits in the function's configuration, and a
// rotated secret takes effect with the next cold start.
func readKey(ctx context.Context, cfg aws.Config, secretID string) ([]byte, error) {
	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)})
	if err != nil {
		return nil, fmt.Errorf("app: read the CPR key secret: %w", err)
	}
	key, err := config.DecodeKey(aws.ToString(out.SecretString))
	if err != nil {
		return nil, fmt.Errorf("app: the CPR key secret: %w", err)
	}
	return key, nil
}

// sdkLogger sends the AWS SDK's own log lines to the JSON log, so that
// every line a function writes is JSON.
type sdkLogger struct{ log *slog.Logger }

func (l sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	level := slog.LevelDebug
	if c == logging.Warn {
		level = slog.LevelWarn
	}
	l.log.Log(context.Background(), level, fmt.Sprintf(format, v...), slog.String("source", "aws-sdk"))
}
