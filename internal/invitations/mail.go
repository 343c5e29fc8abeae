package invitations

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// MailData is what the mailer needs to address and render a mail of the
// invitation kinds.
type MailData struct {
	To         []string // the recipients
	Org        *tilgang.Organisation
	Invitation *tilgang.Invitation
	// Path is the page of the invitation link, "/invitations/{token}",
	// below the public base URL; set for MailInvitation only.
	Path    string
	Expires time.Time // when the link stops working; MailInvitation only
	// ConsolePage is the console page the mail links to, below the
	// console's address: the invitation's page for the admins
	// (MailInvitationAccepted), the console's start for an approved
	// administrator; "" for an approved ordinary user, who has nothing to
	// do there.
	ConsolePage string
	// InviterName, Role and OrgUnit are the invitation's.
	InviterName, Role, OrgUnit string
	// PersonName is the user's name: who accepted (MailInvitationAccepted)
	// or who is approved (MailApprovalDone).
	PersonName string
}

// Reasons why a mail is not sent any more; MailData returns them as
// *tilgang.Error of KindGone, with the reason as Code.
var (
	errRevoked     = gone("invitation.revoked", "the invitation was revoked")
	errExpired     = gone("invitation.expired", "the invitation has expired")
	errUsed        = gone("invitation.used", "the invitation has been accepted")
	errNotApproved = gone("invitation.not_approved", "the invitation is not approved")
	errGone        = gone("invitation.gone", "the invitation does not exist")
	errUserGone    = gone("user.gone", "the user does not exist")
	errNoAdmins    = gone("organisation.no_admin_emails", "the organisation has no admin e-mails")
)

func gone(code, message string) *tilgang.Error {
	return &tilgang.Error{Kind: tilgang.KindGone, Code: code, Message: message}
}

// ErrMailKind means MailData was asked about a kind it does not serve; such
// a mail can never be sent.
var ErrMailKind = &tilgang.Error{Kind: tilgang.KindInvalid, Code: "mail.kind_unsupported",
	Message: "not a mail of an invitation kind"}

// MailData returns what the mailer needs to render m, a mail of kind
// MailInvitation (to the invitee, with the link), MailInvitationAccepted
// (to the admin e-mails the mail names, or the organisation's current
// ones) or MailApprovalDone (to the approved user).
//
// A *tilgang.Error of KindGone means there is nothing to send any more
// (the invitation was revoked, has expired or moved on, or its user is
// gone); its Code is the reason to record. ErrMailKind means it can never
// be sent. Any other error is worth a retry.
func (s *Service) MailData(ctx context.Context, m tilgang.Mail) (MailData, error) {
	org, err := s.store.Organisation(ctx, m.OrgID)
	if errors.Is(err, tilgang.ErrOrgNotFound) {
		return MailData{}, gone("organisation.gone", "the organisation does not exist")
	}
	if err != nil {
		return MailData{}, fmt.Errorf("invitations: mail %s: %w", m.ID, err)
	}
	inv, err := s.Get(ctx, org, m.InvitationID)
	if errors.Is(err, tilgang.ErrInvitationNotFound) {
		return MailData{}, errGone
	}
	if err != nil {
		return MailData{}, fmt.Errorf("invitations: mail %s: %w", m.ID, err)
	}
	d := MailData{To: m.To, Org: org, Invitation: inv, InviterName: inv.InviterName, Role: inv.Role, OrgUnit: inv.OrgUnit}
	switch m.Kind {
	case tilgang.MailInvitation:
		switch inv.Status {
		case tilgang.InvitationPending:
		case tilgang.InvitationRevoked:
			return MailData{}, errRevoked
		case tilgang.InvitationExpired:
			return MailData{}, errExpired
		default:
			return MailData{}, errUsed
		}
		token, err := s.Token(inv)
		if err != nil {
			return MailData{}, err
		}
		d.Path, d.Expires = "/invitations/"+token, inv.ExpiresAt
		if len(d.To) == 0 {
			d.To = []string{inv.Email}
		}
		return d, nil
	case tilgang.MailInvitationAccepted:
		if len(d.To) == 0 {
			d.To = org.AdminEmails
		}
		if len(d.To) == 0 {
			return MailData{}, errNoAdmins
		}
		d.ConsolePage = "/invitations/" + inv.ID
		return s.withUser(ctx, org, inv, d, false)
	case tilgang.MailApprovalDone:
		if inv.Status != tilgang.InvitationApproved {
			return MailData{}, errNotApproved
		}
		if inv.Role != "" {
			d.ConsolePage = "/"
		}
		return s.withUser(ctx, org, inv, d, true)
	}
	return MailData{}, ErrMailKind
}

// withUser adds the name of inv's user to d, and makes the user the
// recipient if to.
func (s *Service) withUser(ctx context.Context, org *tilgang.Organisation, inv *tilgang.Invitation, d MailData, to bool) (MailData, error) {
	u, err := s.users.Get(ctx, org, inv.UserID)
	if errors.Is(err, tilgang.ErrUserNotFound) {
		return MailData{}, errUserGone
	}
	if err != nil {
		return MailData{}, fmt.Errorf("invitations: read user %s: %w", inv.UserID, err)
	}
	d.PersonName = strings.TrimSpace(u.FirstName + " " + u.LastName)
	if to {
		d.To = []string{u.Email}
	}
	return d, nil
}
