package invitations_test

import (
	"testing"

	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// TestLookAlikeInvitees: an invitee's address is compared with userNames
// and other invitees after NFKC and case folding (SPEC §14), so that the
// full-width look-alike an identity provider made is the same name.
func TestLookAlikeInvitees(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	idp := tilgang.Actor{Name: "idp", Source: "scim"}
	if _, err := e.users.Create(ctx, idp, e.org, users.NewRequest{
		User: &tilgang.User{UserName: "ｍax@example.dk", FirstName: "Max", LastName: "Bahr"}, Profile: users.SCIMProfile,
	}); err != nil {
		t.Fatal(err)
	}
	res := e.invite(tilgang.RoleUserAdmin, "max@example.dk", "anna@example.dk", "ａnna@example.dk", "ANNA@example.dk")
	wantCode(t, res[0].Err, "user.exists") // the IdP's full-width userName
	if res[1].Err != nil {
		t.Fatalf("anna@example.dk: %v", res[1].Err)
	}
	wantCode(t, res[2].Err, invitations.ErrEmailFormat.Code) // no ASCII address
	wantCode(t, res[3].Err, invitations.ErrDuplicate.Code)

	// An invitation sent before the look-alike user came is not accepted
	// into a second user of the same name.
	inv := e.invited("lone@example.dk")
	if _, err := e.users.Create(ctx, idp, e.org, users.NewRequest{
		User: &tilgang.User{UserName: "ｌone@example.dk", FirstName: "Lone", LastName: "Bahr"}, Profile: users.SCIMProfile,
	}); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Accept(ctx, e.token(inv), invitations.Acceptance{FirstName: "Lone", LastName: "Hansen", Phone: "12 34 56 78"})
	wantCode(t, err, "user.exists")
}
