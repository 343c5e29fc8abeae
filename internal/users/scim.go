package users

import (
	"context"
	"unicode/utf8"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// SCIM adapts the service to what the SCIM layer needs of user storage
// (scim.Users), with SCIMProfile: an identity provider need send only a
// userName.
type SCIM struct {
	svc *Service
}

// SCIM returns the service's adapter for the SCIM layer.
func (s *Service) SCIM() *SCIM { return &SCIM{svc: s} }

// Create creates a user and starts its activation, as SPEC §4 says for
// users created by an identity provider (the mail waits for an e-mail
// address); active=false creates it deactivated from today, without mail.
// A user known by date of birth alone is created imported, without mail:
// its activation asks for a temporary code, which only an administrator
// can be given (NewRequest.NoCode).
func (a *SCIM) Create(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, u *tilgang.User, cprNumber string, active *bool) (*tilgang.User, error) {
	keepAuthority(u, &tilgang.User{})
	req := NewRequest{User: u, CPR: cprNumber, Profile: SCIMProfile, Activate: true, NoCode: true}
	if active != nil && !*active {
		req.Deactivated = &tilgang.Deactivation{From: tilgang.Today(a.svc.now())}
	}
	created, err := a.svc.Create(ctx, actor, org, req)
	if err != nil {
		return nil, err
	}
	return created.User, nil
}

// Get reads one user.
func (a *SCIM) Get(ctx context.Context, org *tilgang.Organisation, id string) (*tilgang.User, error) {
	return a.svc.Get(ctx, org, id)
}

// ByUserName finds a user by userName, case-insensitively, with key look-ups.
func (a *SCIM) ByUserName(ctx context.Context, org *tilgang.Organisation, userName string) (*tilgang.User, error) {
	if utf8.RuneCountInString(userName) > maxNameLength {
		return nil, tilgang.ErrUserNotFound // no stored name is that long, and the key would be too long for DynamoDB
	}
	u, err := a.svc.store.UserByUserName(ctx, org.ID, userName)
	a.svc.noteUnreadable(ctx, err)
	return u, err
}

// ByExternalID finds a user by externalId with key look-ups.
func (a *SCIM) ByExternalID(ctx context.Context, org *tilgang.Organisation, externalID string) (*tilgang.User, error) {
	if utf8.RuneCountInString(externalID) > maxNameLength {
		return nil, tilgang.ErrUserNotFound
	}
	u, err := a.svc.store.UserByExternalID(ctx, org.ID, externalID)
	a.svc.noteUnreadable(ctx, err)
	return u, err
}

// Replace stores u as the new state of old. active=false starts an
// open-ended deactivation from today, active=true ends one (SPEC §4). A
// CPR number may be given once; changing it is refused.
func (a *SCIM) Replace(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, old, u *tilgang.User, cprNumber string, active *bool) error {
	u.Status, u.StatusBeforeDeactivation, u.Deactivation = old.Status, old.StatusBeforeDeactivation, old.Deactivation
	switch {
	case active == nil:
	case !*active && old.Status != tilgang.StatusDeactivated:
		Deactivate(u, tilgang.Deactivation{From: tilgang.Today(a.svc.now())})
	case *active:
		Reactivate(u)
	}
	u.Activation = old.Activation
	keepAuthority(u, old)
	return a.svc.update(ctx, actor, org, old, u, cprNumber, SCIMProfile, nil)
}

// Delete erases a user.
func (a *SCIM) Delete(ctx context.Context, actor tilgang.Actor, u *tilgang.User) error {
	return a.svc.Delete(ctx, actor, u)
}

// Page returns up to limit users in userName order after cursor; with
// statuses, only users holding one of them (one index read per status).
func (a *SCIM) Page(ctx context.Context, org *tilgang.Organisation, statuses []tilgang.Status, cursor string, limit int) ([]*tilgang.User, string, error) {
	// A user whose record cannot be read is left out (a SCIM resource
	// without its attributes is no resource) and logged; the rest of the
	// list answers (SPEC §14).
	var (
		page tilgang.UserPage
		err  error
	)
	if statuses == nil {
		page, err = a.svc.store.Users(ctx, org.ID, tilgang.UserQuery{Cursor: cursor, Limit: limit})
	} else {
		page, err = a.svc.store.UsersInStatuses(ctx, org.ID, statuses, cursor, limit)
	}
	a.svc.logUnreadable(ctx, org, page.Unreadable)
	return page.Users, page.NextCursor, err
}

// Count counts the organisation's users, or with statuses those holding
// one of them, from the user counters.
func (a *SCIM) Count(ctx context.Context, org *tilgang.Organisation, statuses []tilgang.Status) (int, error) {
	if statuses == nil {
		return a.svc.store.CountUsers(ctx, org.ID)
	}
	c, err := a.svc.store.UserCounts(ctx, org.ID)
	n := 0
	for _, st := range statuses {
		n += c.ByStatus[st]
	}
	return n, err
}

// CursorAfter returns the Page cursor that continues right after u.
func (a *SCIM) CursorAfter(u *tilgang.User) string { return store.CursorAfter(u) }

// keepAuthority gives u the roles, rights, signing and seal profiles of
// old, whatever an identity provider sent: a SCIM token holds no role
// authority (SPEC §14, MayChange) and grants roles only through the
// organisation's groupRoles (GrantRoles).
func keepAuthority(u, old *tilgang.User) {
	u.Roles, u.Rights, u.CanSign, u.SealProfiles = old.Roles, old.Rights, old.CanSign, old.SealProfiles
}
