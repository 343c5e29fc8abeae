// Package invitations is the application logic of invitations (SPEC §8):
// a company-admin invites addresses to a role, the invitee accepts on the
// invitation page and becomes a user awaiting approval, and a
// company-admin approves or rejects. Every step is stored with its mail
// and history in one transaction (store/invitation.go).
package invitations

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// Service invites, and reads and moves invitations. Build it with New.
type Service struct {
	store    *store.Store
	users    *users.Service
	links    *secret.Links
	now      func() time.Time
	validity time.Duration
}

// New returns a service over st and the users service svc that makes
// links with links and reads the time from now. A deployment gives it the
// users service's link maker and clock, so that an invitation link and an
// activation link are made and judged alike.
func New(st *store.Store, svc *users.Service, links *secret.Links, now func() time.Time, opts ...Option) *Service {
	s := &Service{store: st, users: svc, links: links, now: now, validity: tilgang.InvitationValidity}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Option configures a Service.
type Option func(*Service)

// WithValidity sets how long a new or resent link stays valid
// (tilgang.InvitationValidity by default).
func WithValidity(d time.Duration) Option { return func(s *Service) { s.validity = d } }

// Get reads one invitation of org, with its status now. An id that is not
// a UUID, or one of another organisation, names no invitation.
func (s *Service) Get(ctx context.Context, org *tilgang.Organisation, id string) (*tilgang.Invitation, error) {
	parsed, err := uuid.Parse(id)
	if err != nil {
		return nil, tilgang.ErrInvitationNotFound
	}
	inv, err := s.store.Invitation(ctx, org.ID, parsed.String())
	if err != nil {
		return nil, err
	}
	inv.Status = inv.StatusAt(s.now())
	return inv, nil
}

// Query selects a page of invitations; see store.InvitationQuery.
type Query struct {
	Status tilgang.InvitationStatus // "" for all
	Limit  int
	Cursor string
}

// List reads a page of org's invitations, with their status now.
func (s *Service) List(ctx context.Context, org *tilgang.Organisation, q Query) (tilgang.InvitationPage, error) {
	if q.Status != "" && !validStatus(q.Status) {
		return tilgang.InvitationPage{}, tilgang.Invalid("status", "status.invalid", "unknown invitation status "+string(q.Status))
	}
	now := s.now()
	page, err := s.store.Invitations(ctx, org.ID, store.InvitationQuery{Status: q.Status, Now: now, Limit: q.Limit, Cursor: q.Cursor})
	if err != nil {
		return tilgang.InvitationPage{}, err
	}
	for _, inv := range page.Invitations {
		inv.Status = inv.StatusAt(now)
	}
	return page, nil
}

func validStatus(st tilgang.InvitationStatus) bool {
	for _, v := range tilgang.InvitationStatuses {
		if v == st {
			return true
		}
	}
	return false
}

// step reads org's invitation id and lets edit prepare the next version
// from a copy of it, with the time of the change; write stores it. When
// another change came first it reads again and edits anew, so that a step
// is judged on the invitation as stored. An edit that returns nil changes
// nothing.
func (s *Service) step(ctx context.Context, org *tilgang.Organisation, id string,
	edit func(old, next *tilgang.Invitation, now time.Time) (write func() error, err error)) (*tilgang.Invitation, error) {
	return tilgang.RetryStale(ctx, func() (*tilgang.Invitation, error) {
		old, err := s.Get(ctx, org, id)
		if err != nil {
			return nil, err
		}
		next := *old
		now := s.now().UTC()
		next.UpdatedAt = now
		write, err := edit(old, &next, now)
		if err != nil {
			return nil, err
		}
		if write == nil {
			return old, nil
		}
		if err := write(); err != nil {
			return nil, err
		}
		next.Status = next.StatusAt(now)
		return &next, nil
	})
}

// newMail is mail of kind about inv.
func newMail(inv *tilgang.Invitation, kind, language string) tilgang.Mail {
	id, _ := uuid.NewV7()
	return tilgang.Mail{ID: id.String(), OrgID: inv.OrgID, InvitationID: inv.ID, Kind: kind, Language: language}
}
