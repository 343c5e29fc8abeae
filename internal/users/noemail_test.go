package users_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// TestUserWithoutEmailGetsMailWithItsAddress: an identity provider's user
// without an e-mail address (SCIMProfile) waits for activation without
// mail, cannot be sent activation by an admin, and gets its activation mail
// with the change that gives it an address.
func TestUserWithoutEmailGetsMailWithItsAddress(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	idp := tilgang.Actor{Name: "Entra ID", Source: "scim"}
	u, err := f.svc.SCIM().Create(ctx, idp, f.org, &tilgang.User{UserName: "idp-only"}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != tilgang.StatusPendingActivation || u.Email != "" {
		t.Fatalf("created %+v", u)
	}
	if got := f.outbox(t, u.ID); len(got) != 0 {
		t.Fatalf("mail %v for a user without an address", got)
	}
	if _, err := f.svc.SendActivation(ctx, admin, f.org, u.ID); !errors.Is(err, users.ErrNoEmail) {
		t.Fatalf("SendActivation = %v, want ErrNoEmail", err)
	}
	results, err := f.svc.BulkActivate(ctx, admin, f.org, []string{u.ID})
	if err != nil || len(results) != 1 || !errors.Is(results[0].Err, users.ErrNoEmail) {
		t.Fatalf("BulkActivate = %+v, %v", results, err)
	}

	old := f.user(t, u.ID)
	next := old.Clone()
	next.Email = "idp.only@example.dk"
	if err := f.svc.SCIM().Replace(ctx, idp, f.org, old, next, "", nil); err != nil {
		t.Fatal(err)
	}
	if got := f.outbox(t, u.ID); !slices.Equal(got, []string{tilgang.MailActivation}) {
		t.Fatalf("mail %v after the first address, want one activation mail", got)
	}
	got := f.user(t, u.ID)
	if got.Activation == nil || !got.Activation.IssuedAt.Equal(noon.UTC()) || got.UserName != "idp-only" {
		t.Errorf("user after the first address: %+v", got)
	}
	if _, err := f.svc.SendActivation(ctx, admin, f.org, u.ID); err != nil {
		t.Errorf("SendActivation with an address: %v", err)
	}
}
