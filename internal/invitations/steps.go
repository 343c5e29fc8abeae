package invitations

import (
	"context"
	"errors"
	"time"

	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// The company-admin's steps (SPEC §8, §10). Each reads the invitation,
// checks the step against the status rules (status.go) and stores it with
// its mail, and its history entry when there is a user, in one conditional
// write, reading again if another change came first.

// ErrInviteeGone refuses to approve an accepted invitation whose user has
// been deleted meanwhile: there is no one to approve.
var ErrInviteeGone = &tilgang.Error{Kind: tilgang.KindState, Code: "invitation.user_gone", Field: "status",
	Message: "the user who accepted the invitation has been deleted; reject the invitation"}

// Revoke withdraws org's invitation id: its link then says so. Pending and
// expired invitations can be revoked; revoking a revoked one changes
// nothing.
func (s *Service) Revoke(ctx context.Context, org *tilgang.Organisation, id string) (*tilgang.Invitation, error) {
	return s.step(ctx, org, id, func(old, next *tilgang.Invitation, _ time.Time) (func() error, error) {
		if old.Status == tilgang.InvitationRevoked {
			return nil, nil // the same request again
		}
		if err := Transition(old.Status, tilgang.InvitationRevoked); err != nil {
			return nil, err
		}
		next.Status = tilgang.InvitationRevoked
		return func() error { return s.store.UpdateInvitation(ctx, old, next, nil) }, nil
	})
}

// Resend gives org's pending or expired invitation id a new link, valid
// for the full time again, and mails it; the old link dies. It fails with
// tilgang.ErrInvitationPending when the address has been invited again
// since the invitation expired, and with tilgang.ErrInviteeIsUser when the
// address has become a user.
func (s *Service) Resend(ctx context.Context, org *tilgang.Organisation, id string) (*tilgang.Invitation, error) {
	return s.step(ctx, org, id, func(old, next *tilgang.Invitation, now time.Time) (func() error, error) {
		if err := Transition(old.Status, tilgang.InvitationPending); err != nil {
			return nil, err
		}
		next.Status, next.LinkID, next.ExpiresAt = tilgang.InvitationPending, secret.NewNonce(), s.expiry(now)
		m := newMail(next, tilgang.MailInvitation, next.Language) // addressed from the invitation, as invite's
		return func() error { return s.store.UpdateInvitation(ctx, old, next, []tilgang.Mail{m}) }, nil
	})
}

// Approve approves org's accepted invitation id: its user becomes active
// with the invitation's role (SPEC §4) and is mailed that it is, in one
// transaction with the user's history entry. An admin role beyond the
// organisation's licence fails with tilgang.ErrMaxAdmins.
func (s *Service) Approve(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, id string) (*tilgang.Invitation, error) {
	return s.step(ctx, org, id, func(old, next *tilgang.Invitation, _ time.Time) (func() error, error) {
		if err := Transition(old.Status, tilgang.InvitationApproved); err != nil {
			return nil, err
		}
		u, err := s.users.Get(ctx, org, old.UserID)
		if errors.Is(err, tilgang.ErrUserNotFound) {
			return nil, ErrInviteeGone
		}
		if err != nil {
			return nil, err
		}
		// Approving grants the invitation's role, if it has one: the
		// approver needs the authority to grant it, whoever invited.
		var roles []tilgang.Role
		if old.Role != "" {
			roles = append(roles, tilgang.Role{Role: old.Role, OrgUnit: old.OrgUnit})
		}
		if err := users.MayGrant(actor.Roles, roles...); err != nil {
			return nil, err
		}
		approved := u.Clone()
		if err := users.Approve(approved, roles...); err != nil {
			return nil, err
		}
		next.Status = tilgang.InvitationApproved
		m := newMail(next, tilgang.MailApprovalDone, next.Language)
		m.UserID = u.ID // mail to a user names the user only; the mailer reads the address
		c := tilgang.Change{
			Activity:  actor.Activity("invitation.approved", []string{"roles", "status"}),
			Mail:      []tilgang.Mail{m},
			MaxAdmins: org.MaxAdmins,
		}
		return func() error { return s.store.ApproveInvitation(ctx, old, next, u, approved, c) }, nil
	})
}

// Reject rejects org's accepted invitation id. The user the acceptance
// created is deleted as SPEC §4 deletes (personal data erased, userName
// freed, a history entry without personal data kept), in one transaction:
// the address may be invited again.
func (s *Service) Reject(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, id string) (*tilgang.Invitation, error) {
	return s.step(ctx, org, id, func(old, next *tilgang.Invitation, _ time.Time) (func() error, error) {
		if err := Transition(old.Status, tilgang.InvitationRejected); err != nil {
			return nil, err
		}
		u, err := s.users.Get(ctx, org, old.UserID)
		switch {
		case errors.Is(err, tilgang.ErrUserNotFound):
			u = nil // deleted already; the invitation is rejected all the same
		case err != nil:
			return nil, err
		}
		next.Status = tilgang.InvitationRejected
		c := tilgang.Change{Activity: actor.Activity("invitation.rejected", nil)}
		return func() error { return s.store.RejectInvitation(ctx, old, next, u, c) }, nil
	})
}
