package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/validate"
)

// Recipient is whom a mail goes to and what it says.
type Recipient struct {
	To   []string
	Data Data
}

// Lookup finds the recipients and the data of the mail kinds that are not
// about a user's activation: invitations and what follows them. It may
// return Skip or Fail errors; any other error is retried. An empty To
// means the mail's own To.
type Lookup func(ctx context.Context, org *tilgang.Organisation, m tilgang.Mail) (Recipient, error)

// addresser finds a mail's recipients and data, reading users through
// users.
type addresser func(m *Mailer, ctx context.Context, users UserReader, org *tilgang.Organisation, mail tilgang.Mail) (Recipient, error)

// kinds says how to address each kind of mail; its templates are named
// after the kind. Adding the invitation look-ups is giving Config.Lookup.
var kinds = map[string]addresser{
	tilgang.MailActivation:         (*Mailer).activation,
	tilgang.MailActivationReminder: (*Mailer).activation,
	tilgang.MailInvitation:         (*Mailer).lookup,
	tilgang.MailInvitationAccepted: (*Mailer).lookup,
	tilgang.MailApprovalDone:       (*Mailer).lookup,
}

func kindNames() []string {
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	return names
}

// build reads what mail needs, users through users and its mail state from
// states (or the store, if states did not read it), and renders it.
func (m *Mailer) build(ctx context.Context, users UserReader, states mailStates, mail tilgang.Mail) ([]string, message, error) {
	address, ok := kinds[mail.Kind]
	if !ok {
		return nil, message{}, Fail("kind.unknown")
	}
	org, err := m.organisation(ctx, mail.OrgID)
	if errors.Is(err, tilgang.ErrOrgNotFound) {
		return nil, message{}, Skip("organisation.gone")
	}
	if err != nil {
		return nil, message{}, err
	}
	r, err := address(m, ctx, users, org, mail)
	if err != nil {
		return nil, message{}, err
	}
	if err := checkAddresses(r.To); err != nil {
		return nil, message{}, err
	}
	if err := m.checkMailState(ctx, states, mail, r.To); err != nil {
		return nil, message{}, err
	}
	r.Data.OrgName = org.Name
	msg, err := m.render.render(mail.Kind, language(mail, org), r.Data)
	if err != nil {
		return nil, message{}, &outcome{fail: true, reason: "template", err: err}
	}
	return r.To, msg, nil
}

// errUnsupported is the reason recorded for invitation mail while no
// Lookup is configured.
var errUnsupported = errors.New("mail: not supported yet: no look-up for this kind")

// activation addresses activation mail and its reminder to the user, with
// the link to the user's current activation.
func (m *Mailer) activation(ctx context.Context, users UserReader, org *tilgang.Organisation, mail tilgang.Mail) (Recipient, error) {
	if mail.UserID == "" {
		return Recipient{}, Fail("mail.no_user")
	}
	u, err := users.Get(ctx, org, mail.UserID)
	if errors.Is(err, tilgang.ErrUserNotFound) {
		return Recipient{}, Skip("user.gone")
	}
	if err != nil {
		return Recipient{}, fmt.Errorf("mail: read user %s: %w", mail.UserID, err)
	}
	switch {
	case u.Status != tilgang.StatusPendingActivation:
		return Recipient{}, Skip("user.not_pending_activation")
	case u.Activation == nil:
		return Recipient{}, Skip("activation.none")
	case !u.Activation.ExpiresAt.After(m.now()):
		return Recipient{}, Skip("activation.expired")
	}
	token, err := m.links.Token(secret.Link{Kind: secret.LinkActivation, OrgID: u.OrgID, ID: u.ID, Nonce: u.Activation.LinkID})
	if err != nil {
		return Recipient{}, Fail("link.invalid")
	}
	d := Data{
		RecipientName: strings.TrimSpace(u.FirstName + " " + u.LastName),
		Link:          m.baseURL + "/activate/" + token,
		Expires:       u.Activation.ExpiresAt,
	}
	switch {
	case u.Activation.CodeHash != "":
		d.Proof = ProofCode
	case !u.CPR.IsZero():
		d.Proof = ProofCPR
	}
	return Recipient{To: []string{u.Email}, Data: d}, nil
}

// lookup addresses the kinds that Config.Lookup serves.
func (m *Mailer) lookup(ctx context.Context, _ UserReader, org *tilgang.Organisation, mail tilgang.Mail) (Recipient, error) {
	if m.lookupFn == nil {
		return Recipient{}, &outcome{fail: true, reason: "kind.unsupported", err: errUnsupported}
	}
	r, err := m.lookupFn(ctx, org, mail)
	if err != nil {
		return Recipient{}, err
	}
	if len(r.To) == 0 {
		r.To = mail.To
	}
	return r, nil
}

// checkAddresses refuses a mail without a usable address before SES sees
// it: SES would refuse it too, and the item would be retried in vain.
func checkAddresses(to []string) error {
	if len(to) == 0 {
		return Fail("address.missing")
	}
	for _, a := range to {
		if _, err := validate.Email(a); err != nil {
			return Fail("address.invalid")
		}
	}
	return nil
}

// outcome is an error that ends an item's delivery for good: skipped (there
// is nothing to send any more) or failed (it can never be sent).
type outcome struct {
	fail   bool
	reason string // a stable code, stored on the item; never an address
	err    error  // the cause, if any, for the log
}

func (o *outcome) Error() string {
	verb := "skip"
	if o.fail {
		verb = "fail"
	}
	if o.err != nil {
		return fmt.Sprintf("mail: %s (%s): %v", verb, o.reason, o.err)
	}
	return fmt.Sprintf("mail: %s (%s)", verb, o.reason)
}

func (o *outcome) Unwrap() error { return o.err }

// Skip returns the error by which a Lookup says there is nothing to send
// any more (say, the invitation was revoked): the item is marked skipped
// for reason, a stable code such as "invitation.revoked".
func Skip(reason string) error { return &outcome{reason: reason} }

// Fail returns the error by which a Lookup says the mail can never be sent:
// the item is marked failed for reason, a stable code, and not retried.
func Fail(reason string) error { return &outcome{fail: true, reason: reason} }
