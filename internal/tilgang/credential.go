package tilgang

import "time"

// TokenKind says which API a token opens.
type TokenKind string

// Token kinds.
const (
	TokenSCIM  TokenKind = "scim"
	TokenAdmin TokenKind = "admin"
)

// Prefix is the visible start of the kind's token secrets; it lets secret
// scanners and people tell them apart.
func (k TokenKind) Prefix() string { return "tlg_" + string(k) + "_" }

// Roles an admin token can carry (SPEC §3).
const (
	RoleUserAdmin    = "user-admin"    // users, imports, history
	RoleCompanyAdmin = "company-admin" // invitations, approvals, organisation settings, tokens
	RoleRightsAdmin  = "rights-admin"  // rights, signing, seal fields
)

// Token is a bearer credential of one organisation. Only the SHA-256 hash of
// the secret is kept; the secret is shown once, when the token is created.
type Token struct {
	ID        string
	OrgID     string
	Name      string
	Kind      TokenKind
	Roles     []string // admin tokens only
	Hash      string   // hex SHA-256 of the secret
	CreatedAt time.Time
	// ExpiresAt is when the token stops opening anything; zero: never.
	ExpiresAt time.Time
	// LastUsedAt is when the token last opened a request, to within
	// TokenUseResolution; zero: never used since it was recorded.
	LastUsedAt time.Time
}

// TokenUseResolution is how precisely a token's LastUsedAt is kept: it is
// written at most once per token in this time, not on every request.
const TokenUseResolution = time.Hour

// ExpiredAt reports whether the token has expired at now.
func (t *Token) ExpiredAt(now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)
}

// HasRole reports whether the token carries role.
func (t *Token) HasRole(role string) bool {
	for _, r := range t.Roles {
		if r == role {
			return true
		}
	}
	return false
}
