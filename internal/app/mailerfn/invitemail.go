package mailerfn

import (
	"context"
	"errors"
	"strings"

	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/mail"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// InvitationMail is the mailer's look-up for the mail that invitations
// cause (the invitation, its acceptance to the admins, the approval): the
// invitations service knows the recipients and the link; baseURL makes the
// invitee's link absolute, consoleURL (ending in "/") the administrators'.
func InvitationMail(svc *invitations.Service, baseURL, consoleURL string) mail.Lookup {
	return func(ctx context.Context, _ *tilgang.Organisation, m tilgang.Mail) (mail.Recipient, error) {
		d, err := svc.MailData(ctx, m)
		var gone *tilgang.Error
		switch {
		case errors.Is(err, invitations.ErrMailKind):
			return mail.Recipient{}, mail.Fail(invitations.ErrMailKind.Code)
		case errors.As(err, &gone) && gone.Kind == tilgang.KindGone:
			// Revoked, expired, used or the user gone: nothing to send.
			return mail.Recipient{}, mail.Skip(gone.Code)
		case err != nil:
			return mail.Recipient{}, err // retried
		}
		data := mail.Data{OrgName: d.Org.Name, Expires: d.Expires, InviterName: d.InviterName, Role: d.Role, PersonName: d.PersonName}
		if m.Kind == tilgang.MailApprovalDone {
			data.RecipientName = d.PersonName
		}
		switch {
		case d.Path != "":
			data.Link = baseURL + d.Path
		case d.ConsolePage != "":
			data.Link = consoleURL + strings.TrimPrefix(d.ConsolePage, "/")
		}
		return mail.Recipient{To: d.To, Data: data}, nil
	}
}
