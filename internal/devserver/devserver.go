// Package devserver runs the whole product on one machine for make dev: the
// local stack, every HTTP function on one address, csvimport on new objects,
// the mailer on outbox items and the scheduler on a timer, all through the
// same handlers the Lambda functions wrap.
package devserver

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tilgang/tilgang/internal/admin"
	"github.com/tilgang/tilgang/internal/app"
	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/console"
	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/localstack"
	"github.com/tilgang/tilgang/internal/passkeys"
	"github.com/tilgang/tilgang/internal/scim"
	"github.com/tilgang/tilgang/internal/store"
)

// Options configure Run.
type Options struct {
	Root string    // repository root
	Addr string    // where to serve HTTP, e.g. "127.0.0.1:3000"
	Out  io.Writer // the banner and JSON logs
	// SchedulerEvery is how often the scheduler runs; 0 means one minute.
	SchedulerEvery time.Duration
}

// Names of the local table and bucket.
const (
	TableName  = "tilgang-local"
	BucketName = "tilgang-local"
)

// mailPath serves the sent mail as SPEC §11's mail.url.
const mailPath = "/_local/mail"

// Run starts everything, writes .local/dev.json, and serves until ctx ends;
// then it stops every process it started.
func Run(ctx context.Context, opts Options) error {
	start := time.Now()
	unlock, err := lock(filepath.Join(opts.Root, ".local", "dev.lock"))
	if err != nil {
		return err
	}
	defer unlock()
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (%v): another program is using the port; stop it or set DEV_ADDR", opts.Addr, err)
	}
	defer ln.Close()

	// The csvimport handler exists only once the app is built, after the
	// stack has started; events that arrive before then wait for it.
	var importer atomic.Pointer[csvimport.Handler]
	var log atomic.Pointer[slog.Logger]
	ready := make(chan struct{})
	stack, err := localstack.Start(ctx, localstack.Options{
		Root: opts.Root,
		OnS3Object: func(ctx context.Context, ev events.S3Event) {
			<-ready
			if err := importer.Load().Handle(ctx, ev); err != nil {
				log.Load().ErrorContext(ctx, "csvimport failed", "error", err)
			}
		},
	})
	if err != nil {
		return fmt.Errorf("start local stack: %w", err)
	}
	defer stack.Close()
	var readyOnce sync.Once
	markReady := func() { readyOnce.Do(func() { close(ready) }) }
	defer markReady() // lets waiting S3 callbacks finish if setup fails

	base := "http://" + ln.Addr().String()
	// A CPR key made for this run: the data lives in memory and dies with
	// the run, and so may the key. dev.json records it for the operator
	// command (the file is readable only by its owner).
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	a, err := build(ctx, stack, base, key, opts.Out)
	if err != nil {
		return err
	}
	log.Store(a.Log)
	importer.Store(a.CSVImport(nil)) // no deadline here, so nothing to continue
	markReady()
	orgs, err := seed(ctx, a)
	if err != nil {
		return err
	}

	srv := &http.Server{Handler: routes(a, stack), ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	go runScheduler(ctx, a, opts.SchedulerEvery)
	go func() {
		// The same filter as the mailer's event source mapping in
		// template.yaml: inserts of outbox items only.
		err := localstack.PollStream(ctx, a.AWS, localstack.StreamOptions{
			Table: TableName, Filter: localstack.InsertsOfType(store.OutboxType), Log: a.Log,
		}, a.Mailer().Handle)
		if err != nil {
			a.Log.Error("outbox stream stopped", "error", err)
		}
	}()

	info := describe(base, stack, orgs)
	info.CPRKey = base64.StdEncoding.EncodeToString(key)
	if err := writeJSON(filepath.Join(opts.Root, ".local", "dev.json"), info); err != nil {
		return err
	}
	printBanner(opts.Out, info, time.Since(start))

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// build wires the app against the stack with the run's CPR key.
func build(ctx context.Context, stack *localstack.Stack, base string, key []byte, out io.Writer) (*app.App, error) {
	awsCfg, err := stack.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	a, err := app.Build(config.Config{
		TableName: TableName, CPRKey: key, BucketName: BucketName,
		PublicBaseURL: base, MailFrom: "noreply@tilgang.local", LogLevel: slog.LevelInfo,
	}, awsCfg, app.NewLogger(out, slog.LevelInfo))
	if err != nil {
		return nil, err
	}
	a.S3PathStyle = true
	if err := a.Store.CreateTable(ctx); err != nil {
		return nil, err
	}
	if _, err := a.S3().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(BucketName)}); err != nil {
		return nil, fmt.Errorf("create bucket: %w", err)
	}
	return a, nil
}

func routes(a *app.App, stack *localstack.Stack) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(scim.Prefix+"/", a.SCIMHandler())
	mux.Handle(admin.Prefix+"/", a.AdminHandler())
	con := a.ConsoleHandler()
	mux.Handle(console.Prefix+"/", con)
	mux.Handle(console.Prefix, con)
	// The passkey ceremonies are their own function, as API Gateway
	// routes them: the more specific patterns win over the console's.
	pk := a.PasskeysHandler()
	for _, p := range passkeys.Patterns() {
		mux.Handle(p, pk)
	}
	pages := a.WebHandler()
	for _, p := range []string{"/activate/", "/invitations/", "/assets/"} {
		mux.Handle(p, pages)
	}
	mux.Handle("GET "+mailPath, mailView(stack.MailStoreURL()))
	return mux
}

func runScheduler(ctx context.Context, a *app.App, every time.Duration) {
	s := a.Scheduler()
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			ev := events.EventBridgeEvent{Source: "aws.events", DetailType: "Scheduled Event", Time: now.UTC(), Detail: json.RawMessage("{}")}
			if err := s.Handle(ctx, ev); err != nil {
				a.Log.ErrorContext(ctx, "scheduler failed", "error", err)
			}
		}
	}
}

// lock makes a second make dev fail with a clear message instead of a port
// clash deep in the stack.
func lock(path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		pid, _ := io.ReadAll(f)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("make dev is already running (pid %s); stop it with Ctrl-C first", string(pid))
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(fmt.Sprint(os.Getpid())), 0)
	return func() { _ = f.Truncate(0); f.Close() }, nil
}
