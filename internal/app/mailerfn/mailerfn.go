// Package mailerfn wires the mailer function (functions/mailer).
package mailerfn

import (
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"golang.org/x/time/rate"

	"github.com/tilgang/tilgang/internal/app/core"
	"github.com/tilgang/tilgang/internal/app/sesops"
	"github.com/tilgang/tilgang/internal/keys"
	"github.com/tilgang/tilgang/internal/mail"
)

// Keys are the keys the mailer uses, out of all: the link key makes the
// links (config.Functions names the same).
func Keys(all keys.Set) keys.Set { return keys.Set{LinkKey: all.LinkKey} }

// Handler handles stream batches of outbox items.
func Handler(a *core.App) *mail.Mailer {
	p := a.MustParts(Keys(a.Keys))
	return mail.New(sesops.SendEmail(sesv2.NewFromConfig(a.AWS).SendEmail), a.Store, p.Users, p.Links, mail.Config{
		From: a.Config.MailFrom, ConfigurationSet: a.Config.MailConfigurationSet,
		BaseURL: a.Config.PublicBaseURL, Rate: rate.Limit(a.Config.MailRate),
		Lookup: InvitationMail(p.Invitations, a.Config.PublicBaseURL, a.ConsoleBaseURL()),
	}, a.Log)
}
