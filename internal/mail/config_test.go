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
