package users

import (
	"testing"

	tilgang "github.com/tilgang/tilgang/internal"
)

func TestDeactivateAndReactivate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		from       tilgang.Status
		windows    []tilgang.Deactivation
		wantBefore tilgang.Status
	}{
		{"active", tilgang.StatusActive, []tilgang.Deactivation{{From: "2026-11-26"}}, tilgang.StatusActive},
		{"pending", tilgang.StatusPendingActivation, []tilgang.Deactivation{{From: "2026-11-26", To: "2026-12-01"}}, tilgang.StatusPendingActivation},
		{"twice keeps the first status", tilgang.StatusImported, []tilgang.Deactivation{{From: "2026-11-26"}, {From: "2026-11-27"}}, tilgang.StatusImported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := &tilgang.User{Status: tt.from}
			for _, w := range tt.windows {
				Deactivate(u, w)
			}
			last := tt.windows[len(tt.windows)-1]
			if u.Status != tilgang.StatusDeactivated || u.StatusBeforeDeactivation != tt.wantBefore || *u.Deactivation != last {
				t.Fatalf("after Deactivate: %+v", u)
			}
			Reactivate(u)
			if u.Status != tt.from || u.Deactivation != nil || u.StatusBeforeDeactivation != "" {
				t.Fatalf("after Reactivate: %+v", u)
			}
		})
	}
	u := &tilgang.User{Status: tilgang.StatusActive}
	Reactivate(u)
	if u.Status != tilgang.StatusActive {
		t.Fatalf("Reactivate changed an active user: %+v", u)
	}
}
