package tenants

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestAuthenticatorRemembersForTTLOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := New(testenv.Store(t))
	org := &tilgang.Organisation{Name: "A", IAL: 3}
	creds, err := svc.Provision(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	a := NewAuthenticator(svc, tilgang.TokenSCIM, 15*time.Second)
	a.now = func() time.Time { return now }

	if _, _, err := a.Authenticate(ctx, creds.AdminToken); !errors.Is(err, tilgang.ErrUnauthenticated) {
		t.Fatalf("admin token as SCIM token: %v", err)
	}
	tok, got, err := a.Authenticate(ctx, creds.SCIMToken)
	if err != nil || got.ID != org.ID {
		t.Fatalf("Authenticate = %v, %v", got, err)
	}
	if err := svc.RevokeToken(ctx, org, tok.ID); err != nil {
		t.Fatal(err)
	}
	now = now.Add(14 * time.Second)
	if _, _, err := a.Authenticate(ctx, creds.SCIMToken); err != nil {
		t.Fatalf("within the TTL: %v", err)
	}
	now = now.Add(2 * time.Second)
	if _, _, err := a.Authenticate(ctx, creds.SCIMToken); !errors.Is(err, tilgang.ErrUnauthenticated) {
		t.Fatalf("revoked token after the TTL: %v", err)
	}
	if _, _, err := a.Authenticate(ctx, ""); !errors.Is(err, tilgang.ErrUnauthenticated) {
		t.Fatalf("empty token: %v", err)
	}
}

// TestAuthenticatorForgetsAtExpiry: a remembered token that expires within
// the TTL is refused from its expiry on, not from the end of the TTL.
func TestAuthenticatorForgetsAtExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	svc := New(testenv.Store(t), WithClock(clock))
	org := &tilgang.Organisation{Name: "A", IAL: 3}
	if _, err := svc.Provision(ctx, org); err != nil {
		t.Fatal(err)
	}
	by := &tilgang.Token{Roles: []string{tilgang.RoleCompanyAdmin}}
	minted, err := svc.MintToken(ctx, by, org, TokenRequest{Name: "idp", Kind: tilgang.TokenSCIM, ExpiresAt: now.Add(5 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	a := NewAuthenticator(svc, tilgang.TokenSCIM, 15*time.Second)
	a.now = clock
	if _, _, err := a.Authenticate(ctx, minted.Secret); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	now = now.Add(5 * time.Second)
	if _, _, err := a.Authenticate(ctx, minted.Secret); !errors.Is(err, tilgang.ErrUnauthenticated) {
		t.Fatalf("at expiry, within the TTL: %v", err)
	}
}
