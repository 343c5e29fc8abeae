package tilgang

import (
	"slices"
	"time"
)

// Organisation is a tenant. Everything else belongs to exactly one.
type Organisation struct {
	ID   string
	Name string
	CVR  string // 8 digits
	// IAL is the highest identity assurance level the organisation's users
	// may be given: 3 (substantial, "betydelig") or 4 (high, "høj").
	IAL                  int
	EANNumbers           []string // 13 digits each
	PNumbers             []string // 10 digits each
	SENumbers            []string // 8 digits each
	AllowAnonymous       bool
	ReferenceTextEnabled bool
	AllowPrivateMitID    bool
	// RequirePasskeys makes a mailed sign-in link to the console good
	// only for registering a passkey: people then sign in with passkeys.
	RequirePasskeys bool
	// MaxAdmins is the licence limit on users holding an admin role; 0 means
	// no limit.
	MaxAdmins   int
	Language    string // "da" or "en"
	AdminEmails []string
	// GroupRoles map identity provider groups to roles (SPEC §5): the
	// members of a group hold its roles for as long as they are members.
	GroupRoles []GroupRole
	// DisabledAt is when an operator disabled the organisation (SPEC §13);
	// zero while it is enabled. A disabled organisation's tokens and mailed
	// links open nothing, and its files are not imported; its data stays.
	DisabledAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
}

// Disabled reports whether an operator has disabled the organisation.
func (o *Organisation) Disabled() bool { return !o.DisabledAt.IsZero() }

// Languages the product speaks; the first is the default.
var Languages = []string{"da", "en"}

// HasEAN reports whether n is one of the organisation's EAN numbers.
func (o *Organisation) HasEAN(n string) bool { return slices.Contains(o.EANNumbers, n) }

// HasPNumber reports whether n is one of the organisation's P-numbers.
func (o *Organisation) HasPNumber(n string) bool { return slices.Contains(o.PNumbers, n) }

// HasSENumber reports whether n is one of the organisation's SE-numbers.
func (o *Organisation) HasSENumber(n string) bool { return slices.Contains(o.SENumbers, n) }

// GroupRole gives the members of a SCIM group a role, optionally limited
// to an organisation unit. Group names the group by its id or its
// displayName, which compare as group names do (FoldName).
type GroupRole struct {
	Group   string
	Role    string
	OrgUnit string
}

// RolesOfGroup returns the roles that membership of the group with id and
// displayName gives.
func (o *Organisation) RolesOfGroup(id, displayName string) []Role {
	var roles []Role
	folded := FoldName(displayName)
	for _, m := range o.GroupRoles {
		if m.Group == id || FoldName(m.Group) == folded {
			r := Role{Role: m.Role, OrgUnit: m.OrgUnit}
			if !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
	}
	return roles
}
