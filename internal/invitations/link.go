package invitations

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"

	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Page is what an invitation link opens: the organisation and the
// invitation, whose InviterName, Role, OrgUnit, Email and ExpiresAt the
// page shows.
type Page struct {
	Org        *tilgang.Organisation
	Invitation *tilgang.Invitation
}

// Open reads what token opens and changes nothing: mail scanners fetch
// links before people do.
//
// Errors: tilgang.ErrLinkUnknown (a token not made by us, an organisation
// or invitation that does not exist, or a link that a resend replaced),
// tilgang.ErrLinkExpired, tilgang.ErrLinkRevoked, tilgang.ErrLinkUsed (the
// invitation is accepted, approved or rejected).
func (s *Service) Open(ctx context.Context, token string) (Page, error) {
	org, inv, err := s.linkOf(ctx, token)
	if err != nil {
		return Page{}, err
	}
	if err := linkState(inv); err != nil {
		return Page{}, err
	}
	return Page{Org: org, Invitation: inv}, nil
}

// Acceptance is what the invitee types on the invitation page.
type Acceptance struct {
	FirstName, LastName, Phone string
}

// userActor is the invitee acting on the invitation page.
var userActor = tilgang.Actor{Name: "the user", Source: "web", By: tilgang.By{Kind: tilgang.ActorUser}}

// Accept creates the user awaiting approval (userName and e-mail are the
// invitation's address, which the invitee cannot change), marks the
// invitation accepted, and queues MailInvitationAccepted to the
// organisation's admin e-mails (none if it has none), all in one
// transaction with a history entry whose actor is the user. The user gets
// the invitation's role and organisation unit when it is approved.
//
// Invalid input gives *tilgang.Error values with Field firstName, lastName
// or phone, joined. The errors of Open apply, tilgang.ErrUserNameTaken
// when a user with the address came to be meanwhile, and tilgang.ErrStale
// (wrapped) when the write lost a race more than tilgang.StaleRetries times:
// nothing was written, and the caller may simply try again.
func (s *Service) Accept(ctx context.Context, token string, a Acceptance) (*tilgang.User, error) {
	// Each attempt reads again: the link may be used or revoked meanwhile.
	return tilgang.RetryStale(ctx, func() (*tilgang.User, error) {
		org, inv, err := s.linkOf(ctx, token)
		if err != nil {
			return nil, err
		}
		if err := linkState(inv); err != nil {
			return nil, err
		}
		u := invitee(inv, a)
		if err := s.users.NewInvitee(org, u); err != nil {
			return nil, err
		}
		now := s.now().UTC()
		next := *inv
		next.Status, next.AcceptedAt, next.UpdatedAt, next.UserID = tilgang.InvitationAccepted, now, now, u.ID
		c := tilgang.Change{
			Activity:  userActor.Activity("invitation.accepted", []string{"status"}),
			MaxAdmins: org.MaxAdmins,
		}
		if len(org.AdminEmails) > 0 {
			m := newMail(inv, tilgang.MailInvitationAccepted, org.Language)
			m.To = append([]string(nil), org.AdminEmails...)
			c.Mail = []tilgang.Mail{m}
		}
		if err := s.store.AcceptInvitation(ctx, inv, &next, u, c); err != nil {
			return nil, err
		}
		return u, nil
	})
}

// Check judges a, typed on the form of page's invitation, as Accept would,
// without accepting: nil, or *tilgang.Error values with Field firstName,
// lastName or phone, joined. The page shows them together with its own
// problems.
func (s *Service) Check(page Page, a Acceptance) error {
	return s.users.NewInvitee(page.Org, invitee(page.Invitation, a))
}

// invitee is the user that accepting inv with a creates: userName and
// e-mail are the invitation's address, which the invitee cannot change.
func invitee(inv *tilgang.Invitation, a Acceptance) *tilgang.User {
	return &tilgang.User{FirstName: a.FirstName, LastName: a.LastName, Phone: a.Phone, Email: inv.Email}
}

// Token returns the link token of inv's current link, for the path
// /invitations/{token}.
func (s *Service) Token(inv *tilgang.Invitation) (string, error) {
	t, err := s.links.Token(secret.Link{Kind: secret.LinkInvitation, OrgID: inv.OrgID, ID: inv.ID, Nonce: inv.LinkID})
	if err != nil {
		return "", fmt.Errorf("invitations: link of invitation %s: %w", inv.ID, err)
	}
	return t, nil
}

// linkOf reads the organisation and invitation that token names, with the
// invitation's status now. Every way a token can fail to name a current
// link looks the same to the caller, so a guessed token learns nothing.
func (s *Service) linkOf(ctx context.Context, token string) (*tilgang.Organisation, *tilgang.Invitation, error) {
	l, err := s.links.Parse(token)
	if err != nil || l.Kind != secret.LinkInvitation {
		return nil, nil, tilgang.ErrLinkUnknown
	}
	org, err := s.store.Organisation(ctx, l.OrgID)
	if errors.Is(err, tilgang.ErrOrgNotFound) {
		return nil, nil, tilgang.ErrLinkUnknown
	}
	if err != nil {
		return nil, nil, err
	}
	if org.Disabled() { // an operator disabled it: its links open nothing (SPEC §13)
		return nil, nil, tilgang.ErrLinkUnknown
	}
	inv, err := s.Get(ctx, org, l.ID)
	if errors.Is(err, tilgang.ErrInvitationNotFound) {
		return nil, nil, tilgang.ErrLinkUnknown
	}
	if err != nil {
		return nil, nil, err
	}
	if !hmac.Equal([]byte(inv.LinkID), []byte(l.Nonce)) {
		return nil, nil, tilgang.ErrLinkUnknown // a resend replaced this link
	}
	return org, inv, nil
}
