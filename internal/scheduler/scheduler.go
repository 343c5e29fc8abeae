// Package scheduler runs the periodic work: deactivation windows that start
// or end, and expiry of invitations and activation links (SPEC §4, §8).
package scheduler

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
)

// Scheduler handles the EventBridge schedule. Build it with New.
type Scheduler struct {
	log *slog.Logger
}

// New returns a scheduler that logs to log.
func New(log *slog.Logger) *Scheduler { return &Scheduler{log: log} }

// Handle runs one tick. There is no periodic work yet.
func (s *Scheduler) Handle(ctx context.Context, ev events.EventBridgeEvent) error {
	s.log.InfoContext(ctx, "scheduler tick", slog.Time("at", ev.Time))
	return nil
}
