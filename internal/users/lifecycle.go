package users

import (
	"context"
	"errors"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// The admin's steps of a user's life cycle (SPEC §4, §10): send or resend
// activation, a new temporary code, deactivation windows and reactivation.
// Each reads the user, checks the step against the status rules
// (status.go) and stores the change with its history entry and mail in one
// conditional write, reading again if another change came first.

// Sent is the result of a step that issues an activation.
type Sent struct {
	User *tilgang.User
	// ActivationCode is the new temporary code of a date-of-birth user,
	// shown once to the admin and never stored in the clear.
	ActivationCode string
}

// ErrNoCode refuses a temporary code to a user who is not known by date of
// birth alone: such users activate with their CPR number or the link.
var ErrNoCode = &tilgang.Error{Kind: tilgang.KindState, Code: "activation.no_code",
	Message: "only users known by date of birth alone activate with a temporary code"}

// ErrIndividualOnly refuses a date-of-birth user in a bulk activation: the
// temporary code must go to the admin one user at a time, as in the seeds.
var ErrIndividualOnly = &tilgang.Error{Kind: tilgang.KindState, Code: "activation.individual_only",
	Message: "a user known by date of birth must be activated individually, to get a temporary code"}

// ErrNoEmail refuses to send activation to a user without an e-mail
// address, as an identity provider may create one (SCIMProfile): its
// activation mail goes when it gets an address.
var ErrNoEmail = &tilgang.Error{Kind: tilgang.KindState, Code: "activation.no_email", Field: "email",
	Message: "the user has no e-mail address to send the activation to"}

// SendActivation sends, or sends again, the activation of org's user id: a
// new link (killing the old one), a new code for a date-of-birth user, and
// the activation mail, or the reminder if activation was sent before. It is
// allowed from imported and pending_activation.
func (s *Service) SendActivation(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, id string) (Sent, error) {
	return s.issueActivation(ctx, actor, org, id, issueSend)
}

// NewActivationCode gives org's date-of-birth user id a new temporary code
// and a new link, which kill the old ones, and mails the new link.
func (s *Service) NewActivationCode(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, id string) (Sent, error) {
	return s.issueActivation(ctx, actor, org, id, issueCode)
}

// Ways of issuing an activation.
const (
	issueSend = iota // SendActivation
	issueCode        // NewActivationCode
	issueBulk        // BulkActivate: as issueSend, but not for date-of-birth users
)

func (s *Service) issueActivation(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, id string, how int) (Sent, error) {
	var code string
	u, err := s.change(ctx, org, id, func(old, u *tilgang.User) (tilgang.Change, error) {
		byBirthDate := knownByBirthDate(old)
		switch {
		case how == issueCode && !byBirthDate:
			return tilgang.Change{}, ErrNoCode
		case how == issueBulk && byBirthDate:
			return tilgang.Change{}, ErrIndividualOnly
		case old.Email == "":
			return tilgang.Change{}, ErrNoEmail
		}
		if err := Transition(old.Status, tilgang.StatusPendingActivation); err != nil {
			return tilgang.Change{}, err
		}
		kind, action := tilgang.MailActivationReminder, "activation.resent"
		if old.Status == tilgang.StatusImported {
			kind, action = tilgang.MailActivation, "activation.sent"
		}
		if how == issueCode {
			action = "activation.code_renewed"
		}
		var err error
		if code, err = s.startActivation(u, s.now()); err != nil {
			return tilgang.Change{}, err
		}
		fields := []string{"activation"}
		if old.Status != u.Status {
			fields = append(fields, "status")
		}
		return tilgang.Change{Activity: activity(actor, action, fields), Mail: []tilgang.Mail{mailTo(org, u, kind)}}, nil
	})
	if err != nil {
		return Sent{}, err
	}
	return Sent{User: u, ActivationCode: code}, nil
}

// mailTo is mail of kind to u in org's language.
func mailTo(org *tilgang.Organisation, u *tilgang.User, kind string) tilgang.Mail {
	m := activationMail(org, u)
	m.Kind = kind
	return m
}

// DeactivateUser gives org's user id the deactivation window w (SPEC §4):
// dates YYYY-MM-DD in Europe/Copenhagen, both inclusive; an empty From is
// today, an empty To leaves the window open. A window from today
// deactivates at once; a later one waits for the scheduler.
func (s *Service) DeactivateUser(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, id string, w tilgang.Deactivation) (*tilgang.User, error) {
	today := tilgang.Today(s.now())
	if w.From == "" {
		w.From = today
	}
	if err := errors.Join(checkDate("from", w.From), checkDate("to", w.To)); err != nil {
		return nil, err
	}
	return s.change(ctx, org, id, func(old, u *tilgang.User) (tilgang.Change, error) {
		if err := ScheduleDeactivation(u, w, today); err != nil {
			return tilgang.Change{}, err
		}
		if u.Status == old.Status && old.Deactivation != nil && *old.Deactivation == *u.Deactivation {
			return tilgang.Change{}, nil // the same request again
		}
		fields := []string{"deactivation"}
		action := "deactivation.scheduled"
		if u.Status != old.Status {
			fields, action = append(fields, "status"), ActionDeactivated
		}
		return tilgang.Change{Activity: activity(actor, action, fields)}, nil
	})
}

// ReactivateUser ends the deactivation of org's user id at once, or
// withdraws a window that has not started.
func (s *Service) ReactivateUser(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, id string) (*tilgang.User, error) {
	return s.change(ctx, org, id, func(old, u *tilgang.User) (tilgang.Change, error) {
		if err := EndDeactivation(u); err != nil {
			return tilgang.Change{}, err
		}
		if u.Status != old.Status {
			return tilgang.Change{Activity: activity(actor, ActionReactivated, []string{"deactivation", "status"})}, nil
		}
		return tilgang.Change{Activity: activity(actor, "deactivation.withdrawn", []string{"deactivation"})}, nil
	})
}

// checkDate checks that a window date is a real date written YYYY-MM-DD;
// "" passes.
func checkDate(field, v string) error {
	if v == "" {
		return nil
	}
	if t, err := time.Parse(time.DateOnly, v); err != nil || t.Format(time.DateOnly) != v {
		return tilgang.Invalid(field, "date.invalid", "not a date written YYYY-MM-DD")
	}
	return nil
}

// change reads org's user id, lets edit change a copy and say what the
// change is (none: nothing changes), and stores it conditionally on the
// version read. When another change came first it reads again and edits
// anew, so that a step is judged on the user as stored.
func (s *Service) change(ctx context.Context, org *tilgang.Organisation, id string, edit func(old, u *tilgang.User) (tilgang.Change, error)) (*tilgang.User, error) {
	return tilgang.RetryStale(ctx, func() (*tilgang.User, error) {
		old, err := s.Get(ctx, org, id)
		if err != nil {
			return nil, err
		}
		u := old.Clone()
		c, err := edit(old, u)
		if err != nil {
			return nil, err
		}
		if c.Activity.Action == "" {
			return old, nil // nothing changes
		}
		if err := s.store.UpdateUser(ctx, old, u, c); err != nil {
			return nil, err
		}
		return u, nil
	})
}
