package users

import (
	"fmt"
	"slices"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// The rules of a user's status (SPEC §4) live in this file only:
//
//	imported ──activation sent──▶ pending_activation ──user activates──▶ active
//	awaiting_approval ──admin approves──▶ active
//	any of the above ──deactivate [from, to]──▶ deactivated ──window ends / reactivate──▶ previous status
//
// A deactivation window is two dates in Europe/Copenhagen, both inclusive:
// the user is deactivated from the start of From and active again at the
// start of the day after To.

// transitions lists where each status may go by a step of its own.
// pending_activation may go to itself (a resent activation), deactivated to
// itself (its window changes). The way out of deactivated is not a step of
// its own: Reactivate returns the user to the status it had before, which
// was reached by the rules.
var transitions = map[tilgang.Status][]tilgang.Status{
	tilgang.StatusImported:          {tilgang.StatusPendingActivation, tilgang.StatusDeactivated},
	tilgang.StatusPendingActivation: {tilgang.StatusPendingActivation, tilgang.StatusActive, tilgang.StatusDeactivated},
	tilgang.StatusAwaitingApproval:  {tilgang.StatusActive, tilgang.StatusDeactivated},
	tilgang.StatusActive:            {tilgang.StatusDeactivated},
	tilgang.StatusDeactivated:       {tilgang.StatusDeactivated},
}

// ErrTransitionCode is the stable code of a refused status transition.
const ErrTransitionCode = "status.transition"

// Transition returns nil if a user may go from status from to status to,
// and otherwise a KindState error with code ErrTransitionCode that names
// both.
func Transition(from, to tilgang.Status) error {
	if slices.Contains(transitions[from], to) {
		return nil
	}
	return &tilgang.Error{Kind: tilgang.KindState, Code: ErrTransitionCode, Field: "status",
		Message: fmt.Sprintf("a user who is %s cannot become %s", from, to)}
}

// Deactivate puts u in a deactivation window (SPEC §4). A user already
// deactivated keeps the status it will return to; only the window changes.
func Deactivate(u *tilgang.User, window tilgang.Deactivation) {
	if u.Status != tilgang.StatusDeactivated {
		u.StatusBeforeDeactivation = u.Status
		u.Status = tilgang.StatusDeactivated
	}
	u.Deactivation = &window
}

// Reactivate ends u's deactivation at once and returns it to the status it
// had before. It does nothing to a user who is not deactivated.
func Reactivate(u *tilgang.User) {
	if u.Status != tilgang.StatusDeactivated {
		return
	}
	u.Status = u.StatusBeforeDeactivation
	if u.Status == "" {
		u.Status = tilgang.StatusActive
	}
	u.StatusBeforeDeactivation = ""
	u.Deactivation = nil
}

// ScheduleDeactivation gives u the window w, to start on today or later.
// A window that starts today deactivates u at once; a later one is kept on
// u, whose status stays until the scheduler starts it (ApplyWindow). A
// deactivated user's window may only be replaced by one that starts today:
// anything else would reactivate it until the new start, which is what
// Reactivate followed by a deactivation says more plainly.
func ScheduleDeactivation(u *tilgang.User, w tilgang.Deactivation, today string) error {
	if err := Transition(u.Status, tilgang.StatusDeactivated); err != nil {
		return err
	}
	switch {
	case w.From < today:
		return tilgang.Invalid("from", "deactivation.from_past", "the window cannot start in the past")
	case w.To != "" && w.To < w.From:
		return tilgang.Invalid("to", "deactivation.to_before_from", "the window cannot end before it starts")
	case w.From == today:
		if u.Status == tilgang.StatusDeactivated && u.Deactivation != nil {
			w.From = u.Deactivation.From // a new end for the window the user is in
		}
		Deactivate(u, w)
	case u.Status == tilgang.StatusDeactivated:
		return &tilgang.Error{Kind: tilgang.KindState, Code: "deactivation.already", Field: "from",
			Message: "the user is deactivated now; reactivate it first, or give a window that starts today"}
	default:
		u.Deactivation = &w
	}
	return nil
}

// EndDeactivation is the admin's reactivate: it ends u's deactivation at
// once, or withdraws a window that has not started yet.
func EndDeactivation(u *tilgang.User) error {
	switch {
	case u.Status == tilgang.StatusDeactivated:
		Reactivate(u)
	case u.Deactivation != nil:
		u.Deactivation = nil
	default:
		return &tilgang.Error{Kind: tilgang.KindState, Code: "deactivation.none", Field: "status",
			Message: fmt.Sprintf("a user who is %s and has no deactivation window cannot be reactivated", u.Status)}
	}
	return nil
}

// Actions of ApplyWindow, as history records them.
const (
	ActionDeactivated = "user.deactivated"
	ActionReactivated = "user.reactivated"
	// ActionWindowMissed records a window that passed whole before anything
	// could start it (the scheduler did not run for that long).
	ActionWindowMissed = "deactivation.missed"
)

// ApplyWindow moves u as its deactivation window says for the date today:
// it starts a window whose From has come and ends one whose To has
// passed. It returns the action taken, or "" if the window asks for
// nothing today.
func ApplyWindow(u *tilgang.User, today string) string {
	w := u.Deactivation
	switch {
	case w == nil:
		return ""
	case u.Status != tilgang.StatusDeactivated && w.From <= today:
		if w.To != "" && w.To < today {
			u.Deactivation = nil
			return ActionWindowMissed
		}
		Deactivate(u, *w)
		return ActionDeactivated
	case u.Status == tilgang.StatusDeactivated && w.To != "" && w.To < today:
		Reactivate(u)
		return ActionReactivated
	}
	return ""
}

// ActionActivationExpired records an activation whose link has expired.
const ActionActivationExpired = "activation.expired"

// ExpireActivation drops the code of u's activation if its link has expired
// at now, and reports whether it had. The link itself stays known, so that
// its page says "expired" rather than "unknown".
func ExpireActivation(u *tilgang.User, now time.Time) bool {
	a := u.Activation
	if a == nil || now.Before(a.ExpiresAt) {
		return false
	}
	a.CodeHash = ""
	return true
}
