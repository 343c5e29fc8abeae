package testenv

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tilgang/tilgang/internal/localstack"
	"github.com/tilgang/tilgang/internal/store"
)

// FeedOutbox delivers the inserts of outbox items in table's stream to
// handle (a mailer's Handle) until the test ends, as the mailer's event
// source mapping does in AWS: the wiring every test of whole flows needs.
// opts adjust the stream (its Interval, 50 ms here; MaxRetries).
func FeedOutbox(t testing.TB, cfg aws.Config, table string,
	handle func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error), opts ...func(*localstack.StreamOptions)) {
	t.Helper()
	o := localstack.StreamOptions{Table: table, Filter: localstack.InsertsOfType(store.OutboxType), Interval: 50 * time.Millisecond}
	for _, opt := range opts {
		opt(&o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		if err := localstack.PollStream(ctx, cfg, o, handle); err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("outbox stream: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-stopped })
}
