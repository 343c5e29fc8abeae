package mail

import (
	"log/slog"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg     Config
		limit   rate.Limit
		burst   int
		workers int
		claim   time.Duration
	}{
		{Config{}, rate.Inf, 1, defaultWorkers, defaultClaimFor},
		{Config{Rate: rate.Inf}, rate.Inf, 1, defaultWorkers, defaultClaimFor},
		{Config{Rate: 14, Burst: 3, Workers: 8, ClaimFor: 2 * time.Minute}, 14, 3, 8, 2 * time.Minute},
	}
	for _, tt := range tests {
		m := New(nil, nil, nil, nil, tt.cfg, slog.New(slog.DiscardHandler))
		if m.limiter.Limit() != tt.limit || m.limiter.Burst() != tt.burst || m.workers != tt.workers || m.claimFor != tt.claim {
			t.Errorf("New(%+v): limit %v burst %d workers %d claim %v", tt.cfg, m.limiter.Limit(), m.limiter.Burst(), m.workers, m.claimFor)
		}
	}
}

// TestChunkSize: without a rate limit a batch claims maxChunk items at
// once; under one, no more than can go in a quarter of a claim with the
// workers' mails, and one at a time when even that is too many.
func TestChunkSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg  Config
		want int
	}{
		{Config{}, maxChunk},
		{Config{Rate: 10}, maxChunk},                      // (10·60/4 - 16)/2 = 67
		{Config{Rate: 2}, 7},                              // (2·60/4 - 16)/2
		{Config{Rate: 2, Workers: 4}, 13},                 // (30 - 4)/2
		{Config{Rate: 1}, 1},                              // (15 - 16)/2 truncates to 0: one at a time
		{Config{Rate: 14, ClaimFor: 10 * time.Second}, 9}, // (14·10/4 - 16)/2 = 9.5
	}
	for _, tt := range tests {
		m := New(nil, nil, nil, nil, tt.cfg, slog.New(slog.DiscardHandler))
		if got := m.chunkSize(); got != tt.want {
			t.Errorf("chunkSize(%+v) = %d, want %d", tt.cfg, got, tt.want)
		}
	}
}
