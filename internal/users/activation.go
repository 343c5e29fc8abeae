package users

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"time"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// ActivationPage is what an activation link opens.
type ActivationPage struct {
	Org  *tilgang.Organisation
	User *tilgang.User
	// Method is what the page asks for: AskCPR, AskCode or AskNothing.
	Method       string
	ExpiresAt    time.Time
	AttemptsLeft int
}

// What an activation page asks for as the identity check (SPEC §4).
const (
	AskCPR     = "cpr"  // users with a CPR number type it
	AskCode    = "code" // date-of-birth users type their temporary code
	AskNothing = "link" // users with neither (SCIM-created): the link alone
)

// ErrWrongAnswer is CompleteActivation's answer to a wrong CPR number or
// code. The wrong answer is counted; the MaxActivationAttempts-th one is
// still answered with ErrWrongAnswer, and locks the link: every later
// OpenActivation or CompleteActivation returns tilgang.ErrLinkLocked.
var ErrWrongAnswer = &tilgang.Error{Kind: tilgang.KindInvalid, Code: "activation.wrong_answer",
	Message: "the answer does not match"}

// ErrLinkSuspended answers the link of a user whom an admin deactivated
// while its activation was outstanding. The link is neither used nor dead:
// it works again once the user is reactivated, so the page says what the
// user can do about it (ask the administrator) rather than "used".
var ErrLinkSuspended = &tilgang.Error{Kind: tilgang.KindGone, Code: "link.suspended",
	Message: "the user is deactivated; the link works again when the user is reactivated"}

// userActor is the user acting on their own activation page.
var userActor = tilgang.Actor{Name: "the user", Source: "web", By: tilgang.By{Kind: tilgang.ActorUser}}

// OpenActivation reads what token opens and changes nothing: mail scanners
// fetch links before people do.
//
// Errors: tilgang.ErrLinkUnknown (a token not made by us, an organisation or
// user that does not exist, or a link that a newer one replaced),
// ErrLinkSuspended (the user was deactivated before it activated),
// tilgang.ErrLinkUsed (the user is no longer pending activation),
// tilgang.ErrLinkLocked, tilgang.ErrLinkExpired.
func (s *Service) OpenActivation(ctx context.Context, token string) (ActivationPage, error) {
	org, u, err := s.activationOf(ctx, token)
	if err != nil {
		return ActivationPage{}, err
	}
	if err := activationState(u, s.now()); err != nil {
		return ActivationPage{}, err
	}
	return ActivationPage{
		Org: org, User: u, Method: askFor(u),
		ExpiresAt:    u.Activation.ExpiresAt,
		AttemptsLeft: tilgang.MaxActivationAttempts - u.Activation.FailedAttempts,
	}, nil
}

// CompleteActivation checks answer (the CPR number for AskCPR, the
// temporary code for AskCode, nothing for AskNothing) and makes the user
// active, clearing its activation, in one conditional write with a history
// entry whose actor is the user.
//
// A wrong answer is counted in a conditional write of its own and returns
// ErrWrongAnswer; see there for the lock. The errors of OpenActivation
// apply too, and tilgang.ErrStale (wrapped) when the write lost a race with
// another change of the user more than tilgang.StaleRetries times, as many
// parallel posts of one link do: nothing was written, and the caller may
// simply try again.
func (s *Service) CompleteActivation(ctx context.Context, token, answer string) (*tilgang.User, error) {
	// Each attempt reads again: the link may be used or locked meanwhile.
	return tilgang.RetryStale(ctx, func() (*tilgang.User, error) {
		org, u, err := s.activationOf(ctx, token)
		if err != nil {
			return nil, err
		}
		if err := activationState(u, s.now()); err != nil {
			return nil, err
		}
		next := u.Clone()
		var change tilgang.Change
		right := s.answerMatches(org, u, answer)
		if right {
			if err := Transition(u.Status, tilgang.StatusActive); err != nil {
				return nil, err
			}
			next.Status, next.Activation = tilgang.StatusActive, nil
			change.Activity = activity(userActor, "user.activated", []string{"status"})
		} else {
			next.Activation.FailedAttempts++
			action := "activation.failed"
			if next.Activation.FailedAttempts >= tilgang.MaxActivationAttempts {
				action = "activation.locked"
			}
			change.Activity = activity(userActor, action, nil)
		}
		if err := s.store.UpdateUser(ctx, u, next, change); err != nil {
			return nil, err
		}
		if !right {
			return nil, ErrWrongAnswer
		}
		return next, nil
	})
}

// ActivationToken returns the token of the link to u's current activation,
// for the path /activate/{token}, or "" if u has no activation.
func (s *Service) ActivationToken(u *tilgang.User) (string, error) {
	if u.Activation == nil {
		return "", nil
	}
	t, err := s.links.Token(secret.Link{Kind: secret.LinkActivation, OrgID: u.OrgID, ID: u.ID, Nonce: u.Activation.LinkID})
	if err != nil {
		return "", fmt.Errorf("users: activation link of user %s: %w", u.ID, err)
	}
	return t, nil
}

// activationOf reads the organisation and user that token names. Every way
// a token can fail to name a current link looks the same to the caller, so
// a guessed token learns nothing.
func (s *Service) activationOf(ctx context.Context, token string) (*tilgang.Organisation, *tilgang.User, error) {
	l, err := s.links.Parse(token)
	if err != nil || l.Kind != secret.LinkActivation {
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
	u, err := s.store.User(ctx, l.OrgID, l.ID)
	if errors.Is(err, tilgang.ErrUserNotFound) {
		return nil, nil, tilgang.ErrLinkUnknown
	}
	if err != nil {
		return nil, nil, err
	}
	if u.Activation != nil && !hmac.Equal([]byte(u.Activation.LinkID), []byte(l.Nonce)) {
		return nil, nil, tilgang.ErrLinkUnknown // a newer link replaced this one
	}
	return org, u, nil
}

// activationState says why u's activation cannot be completed at now, or
// nil if it can. Expiry is checked here, not left to TTL or the scheduler.
// A deactivated user keeps its activation (Reactivate returns it to
// pending_activation), so its link is suspended, not used.
func activationState(u *tilgang.User, now time.Time) error {
	a := u.Activation
	switch {
	case a != nil && u.Status == tilgang.StatusDeactivated:
		return ErrLinkSuspended
	case a == nil || u.Status != tilgang.StatusPendingActivation:
		return tilgang.ErrLinkUsed
	case a.FailedAttempts >= tilgang.MaxActivationAttempts:
		return tilgang.ErrLinkLocked
	case !now.Before(a.ExpiresAt):
		return tilgang.ErrLinkExpired
	}
	return nil
}

// askFor says what u's activation page asks for. A date-of-birth user is
// asked for a code even when none is held (the scheduler drops the code of
// an expired activation), so that no such user activates by the link alone.
func askFor(u *tilgang.User) string {
	switch {
	case !u.CPR.IsZero():
		return AskCPR
	case u.DateOfBirth != "" || u.Activation.CodeHash != "":
		return AskCode
	}
	return AskNothing
}

// answerMatches compares in constant time. A CPR answer that does not parse
// is simply wrong: the page learns nothing about the number's form.
func (s *Service) answerMatches(org *tilgang.Organisation, u *tilgang.User, answer string) bool {
	switch askFor(u) {
	case AskCPR:
		n, err := cpr.Parse(answer)
		if err != nil {
			return false
		}
		return hmac.Equal([]byte(s.vault.Lookup(org.ID, n)), []byte(u.CPR.Lookup))
	case AskCode:
		return u.Activation.CodeHash != "" && s.codes.Match(u.ID, answer, u.Activation.CodeHash)
	}
	return true
}
