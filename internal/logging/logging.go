// Package logging puts the same context on every log line a function writes
// (SPEC §13): the function, the Lambda request id, the HTTP API's request id,
// the organisation once a request has authenticated, and whether the line
// belongs to the execution environment's first (cold) invocation.
//
// It adds ids only. What a line says is the caller's business; the callers
// never log a CPR number, a token or a secret (SPEC §14), and nothing here
// reads a request's body, path or headers.
package logging

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
)

// The keys the handler adds. requestId is the name Lambda itself uses for the
// invocation's id in its JSON log format, so queries work across both kinds
// of line.
const (
	KeyFunction     = "function"
	KeyRequestID    = "requestId"
	KeyAPIRequestID = "apiRequestId"
	KeyOrgID        = "orgId"
	KeyColdStart    = "coldStart"
)

// Handler adds the context fields to every record and passes it on. The
// fields go at the top level of the record, unless the logger was given a
// group with WithGroup, in which case they land inside it as every other
// attribute does (nothing in tilgang groups its lines).
type Handler struct {
	next     slog.Handler
	function string
	process  *process
}

// process is what all handlers derived from one NewHandler share: the id of
// the first invocation the execution environment served.
type process struct {
	first atomic.Pointer[string]
}

// NewHandler returns a handler that adds function to every line, along with
// the ids it finds in the record's context, and passes the record to next.
func NewHandler(next slog.Handler, function string) *Handler {
	return &Handler{next: next, function: function, process: &process{}}
}

// Enabled reports whether next handles level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle adds the fields and passes r on. A record without a context (slog's
// plain Info and friends) still gets the function and the cold-start flag.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if ctx == nil {
		ctx = context.Background()
	}
	r = r.Clone()
	r.AddAttrs(slog.String(KeyFunction, h.function))
	reqID := ""
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		reqID = lc.AwsRequestID
		r.AddAttrs(slog.String(KeyRequestID, reqID))
	}
	if gw, ok := core.GetAPIGatewayV2ContextFromContext(ctx); ok && gw.RequestID != "" {
		r.AddAttrs(slog.String(KeyAPIRequestID, gw.RequestID))
	}
	if org := OrgID(ctx); org != "" {
		r.AddAttrs(slog.String(KeyOrgID, org))
	}
	r.AddAttrs(slog.Bool(KeyColdStart, h.process.cold(reqID)))
	return h.next.Handle(ctx, r)
}

// cold reports whether a line of invocation reqID belongs to the cold start:
// the first invocation the process serves, and everything logged before it
// (the init phase). A line without an invocation after the first one (a
// goroutine outliving its request) is warm.
func (p *process) cold(reqID string) bool {
	first := p.first.Load()
	if reqID == "" {
		return first == nil
	}
	if first == nil {
		id := reqID
		if p.first.CompareAndSwap(nil, &id) {
			return true
		}
		first = p.first.Load()
	}
	return *first == reqID
}

// WithAttrs returns a handler whose next handler has attrs.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{next: h.next.WithAttrs(attrs), function: h.function, process: h.process}
}

// WithGroup returns a handler whose next handler has the group.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), function: h.function, process: h.process}
}

// ---------------------------------------------------------------- per request

// request holds what becomes known while a request runs. It is shared by
// every context derived from the one Begin returned, so an organisation
// set deep in an authenticator is seen by lines logged later further up.
type request struct {
	mu  sync.Mutex
	org string
}

type requestKey struct{}

// Begin returns ctx with room for the request's organisation. Every
// invocation (and, through Middleware, every HTTP request) begins with it;
// without it SetOrg does nothing.
func Begin(ctx context.Context) context.Context {
	return context.WithValue(ctx, requestKey{}, &request{})
}

// SetOrg records the organisation the request acts for; lines logged with
// ctx or any context derived from the one Begin returned carry it from now on.
func SetOrg(ctx context.Context, orgID string) {
	if r, ok := ctx.Value(requestKey{}).(*request); ok {
		r.mu.Lock()
		r.org = orgID
		r.mu.Unlock()
	}
}

// OrgID is the organisation SetOrg recorded for ctx's request, or "".
func OrgID(ctx context.Context) string {
	r, ok := ctx.Value(requestKey{}).(*request)
	if !ok {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.org
}

// Middleware begins every request it serves (see Begin).
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(Begin(r.Context())))
	})
}
