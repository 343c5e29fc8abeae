// Package metrics counts a few business events and writes them as
// CloudWatch embedded metric format (EMF) log lines (SPEC §13): one JSON line
// per invocation, from which CloudWatch Logs extracts the metrics. There is
// no AWS call and no permission beyond writing logs.
//
// The counts travel in the context: Begin starts an invocation's batch, Add
// counts into it from wherever the event happens (one line at the call
// site, deep in a service), and the function returned by Begin writes the
// batch when the invocation ends. Without a batch in the context Add does
// nothing, so tests and tools that never begin one pay nothing.
//
// The format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
package metrics

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// Name is a metric's name in CloudWatch.
type Name string

// The metrics tilgang counts. Each is a Count.
const (
	UsersCreated Name = "UsersCreated" // users created, through any channel
	ImportRows   Name = "ImportRows"   // CSV rows an import applied
	MailsSent    Name = "MailsSent"    // mails SES accepted
	MailsFailed  Name = "MailsFailed"  // mails given up on (recorded as failed)
)

// Namespace is the CloudWatch namespace of every metric.
const Namespace = "tilgang"

// DimensionStack is the one dimension: the CloudFormation stack's name, so
// that stages in one account and region keep apart. Other ids (function,
// organisation) would multiply the metrics CloudWatch bills for; they are
// in the log line as plain properties instead.
const DimensionStack = "Stack"

// Recorder writes the batches of one process. The zero value is not usable;
// use New.
type Recorder struct {
	w     io.Writer
	stack string
	props func(context.Context) map[string]any
	now   func() time.Time
	mu    sync.Mutex // one line at a time
}

// New returns a recorder that writes to w (a function's standard output)
// with stack as the Stack dimension. props, if not nil, gives properties
// for a line (request ids) from the invocation's context.
func New(w io.Writer, stack string, props func(context.Context) map[string]any) *Recorder {
	return &Recorder{w: w, stack: stack, props: props, now: time.Now}
}

type batch struct {
	mu     sync.Mutex
	counts map[Name]float64
}

type batchKey struct{}

// Begin returns ctx with a new batch, and the function that writes it. The
// caller defers flush when the invocation ends; a batch with nothing in it
// writes nothing.
func (rec *Recorder) Begin(ctx context.Context) (_ context.Context, flush func() error) {
	b := &batch{counts: map[Name]float64{}}
	ctx = context.WithValue(ctx, batchKey{}, b)
	return ctx, func() error { return rec.write(ctx, b) }
}

// Add counts n of name into ctx's batch, if it has one.
func Add(ctx context.Context, name Name, n int) {
	b, ok := ctx.Value(batchKey{}).(*batch)
	if !ok || n == 0 {
		return
	}
	b.mu.Lock()
	b.counts[name] += float64(n)
	b.mu.Unlock()
}

// emf is the metadata object of an EMF document (the "_aws" member).
type emf struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
}

type directive struct {
	Namespace  string       `json:"Namespace"`
	Dimensions [][]string   `json:"Dimensions"`
	Metrics    []definition `json:"Metrics"`
}

type definition struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

func (rec *Recorder) write(ctx context.Context, b *batch) error {
	b.mu.Lock()
	names := make([]Name, 0, len(b.counts))
	for n := range b.counts {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return names[i] < names[j] })
	doc := map[string]any{}
	if rec.props != nil {
		for k, v := range rec.props(ctx) {
			doc[k] = v
		}
	}
	defs := make([]definition, 0, len(names))
	for _, n := range names {
		defs = append(defs, definition{Name: string(n), Unit: "Count"})
		doc[string(n)] = b.counts[n]
	}
	clear(b.counts)
	b.mu.Unlock()
	if len(defs) == 0 {
		return nil
	}
	doc[DimensionStack] = rec.stack
	doc["_aws"] = emf{
		Timestamp: rec.now().UnixMilli(),
		CloudWatchMetrics: []directive{{
			Namespace: Namespace, Dimensions: [][]string{{DimensionStack}}, Metrics: defs,
		}},
	}
	line, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	line = append(line, '\n')
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if _, err := rec.w.Write(line); err != nil {
		return fmt.Errorf("metrics: write: %w", err)
	}
	return nil
}
