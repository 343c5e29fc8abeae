package users

import (
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Invitees (SPEC §4, §8): accepting an invitation creates a user who
// awaits approval; an admin's approval makes it active and gives it the
// invitation's role. The invitations package stores both steps together
// with the invitation; the rules of the user are here.

// NewInvitee prepares u, the user that an accepted invitation of org
// creates, without storing it: u gets an id, the status awaiting_approval
// and its e-mail address as userName, and its fields are checked and
// normalised as at creation by InviteeProfile. u holds no role yet: the role is the
// invitation's, given on approval, so that a licence counts approved
// admins only. The errors are *tilgang.Error values, one per invalid
// field, joined.
func (s *Service) NewInvitee(org *tilgang.Organisation, u *tilgang.User) error {
	u.OrgID, u.ID = org.ID, uuid.NewString()
	u.Status, u.Version = tilgang.StatusAwaitingApproval, 0
	u.UserName, u.Roles, u.Anonymous = "", nil, false // userName: the normalised e-mail
	u.CPR, u.Activation, u.Deactivation = tilgang.SealedCPR{}, nil, nil
	_, err := judge(InviteeProfile, org, nil, u, "", s.now())
	return err
}

// Approve makes u, a user awaiting approval, active with the granted roles
// (none for an ordinary user; SPEC §4, §8).
// Only a user awaiting approval can be approved; a deactivated one must be
// reactivated first. An anonymous user never gets an admin role.
func Approve(u *tilgang.User, granted ...tilgang.Role) error {
	if u.Status != tilgang.StatusAwaitingApproval {
		return &tilgang.Error{Kind: tilgang.KindState, Code: ErrTransitionCode, Field: "status",
			Message: fmt.Sprintf("a user who is %s cannot be approved", u.Status)}
	}
	if err := Transition(u.Status, tilgang.StatusActive); err != nil {
		return err
	}
	roles := slices.Clip(u.Roles)
	for _, role := range granted {
		if !slices.Contains(roles, role) {
			roles = append(roles, role)
		}
	}
	if err := anonymousAdmin(&tilgang.User{Anonymous: u.Anonymous, Roles: roles}); err != nil {
		return err
	}
	u.Status, u.Roles = tilgang.StatusActive, roles
	return nil
}
