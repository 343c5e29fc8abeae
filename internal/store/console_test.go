package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestSignInLookUpFollowsUserWrites: the look-up of console sign-in names
// exactly the administrators with the address, through every user write.
func TestSignInLookUpFollowsUserWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := testenv.Store(t)
	finds := func(address string, u *tilgang.User) bool {
		t.Helper()
		refs, err := st.SignInCandidates(ctx, address)
		if err != nil {
			t.Fatal(err)
		}
		return slices.Contains(refs, tilgang.SignInRef{OrgID: u.OrgID, UserID: u.ID})
	}
	u := newUser("org-1", "u-1", "mette")
	u.Email, u.Roles = "Mette@Example.dk", []tilgang.Role{{Role: tilgang.RoleUserAdmin}}
	if err := st.CreateUser(ctx, u, change("user.created")); err != nil {
		t.Fatal(err)
	}
	if !finds(" mette@example.DK ", u) {
		t.Fatal("a new administrator is not found by address")
	}
	old, _ := st.User(ctx, "org-1", "u-1")
	next := old.Clone()
	next.Email = "mette.h@example.dk"
	if err := st.UpdateUser(ctx, old, next, change("user.updated")); err != nil {
		t.Fatal(err)
	}
	if finds("mette@example.dk", u) || !finds("mette.h@example.dk", u) {
		t.Fatal("the look-up did not follow the new address")
	}
	old, _ = st.User(ctx, "org-1", "u-1")
	next = old.Clone()
	next.Roles = nil
	if err := st.UpdateUser(ctx, old, next, change("user.updated")); err != nil {
		t.Fatal(err)
	}
	if finds("mette.h@example.dk", u) {
		t.Fatal("a user without an admin role is still found")
	}
	// IndexSignIns gives an administrator stored without the look-up one.
	old, _ = st.User(ctx, "org-1", "u-1")
	next = old.Clone()
	next.Roles = []tilgang.Role{{Role: tilgang.RoleCompanyAdmin}}
	if err := st.UpdateUser(ctx, old, next, change("user.updated")); err != nil {
		t.Fatal(err)
	}
	if n, err := st.IndexSignIns(ctx, "org-1"); err != nil || n != 1 {
		t.Fatalf("IndexSignIns: %d, %v", n, err)
	}
	old, _ = st.User(ctx, "org-1", "u-1")
	if err := st.DeleteUser(ctx, old, change("user.deleted")); err != nil {
		t.Fatal(err)
	}
	if finds("mette.h@example.dk", u) {
		t.Fatal("a deleted user is still found")
	}
}

func TestSignInLinkIsSpentOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := testenv.Store(t)
	l := tilgang.SignInLink{SignInRef: tilgang.SignInRef{OrgID: "o", UserID: "u"}}
	if err := st.PutSignInLink(ctx, "h", l); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for range 4 {
		go func() { _, err := st.SpendSignInLink(ctx, "h"); errs <- err }()
	}
	spent := 0
	for range 4 {
		if err := <-errs; err == nil {
			spent++
		}
	}
	if spent != 1 {
		t.Fatalf("the link was spent %d times", spent)
	}
}

func TestDeletingAUserDeletesItsPasskeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := testenv.Store(t)
	u := newUser("org-1", "u-1", "ole")
	if err := st.CreateUser(ctx, u, change("user.created")); err != nil {
		t.Fatal(err)
	}
	if err := st.PutPasskey(ctx, &tilgang.Passkey{ID: []byte{1, 2, 3}, OrgID: "org-1", UserID: "u-1", Credential: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	old, _ := st.User(ctx, "org-1", "u-1")
	if err := st.DeleteUser(ctx, old, change("user.deleted")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Passkey(ctx, []byte{1, 2, 3}); err != tilgang.ErrPasskeyNotFound {
		t.Errorf("the passkey is left: %v", err)
	}
	if ps, _ := st.Passkeys(ctx, "org-1", "u-1"); len(ps) != 0 {
		t.Errorf("the user's list of passkeys is left: %d", len(ps))
	}
}
