// Package core builds what every function needs from its configuration:
// the JSON logger, the AWS configuration, the table and the key material,
// and the services built with a given set of keys. It links no handler and
// no AWS client beyond DynamoDB and Secrets Manager, so that a function
// binary holds only what it runs (README, "Cold start").
//
// # Adding a function
//
// A function is three pieces, and only the last two link its code:
//
//  1. its entry in config.Functions (what it reads from the environment);
//  2. a wiring package internal/app/<name>fn, with Keys (the keys its
//     handler uses, a subset of its entry) and the constructor of its
//     handler taking a *core.App; AWS clients other than DynamoDB are
//     built there, not here;
//  3. functions/<name>/main.go: core.New(ctx, "<name>"), then the handler
//     of <name>fn handed to lambda.Start.
//
// Then add it to package app (the facade that make dev, the operator
// command and the tests use, with every handler at once), to FUNCTIONS in
// the Makefile, and to the sdkClients table of TestFunctionsLinkOnlyWhatTheyRun
// (package app), which fails when a function links an AWS client it does
// not use. Do not give *App an exported method that reaches a handler or a
// client: the mailer and web link text/template, whose method-by-name calls
// make the linker keep every exported method of every type that reaches an
// interface. For the same reason hand SES to a handler as the operations
// it calls (package sesops), not as the client.
package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go/logging"

	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/groups"
	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/keys"
	"github.com/tilgang/tilgang/internal/metrics"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/store"
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
	// Keys is the key material the function holds (config.Config.Keys,
	// or all keys derived from the local master key). Each handler builds
	// its services with only the keys its function needs (Parts), so
	// that a function never uses a key it does not declare.
	Keys keys.Set
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
	// From the environment, as Lambda sets it, rather than
	// config.LoadDefaultConfig: that links and runs the shared-file,
	// SSO, STS and IMDS providers, which a function never uses (awsenv.go).
	awsCfg, err := AWSFromEnv(os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("app: AWS configuration: %w", err)
	}
	awsCfg.Logger = sdkLogger{log}
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

// Build wires the parts from an already loaded configuration. It fails if
// the services do not build with the keys the configuration holds, so that
// a function fails at start, not at its first request.
func Build(cfg config.Config, awsCfg aws.Config, log *slog.Logger) (*App, error) {
	awsCfg.Logger = sdkLogger{log}
	a := &App{Config: cfg, Log: log, AWS: awsCfg, DB: dynamodb.NewFromConfig(awsCfg)}
	a.Store = store.New(a.DB, cfg.TableName)
	a.Keys = cfg.Keys
	if cfg.CPRKey != nil {
		set, err := keys.FromMaster(cfg.CPRKey)
		if err != nil {
			return nil, fmt.Errorf("app: keys from %s: %w", config.EnvCPRKey, err)
		}
		a.Keys = set
	}
	if _, err := a.Parts(a.Keys); err != nil {
		return nil, err
	}
	return a, nil
}

// Parts are the services a handler needs, built with only its keys.
type Parts struct {
	Users       *users.Service
	Invitations *invitations.Service
	Groups      *groups.Service
	Links       *secret.Links
}

// Parts builds the services that use the keys in k: all nil if k holds no
// key. A service missing a key it is asked to use fails with an error
// naming the key (see users.New).
func (a *App) Parts(k keys.Set) (Parts, error) {
	vault, err := k.Vault()
	if err != nil {
		return Parts{}, fmt.Errorf("app: CPR vault: %w", err)
	}
	var codes *secret.Codes
	var links *secret.Links
	if k.LinkKey != nil {
		if codes, err = secret.NewCodes(k.LinkKey); err != nil {
			return Parts{}, fmt.Errorf("app: activation codes: %w", err)
		}
		if links, err = secret.NewLinks(k.LinkKey); err != nil {
			return Parts{}, fmt.Errorf("app: link tokens: %w", err)
		}
	}
	if vault == nil && links == nil {
		return Parts{}, nil
	}
	p := Parts{Links: links, Users: users.New(a.Store, vault, codes, links, users.WithLogger(a.Log))}
	p.Invitations = invitations.New(a.Store, p.Users, links, time.Now)
	p.Groups = groups.New(a.Store, p.Users, groups.WithLogger(a.Log))
	return p, nil
}

// MustParts is Parts for a handler whose keys Build (or New) has checked,
// so that an error here cannot happen.
func (a *App) MustParts(k keys.Set) Parts {
	p, err := a.Parts(k)
	if err != nil {
		panic(fmt.Sprintf("app: keys checked at start fail now: %v", err))
	}
	return p
}

// readKeys reads the secrets named in s (those the function needs) from
// Secrets Manager. It runs once per cold start, so no key sits in the
// function's configuration, and the keys stay in the App for the life of
// the instance. A rotated sealing ring takes effect with the next cold
// start: the rotation procedure (package keys) makes every function start
// again before it re-seals, and keeps old keys until no copy names them.
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

// ConsoleBaseURL is the console's address, ending in "/", for its pages and
// the links in mail to administrators (ConsoleURL of the configuration).
func (a *App) ConsoleBaseURL() string {
	return ConsoleURL(a.Config.ConsoleBaseURL, a.Config.PublicBaseURL)
}

// ConsoleURL is the console's address: configured, or where it is empty (a
// configuration built by make dev or a test) the console's path under
// public (tilgang.ConsolePrefix). A loopback address (make dev) becomes
// localhost: a passkey is bound to a host name, and browsers refuse an IP
// address as one.
func ConsoleURL(configured, public string) string {
	base := configured
	if base == "" {
		base = strings.TrimSuffix(public, "/") + "/console/"
	}
	return strings.Replace(base, "://127.0.0.1:", "://localhost:", 1)
}
