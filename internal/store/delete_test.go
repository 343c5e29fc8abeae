package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestDeleteUndoesEverythingCreateWrote checks the one list of what a
// user's deletion removes: the user, its guards, its place in the admin
// count and its schedule entries, whichever door deletes it.
func TestDeleteUndoesEverythingCreateWrote(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	days := []string{"2026-12-01", "2026-12-04", "2026-12-20"}
	full := func(id string) *tilgang.User {
		u := newUser("o1", id, "anna")
		u.ExternalID, u.CPR = "ext-1", tilgang.SealedCPR{Lookup: "hash-1", Sealed: []byte{1}}
		u.Roles = []tilgang.Role{{Role: tilgang.RoleCompanyAdmin}}
		u.Status = tilgang.StatusPendingActivation
		u.Deactivation = &tilgang.Deactivation{From: "2026-12-01", To: "2026-12-03"}
		u.Activation = &tilgang.Activation{LinkID: "l1", ExpiresAt: time.Date(2026, 12, 20, 12, 0, 0, 0, time.UTC)}
		return u
	}
	oneAdmin := func(action string) tilgang.Change {
		c := change(action)
		c.MaxAdmins = 1
		return c
	}
	u := full("u1")
	if err := st.CreateUser(ctx, u, oneAdmin("user.created")); err != nil {
		t.Fatal(err)
	}
	if got := schedule(t, st, days...); len(got) != 3 {
		t.Fatalf("schedule after create: %q", got)
	}
	if err := st.DeleteUser(ctx, u, change("user.deleted")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.User(ctx, "o1", "u1"); !errors.Is(err, tilgang.ErrUserNotFound) {
		t.Fatalf("deleted user: %v", err)
	}
	if got := schedule(t, st, days...); len(got) != 0 {
		t.Errorf("schedule after delete: %q, want none", got)
	}
	// The same userName, externalId and CPR, and the one admin place of
	// the licence, are free again.
	if err := st.CreateUser(ctx, full("u2"), oneAdmin("user.created")); err != nil {
		t.Fatalf("create after delete: %v", err)
	}
}
