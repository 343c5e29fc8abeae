package users

import tilgang "github.com/tilgang/tilgang/internal"

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
