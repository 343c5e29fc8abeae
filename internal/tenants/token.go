package tenants

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TokenRequest is a token to mint.
type TokenRequest struct {
	Name  string // what the token is for, shown in lists and history; trimmed
	Kind  tilgang.TokenKind
	Roles []string // admin tokens: one or more of tilgang.AdminRoles; SCIM tokens: none
	// ExpiresAt, if set, is when the token stops opening anything; it
	// must be in the future.
	ExpiresAt time.Time
}

// Minted is a new token and its secret. The secret exists only here: the
// store keeps its hash, so it is shown once.
type Minted struct {
	Token  *tilgang.Token
	Secret string
}

// maxTokenNameLength bounds a token's name, which history repeats as the
// actor of every change the token makes.
const maxTokenNameLength = 100

// MintToken makes a token of org on behalf of by, an admin token of org.
// A token grants no role that by lacks, or a company-admin could make
// itself a rights-admin: such a request is refused as forbidden, once the
// request itself is found valid.
func (s *Service) MintToken(ctx context.Context, by *tilgang.Token, org *tilgang.Organisation, req TokenRequest) (Minted, error) {
	err := req.check()
	if !req.ExpiresAt.IsZero() && !req.ExpiresAt.After(s.now()) {
		err = errors.Join(err, tilgang.Invalid("expiresAt", "token.expiry_past", "a token's expiry must be in the future"))
	}
	if err != nil {
		return Minted{}, err
	}
	for _, role := range req.Roles {
		if !by.HasRole(role) {
			return Minted{}, &tilgang.Error{Kind: tilgang.KindForbidden, Code: "token.role_missing", Field: "roles",
				Message: "a token can only grant roles that it holds itself; " + role + " is missing"}
		}
	}
	return s.mint(ctx, org.ID, req)
}

// mint stores a token of the organisation orgID for req, which is valid:
// every token, also a provisioned one, is made here.
func (s *Service) mint(ctx context.Context, orgID string, req TokenRequest) (Minted, error) {
	plain, hash := secret.NewToken(req.Kind.Prefix())
	id, err := uuid.NewV7() // time-ordered: the store lists tokens in creation order by id
	if err != nil {
		return Minted{}, fmt.Errorf("tenants: token id: %w", err)
	}
	t := &tilgang.Token{ID: id.String(), OrgID: orgID, Name: req.Name, Kind: req.Kind, Roles: slices.Clone(req.Roles), Hash: hash}
	if !req.ExpiresAt.IsZero() {
		t.ExpiresAt = req.ExpiresAt.UTC()
	}
	if err := s.store.CreateToken(ctx, t); err != nil {
		return Minted{}, err
	}
	return Minted{Token: t, Secret: plain}, nil
}

// check trims the name and checks the request, returning every invalid
// field at once.
func (req *TokenRequest) check() error {
	var errs []error
	req.Name = strings.TrimSpace(req.Name)
	switch {
	case req.Name == "":
		errs = append(errs, tilgang.Invalid("name", "field.required", "give the token a name"))
	case utf8.RuneCountInString(req.Name) > maxTokenNameLength:
		errs = append(errs, tilgang.Invalid("name", "field.too_long", fmt.Sprintf("at most %d characters", maxTokenNameLength)))
	case tilgang.HasControl(req.Name):
		// The name is the inviter that invitation mail and pages show
		// when the request names none (SPEC §14).
		errs = append(errs, tilgang.ErrTextControl.At("name"))
	}
	switch req.Kind {
	case tilgang.TokenSCIM:
		if len(req.Roles) > 0 {
			errs = append(errs, tilgang.Invalid("roles", "roles.not_allowed", "SCIM tokens carry no roles"))
		}
	case tilgang.TokenAdmin:
		if len(req.Roles) == 0 {
			errs = append(errs, tilgang.Invalid("roles", "roles.required", "an admin token needs at least one role"))
		}
		for i, role := range req.Roles {
			switch {
			case !slices.Contains(tilgang.AdminRoles, role):
				errs = append(errs, tilgang.Invalid("roles", "role.invalid", "unknown role "+role))
			case slices.Contains(req.Roles[:i], role):
				errs = append(errs, tilgang.Invalid("roles", "role.duplicate", "role "+role+" is listed twice"))
			}
		}
	default:
		errs = append(errs, tilgang.Invalid("kind", "kind.invalid", `kind must be "scim" or "admin"`))
	}
	return errors.Join(errs...)
}

// Tokens lists org's tokens, oldest first, without their secrets.
func (s *Service) Tokens(ctx context.Context, org *tilgang.Organisation) ([]*tilgang.Token, error) {
	return s.store.Tokens(ctx, org.ID)
}

// RevokeToken deletes org's token id; its secret stops opening anything at
// once (a warm Authenticator may remember it for its TTL). An id that is
// not a UUID, or one of another organisation, names no token.
func (s *Service) RevokeToken(ctx context.Context, org *tilgang.Organisation, id string) error {
	// An over-long id would make DynamoDB refuse the key with a 5xx.
	parsed, err := uuid.Parse(id)
	if err != nil {
		return tilgang.ErrTokenNotFound
	}
	return s.store.DeleteToken(ctx, org.ID, parsed.String())
}
