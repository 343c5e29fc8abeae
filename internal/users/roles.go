package users

import (
	"context"
	"slices"
	"strings"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Actions of the roles that group membership gives (SPEC §5, groupRoles),
// as history records them, each with the field "roles" and no values.
const (
	ActionRoleGranted = "role.granted"
	ActionRoleRevoked = "role.revoked"
	// ActionRoleRefused records a role that membership would have given
	// and the licence (maxAdmins) or the rules refused: the membership
	// holds, the user does not get the role.
	ActionRoleRefused = "role.refused"
)

// GrantRoles gives org's user userID those of roles it lacks, as one
// update with a history entry (ActionRoleGranted); a user that holds them
// all is not written. It reads the user and retries on a stale version.
//
// Errors: tilgang.ErrUserNotFound; tilgang.ErrMaxAdmins when the user
// would become an admin beyond the organisation's licence;
// tilgang.ErrAnonymousAdmin for an admin role of an anonymous user. Then
// nothing is written.
func (s *Service) GrantRoles(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, userID string, roles []tilgang.Role) error {
	roles = cleanRoles(roles)
	_, err := s.change(ctx, org, userID, func(old, u *tilgang.User) (tilgang.Change, error) {
		for _, r := range roles {
			if !slices.Contains(u.Roles, r) {
				u.Roles = append(u.Roles, r)
			}
		}
		if len(u.Roles) == len(old.Roles) {
			return tilgang.Change{}, nil
		}
		if err := anonymousAdmin(u); err != nil {
			return tilgang.Change{}, err
		}
		return tilgang.Change{Activity: activity(actor, ActionRoleGranted, []string{"roles"}), MaxAdmins: org.MaxAdmins}, nil
	})
	return err
}

// RevokeRoles takes roles from org's user userID, as one update with a
// history entry (ActionRoleRevoked); a user that holds none of them is not
// written.
//
// Errors: tilgang.ErrUserNotFound.
func (s *Service) RevokeRoles(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, userID string, roles []tilgang.Role) error {
	roles = cleanRoles(roles)
	_, err := s.change(ctx, org, userID, func(old, u *tilgang.User) (tilgang.Change, error) {
		u.Roles = slices.DeleteFunc(u.Roles, func(r tilgang.Role) bool { return slices.Contains(roles, r) })
		if len(u.Roles) == len(old.Roles) {
			return tilgang.Change{}, nil
		}
		return tilgang.Change{Activity: activity(actor, ActionRoleRevoked, []string{"roles"})}, nil
	})
	return err
}

// RecordRoleRefused adds an entry to the history of org's user userID
// that a role was refused (ActionRoleRefused), without changing the user,
// so that administrators see why a group member lacks a role.
func (s *Service) RecordRoleRefused(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, userID string) error {
	return s.store.AddActivity(ctx, org.ID, userID, activity(actor, ActionRoleRefused, []string{"roles"}))
}

// cleanRoles brings roles to the form the rulebook stores (trimmed) and
// leaves out those without a name.
func cleanRoles(roles []tilgang.Role) []tilgang.Role {
	out := make([]tilgang.Role, 0, len(roles))
	for _, r := range roles {
		r.Role, r.OrgUnit = strings.TrimSpace(r.Role), strings.TrimSpace(r.OrgUnit)
		if r.Role != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}
