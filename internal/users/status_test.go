package users

import (
	"errors"
	"testing"

	"github.com/tilgang/tilgang/internal/tilgang"
)

func TestTransitions(t *testing.T) {
	t.Parallel()
	const (
		imp  = tilgang.StatusImported
		pend = tilgang.StatusPendingActivation
		act  = tilgang.StatusActive
		wait = tilgang.StatusAwaitingApproval
		deac = tilgang.StatusDeactivated
	)
	allowed := map[[2]tilgang.Status]bool{
		{imp, pend}: true, {imp, deac}: true,
		{pend, pend}: true, {pend, act}: true, {pend, deac}: true,
		{wait, act}: true, {wait, deac}: true,
		{act, deac}:  true,
		{deac, deac}: true,
	}
	for _, from := range tilgang.Statuses {
		for _, to := range tilgang.Statuses {
			err := Transition(from, to)
			if allowed[[2]tilgang.Status{from, to}] {
				if err != nil {
					t.Errorf("%s → %s refused: %v", from, to, err)
				}
				continue
			}
			var e *tilgang.Error
			if !errors.As(err, &e) || e.Kind != tilgang.KindState || e.Code != ErrTransitionCode {
				t.Errorf("%s → %s: %v, want a state error", from, to, err)
			}
		}
	}
}

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

func TestApplyWindow(t *testing.T) {
	t.Parallel()
	w := func(from, to string) *tilgang.Deactivation { return &tilgang.Deactivation{From: from, To: to} }
	tests := []struct {
		name       string
		status     tilgang.Status
		window     *tilgang.Deactivation
		today      string
		wantAction string
		wantStatus tilgang.Status
	}{
		{"no window", tilgang.StatusActive, nil, "2026-03-29", "", tilgang.StatusActive},
		{"not yet", tilgang.StatusActive, w("2026-03-30", ""), "2026-03-29", "", tilgang.StatusActive},
		{"starts", tilgang.StatusActive, w("2026-03-29", "2026-03-29"), "2026-03-29", ActionDeactivated, tilgang.StatusDeactivated},
		{"started late", tilgang.StatusPendingActivation, w("2026-03-27", "2026-03-29"), "2026-03-29", ActionDeactivated, tilgang.StatusDeactivated},
		{"missed whole", tilgang.StatusActive, w("2026-03-27", "2026-03-28"), "2026-03-29", ActionWindowMissed, tilgang.StatusActive},
		{"last day", tilgang.StatusDeactivated, w("2026-03-29", "2026-03-29"), "2026-03-29", "", tilgang.StatusDeactivated},
		{"day after", tilgang.StatusDeactivated, w("2026-03-29", "2026-03-29"), "2026-03-30", ActionReactivated, tilgang.StatusImported},
		{"open-ended", tilgang.StatusDeactivated, w("2026-03-29", ""), "2027-01-01", "", tilgang.StatusDeactivated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := &tilgang.User{Status: tt.status, Deactivation: tt.window}
			if tt.status == tilgang.StatusDeactivated {
				u.StatusBeforeDeactivation = tilgang.StatusImported
			}
			if got := ApplyWindow(u, tt.today); got != tt.wantAction || u.Status != tt.wantStatus {
				t.Fatalf("ApplyWindow = %q, status %s; want %q, %s", got, u.Status, tt.wantAction, tt.wantStatus)
			}
		})
	}
}
