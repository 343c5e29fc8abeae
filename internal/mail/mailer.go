// Package mail sends tilgang's mail through SES v2, fed by the outbox items
// that state changes write (SPEC §7).
package mail

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
)

// Mailer handles DynamoDB stream batches of outbox items. Build it with New.
type Mailer struct {
	log *slog.Logger
}

// New returns a mailer that logs to log.
func New(log *slog.Logger) *Mailer { return &Mailer{log: log} }

// Handle processes one stream batch. Sending is not built yet: outbox items
// stay in the table, so that nothing is lost, and the batch succeeds.
func (m *Mailer) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	for _, rec := range ev.Records {
		m.log.WarnContext(ctx, "mail sending not implemented yet; outbox item kept", slog.String("event", rec.EventID))
	}
	return events.DynamoDBEventResponse{}, nil
}
