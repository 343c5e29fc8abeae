package invitations

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
	"github.com/tilgang/tilgang/internal/validate"
)

// Request is one invitation of many addresses, as ordinary users or to
// one admin role (SPEC §8).
type Request struct {
	Emails   []string
	Role     string // one of tilgang.AdminRoles, or "" for an ordinary user
	OrgUnit  string // the role's organisation unit, if any
	Language string // of the mail and page; "" is the organisation's
	// Inviter is who invites, as the mail and page name them: at most
	// maxInviterLength characters of text.
	Inviter string
	// Grantor holds the roles of who invites: inviting into a role needs
	// the authority to grant it (SPEC §14, users.MayGrant).
	Grantor []string
}

// Result is the outcome for one address of a Request.
type Result struct {
	Email      string              // as given
	Invitation *tilgang.Invitation // nil unless invited
	// Err is nil when the address was invited. A *tilgang.Error says why
	// not: email.format, invitation.duplicate, invitation.pending or
	// user.exists; anything else is a failure of the system, for the log.
	Err error
}

// Per-address errors of Invite besides the store's.
var (
	ErrEmailFormat = validate.ErrEmailFormat.At("email")
	ErrDuplicate   = &tilgang.Error{Kind: tilgang.KindInvalid, Code: "invitation.duplicate", Field: "email",
		Message: "the address appears earlier in the request"}
)

// maxInviterLength bounds the inviter's name that mail and page show.
const maxInviterLength = 100

// inviteWorkers bounds the invitations written at once by one request:
// 250 within an API Gateway timeout, without crowding out other writers.
const inviteWorkers = 8

// Invite invites each address of req to org, in request order. A request
// that breaks a rule of the whole (no or too many addresses, an unknown
// role or language) fails with *tilgang.Error values and writes nothing.
// Otherwise each address gets a Result: an invalid address, one that
// repeats an earlier one (case-insensitively), one with a pending
// invitation and one that is a user's userName are not invited; every
// other gets a pending invitation, stored with its invitation mail in one
// transaction.
func (s *Service) Invite(ctx context.Context, org *tilgang.Organisation, req Request) ([]Result, error) {
	req.Role, req.OrgUnit = strings.TrimSpace(req.Role), strings.TrimSpace(req.OrgUnit)
	req.Inviter = strings.TrimSpace(req.Inviter)
	if req.Language == "" {
		req.Language = org.Language
	}
	if err := checkRequest(req); err != nil {
		return nil, err
	}
	if req.Role != "" {
		if err := users.MayGrant(req.Grantor, tilgang.Role{Role: req.Role, OrgUnit: req.OrgUnit}); err != nil {
			return nil, err
		}
	}
	results := make([]Result, len(req.Emails))
	seen := make(map[string]bool, len(req.Emails))
	var todo []int
	for i, raw := range req.Emails {
		results[i].Email = raw
		email, err := validate.Email(raw)
		if err != nil {
			results[i].Err = ErrEmailFormat
			continue
		}
		folded := tilgang.FoldUserName(email)
		if seen[folded] {
			results[i].Err = ErrDuplicate
			continue
		}
		seen[folded] = true
		results[i].Invitation = &tilgang.Invitation{Email: email}
		todo = append(todo, i)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(inviteWorkers, len(todo)) {
		wg.Go(func() {
			for i := range next {
				results[i].Err = s.invite(ctx, org, req, results[i].Invitation)
				if results[i].Err != nil {
					results[i].Invitation = nil
				}
			}
		})
	}
	for _, i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()
	return results, nil
}

// invite stores inv, which holds its address, as a new pending invitation
// of req with its mail.
func (s *Service) invite(ctx context.Context, org *tilgang.Organisation, req Request, inv *tilgang.Invitation) error {
	now := s.now().UTC()
	inv.ID, inv.OrgID = uuid.NewString(), org.ID
	inv.Role, inv.OrgUnit, inv.Language, inv.InviterName = req.Role, req.OrgUnit, req.Language, req.Inviter
	inv.Status, inv.LinkID = tilgang.InvitationPending, secret.NewNonce()
	inv.CreatedAt, inv.ExpiresAt = now, s.expiry(now)
	// The mail names the invitation, not the address: the mailer reads it
	// from the invitation, so the outbox keeps no copy to erase (SPEC §14).
	m := newMail(inv, tilgang.MailInvitation, inv.Language)
	return s.store.CreateInvitation(ctx, inv, m)
}

// expiry is when a link issued at now expires: whole seconds, as the
// invitee guard keeps it.
func (s *Service) expiry(now time.Time) time.Time { return now.Add(s.validity).Truncate(time.Second) }

func checkRequest(req Request) error {
	var errs []error
	switch {
	case len(req.Emails) == 0:
		errs = append(errs, tilgang.Invalid("emails", "invitation.no_emails", "give at least one address"))
	case len(req.Emails) > tilgang.MaxInvitations:
		errs = append(errs, tilgang.Invalid("emails", "invitation.too_many",
			fmt.Sprintf("at most %d addresses can be invited at once", tilgang.MaxInvitations)))
	}
	switch {
	case req.Role == "" && req.OrgUnit != "":
		errs = append(errs, tilgang.Invalid("orgUnit", "field.invalid", "an organisation unit belongs to a role: give a role too, or no unit"))
	case req.Role != "" && !slices.Contains(tilgang.AdminRoles, req.Role):
		errs = append(errs, tilgang.Invalid("role", "role.invalid", "role must be one of "+strings.Join(tilgang.AdminRoles, ", ")+", or left out to invite an ordinary user"))
	}
	// The unit becomes the unit of the user's role on approval, so the
	// rulebook's limit on a role's unit holds.
	if limit := users.MaxLength("roles"); utf8.RuneCountInString(req.OrgUnit) > limit {
		errs = append(errs, tilgang.ErrTooLong.At("orgUnit").WithMessage(fmt.Sprintf("an organisation unit has at most %d characters", limit)))
	}
	if utf8.RuneCountInString(req.Inviter) > maxInviterLength {
		errs = append(errs, tilgang.Invalid("inviter", "field.invalid", fmt.Sprintf("the inviter's name is at most %d characters of text", maxInviterLength)))
	}
	if tilgang.HasControl(req.Inviter) {
		errs = append(errs, tilgang.ErrTextControl.At("inviter"))
	}
	if tilgang.HasControl(req.OrgUnit) {
		errs = append(errs, tilgang.ErrTextControl.At("orgUnit"))
	}
	if !slices.Contains(tilgang.Languages, req.Language) {
		errs = append(errs, tilgang.Invalid("language", "language.invalid", "language must be one of "+strings.Join(tilgang.Languages, ", ")))
	}
	return errors.Join(errs...)
}
