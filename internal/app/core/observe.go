package core

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/tilgang/tilgang/internal/logging"
	"github.com/tilgang/tilgang/internal/metrics"
)

// What every function's invocations and requests share (SPEC §13): a log
// context (request ids, organisation, cold start; internal/logging) and a
// batch of business metrics written as one EMF line when the invocation
// ends (internal/metrics).

// newFunctionLogger is the JSON logger of function, with the context fields
// on every line.
func newFunctionLogger(level slog.Level, function string) *slog.Logger {
	return slog.New(logging.NewHandler(NewLogger(os.Stdout, level).Handler(), function))
}

// newRecorder writes the function's metrics to standard output, with the
// stack's name as their dimension: the function's name is
// "<stack>-<function>" (template.yaml); outside Lambda it is "local".
func newRecorder(function string) *metrics.Recorder {
	stack := "local"
	if name := os.Getenv("AWS_LAMBDA_FUNCTION_NAME"); name != "" {
		stack = strings.TrimSuffix(name, "-"+function)
	}
	return metrics.New(os.Stdout, stack, func(ctx context.Context) map[string]any {
		p := map[string]any{logging.KeyFunction: function}
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			p[logging.KeyRequestID] = lc.AwsRequestID
		}
		if org := logging.OrgID(ctx); org != "" {
			p[logging.KeyOrgID] = org
		}
		return p
	})
}

// begin starts an invocation or request: room for its organisation in the
// log context, and a metric batch; end writes the batch.
func (a *App) begin(ctx context.Context) (_ context.Context, end func()) {
	ctx = logging.Begin(ctx)
	if a.Metrics == nil {
		return ctx, func() {}
	}
	ctx, flush := a.Metrics.Begin(ctx)
	return ctx, func() {
		if err := flush(); err != nil {
			a.Log.WarnContext(ctx, "metrics not written", slog.Any("error", err))
		}
	}
}

// ObserveHTTP begins every request h serves.
func (a *App) ObserveHTTP(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, end := a.begin(r.Context())
		defer end()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Observe wraps an event handler that returns only an error (csvimport,
// scheduler) so that every invocation begins as ObserveHTTP's requests do.
func Observe[E any](a *App, h func(context.Context, E) error) func(context.Context, E) error {
	return func(ctx context.Context, ev E) error {
		ctx, end := a.begin(ctx)
		defer end()
		return h(ctx, ev)
	}
}

// ObserveResult is Observe for handlers that answer with a value (the
// mailer's batch item failures).
func ObserveResult[E, R any](a *App, h func(context.Context, E) (R, error)) func(context.Context, E) (R, error) {
	return func(ctx context.Context, ev E) (R, error) {
		ctx, end := a.begin(ctx)
		defer end()
		return h(ctx, ev)
	}
}
