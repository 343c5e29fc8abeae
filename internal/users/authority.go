package users

import (
	"errors"
	"slices"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Role authority (SPEC §14): what a credential holding some admin roles
// may grant and change. This is the one place that says it; the admin
// API, invitations and the console ask it before they store a change.
//
//   - company-admin grants and removes every role, admin roles included,
//     and is the only one that may change or delete a user who holds an
//     admin role (beyond rights), since whoever changes an
//     administrator's e-mail address can take over the account;
//   - rights-admin changes rights, canSign and sealProfiles, nothing else;
//   - user-admin changes every other field and grants roles that are no
//     admin roles, but no admin role.
//
// Removing a role needs the same authority as granting it. A credential
// holds the union of its roles' authority. SCIM clients and CSV files
// hold none of it: they never change roles, rights or signing (SCIM
// grants roles only through groupRoles, which a company-admin sets).

// MayChange reports whether an actor holding roles may turn old into u,
// or create u when old is nil. Roles are compared in the form the
// rulebook stores (trimmed), so " company-admin " is an admin role here
// too. It returns nil or one of the tilgang authority errors, joined when the
// change needs several roles the actor lacks.
func MayChange(roles []string, old, u *tilgang.User) error {
	if old == nil {
		old = &tilgang.User{}
	}
	var errs []error
	var profile bool
	for _, f := range changedFields(old, u) {
		switch f {
		case "roles":
		case "rights", "canSign", "sealProfiles":
			if !slices.Contains(roles, tilgang.RoleRightsAdmin) {
				errs = appendOnce(errs, tilgang.ErrRightsAuthority.At(f))
			}
		default:
			profile = true
		}
	}
	if profile && !slices.Contains(roles, tilgang.RoleUserAdmin) {
		errs = append(errs, tilgang.ErrUserAuthority)
	}
	if profile && old.IsAdmin() && !slices.Contains(roles, tilgang.RoleCompanyAdmin) {
		errs = append(errs, tilgang.ErrAdminUserAuthority)
	}
	if err := mayChangeRoles(roles, old.Roles, u.Roles); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// MayGrant reports whether an actor holding roles may give a user the
// roles granted, as an invitation to a role and its approval do.
func MayGrant(roles []string, granted ...tilgang.Role) error {
	return mayChangeRoles(roles, nil, granted)
}

// MayManage reports whether an actor holding roles may delete,
// deactivate, reactivate or start the activation of u. Each takes away or
// gives back what u's roles allow (deleting and deactivating remove every
// role u holds; a new activation code is handed to the caller), so a
// user-admin may not do it to an administrator. A user whose stored roles
// could not be read (tilgang.UnreadableUser) may be one.
func MayManage(roles []string, u *tilgang.User) error {
	if !slices.Contains(roles, tilgang.RoleUserAdmin) {
		return tilgang.ErrUserAuthority
	}
	if (u.IsAdmin() || slices.Contains(u.Unreadable, "roles")) && !slices.Contains(roles, tilgang.RoleCompanyAdmin) {
		return tilgang.ErrAdminUserAuthority
	}
	return nil
}

// mayChangeRoles checks the roles that differ between before and after,
// whichever way: admin roles need company-admin, other roles user-admin
// (or company-admin, who grants any role).
func mayChangeRoles(roles []string, before, after []tilgang.Role) error {
	if slices.Contains(roles, tilgang.RoleCompanyAdmin) {
		return nil
	}
	for _, r := range symmetricDifference(cleanRoles(before), cleanRoles(after)) {
		if r.IsAdmin() || !slices.Contains(roles, tilgang.RoleUserAdmin) {
			return tilgang.ErrRoleAuthority
		}
	}
	return nil
}

// symmetricDifference returns the roles in exactly one of a and b.
func symmetricDifference(a, b []tilgang.Role) []tilgang.Role {
	var out []tilgang.Role
	for _, r := range a {
		if !slices.Contains(b, r) {
			out = append(out, r)
		}
	}
	for _, r := range b {
		if !slices.Contains(a, r) {
			out = append(out, r)
		}
	}
	return out
}

func appendOnce(errs []error, e *tilgang.Error) []error {
	for _, seen := range errs {
		var s *tilgang.Error
		if errors.As(seen, &s) && s.Code == e.Code && s.Message == e.Message {
			return errs
		}
	}
	return append(errs, e)
}
