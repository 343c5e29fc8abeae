// Package app builds what every function needs from its configuration: the
// JSON logger, the AWS clients and the services. functions/*/main.go and
// the local dev runner wire the same parts through it.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
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
	"github.com/tilgang/tilgang/internal/keys"
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
	// Keys is the key material the function holds (config.Config.Keys,
	// or all keys derived from the local master key). Each handler builds
	// its services with only the keys its function needs (see parts), so
	// that a function never uses a key it does not declare.
	Keys keys.Set
	// Users, Invitations, Groups and Links are the services with every key
	// in Keys, for local runs and tests; nil if Keys holds none. The
	// handlers do not use them.
	Users       *users.Service
	Invitations *invitations.Service
	Groups      *groups.Service
	Links       *secret.Links
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
	if cfg.CPRKey == nil {
		if cfg.Keys, err = readKeys(ctx, secretsmanager.NewFromConfig(awsCfg), cfg.KeySecrets); err != nil {
			return nil, fmt.Errorf("app: keys of %s: %w", function, err)
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
	a.Keys = cfg.Keys
	if cfg.CPRKey != nil {
		set, err := keys.FromMaster(cfg.CPRKey)
		if err != nil {
			return nil, fmt.Errorf("app: keys from %s: %w", config.EnvCPRKey, err)
		}
		a.Keys = set
	}
	p, err := a.parts(a.Keys)
	if err != nil {
		return nil, err
	}
	a.Users, a.Invitations, a.Groups, a.Links = p.Users, p.Invitations, p.Groups, p.Links
	// Fail at start, not at the first request, if a handler's keys do not
	// build.
	for _, k := range []keys.Set{a.adminKeys(), a.scimKeys(), a.webKeys(), a.importKeys(), a.mailerKeys(), a.consoleKeys()} {
		if _, err := a.parts(k); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// parts are the services a handler needs, built with only its keys.
type parts struct {
	Users       *users.Service
	Invitations *invitations.Service
	Groups      *groups.Service
	Links       *secret.Links
}

// parts builds the services that use the keys in k: all nil if k holds no
// key. A service missing a key it is asked to use fails with an error
// naming the key (see users.New).
func (a *App) parts(k keys.Set) (parts, error) {
	vault, err := k.Vault()
	if err != nil {
		return parts{}, fmt.Errorf("app: CPR vault: %w", err)
	}
	var codes *secret.Codes
	var links *secret.Links
	if k.LinkKey != nil {
		if codes, err = secret.NewCodes(k.LinkKey); err != nil {
			return parts{}, fmt.Errorf("app: activation codes: %w", err)
		}
		if links, err = secret.NewLinks(k.LinkKey); err != nil {
			return parts{}, fmt.Errorf("app: link tokens: %w", err)
		}
	}
	if vault == nil && links == nil {
		return parts{}, nil
	}
	p := parts{Links: links, Users: users.New(a.Store, vault, codes, links, users.WithLogger(a.Log))}
	p.Invitations = invitations.New(a.Store, p.Users, links, time.Now)
	p.Groups = groups.New(a.Store, p.Users, groups.WithLogger(a.Log))
	return p, nil
}

// S3 returns an S3 client.
func (a *App) S3() *s3.Client {
	return s3.NewFromConfig(a.AWS, func(o *s3.Options) {
		o.UsePathStyle = a.S3PathStyle
	})
}

// SES returns an SES v2 client.
func (a *App) SES() *sesv2.Client { return sesv2.NewFromConfig(a.AWS) }

// readKeys reads the secrets named in s (those the function needs) from
// Secrets Manager. It runs once per cold start, so no key sits in the
// function's configuration. A rotated sealing ring takes effect with the
// next cold start: the rotation procedure (package keys) makes every
// function start again before it re-seals, and keeps old keys until no copy
// names them.
func readKeys(ctx context.Context, sm *secretsmanager.Client, s config.KeySecrets) (keys.Set, error) {
	var set keys.Set
	secrets := []struct {
		name, what string
		key        *[]byte
		ring       **cpr.Ring
	}{
		{s.LookupKey, "the CPR look-up key", &set.LookupKey, nil},
		{s.LinkKey, "the link key", &set.LinkKey, nil},
		{s.SealKey, "the public CPR sealing ring", nil, &set.SealKey},
		{s.OpenKey, "the private CPR sealing ring", nil, &set.OpenKey},
	}
	// The reads are part of every cold start: at once, not one after the
	// other.
	values, errs := make([]string, len(secrets)), make([]error, len(secrets))
	var wg sync.WaitGroup
	for i, k := range secrets {
		if k.name == "" {
			continue
		}
		wg.Go(func() {
			out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(k.name)})
			if err != nil {
				errs[i] = fmt.Errorf("read the secret of %s: %w", k.what, err)
				return
			}
			values[i] = aws.ToString(out.SecretString)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return keys.Set{}, err
	}
	for i, k := range secrets {
		var err error
		switch {
		case k.name == "":
			continue
		case k.key != nil:
			*k.key, err = keys.ParseKey(values[i])
		default:
			*k.ring, err = cpr.ParseRing([]byte(values[i]))
		}
		if err != nil {
			return keys.Set{}, fmt.Errorf("the secret of %s: %w", k.what, err)
		}
	}
	if set.SealKey.CanOpen() {
		return keys.Set{}, errors.New("the secret of the public CPR sealing ring holds private keys: store only its public half there")
	}
	if set.OpenKey != nil && !set.OpenKey.CanOpen() {
		return keys.Set{}, errors.New("the secret of the private CPR sealing ring holds only public keys")
	}
	return set, nil
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
