package tenants_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestDisabledOrganisationOpensNothing: every token of a disabled
// organisation is refused as an unknown one is (SPEC §13), an
// Authenticator included once its memory of the token ends; enabling it
// again lets them work.
func TestDisabledOrganisationOpensNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	disabled, err := f.svc.SetDisabled(ctx, f.stored(t), true)
	if err != nil || !disabled.Disabled() || !f.stored(t).Disabled() {
		t.Fatalf("disable: %+v, %v", disabled, err)
	}
	again, err := f.svc.SetDisabled(ctx, f.stored(t), true)
	if err != nil || !again.DisabledAt.Equal(disabled.DisabledAt) {
		t.Fatalf("disabling twice moved the time: %v, %v", again.DisabledAt, err)
	}
	for kind, token := range map[tilgang.TokenKind]string{tilgang.TokenSCIM: f.creds.SCIMToken, tilgang.TokenAdmin: f.creds.AdminToken} {
		if _, _, err := f.svc.Authenticate(ctx, kind, token); !errors.Is(err, tilgang.ErrUnauthenticated) {
			t.Errorf("%s token of a disabled organisation: %v", kind, err)
		}
		if _, _, err := tenants.NewAuthenticator(f.svc, kind, 0).Authenticate(ctx, token); !errors.Is(err, tilgang.ErrUnauthenticated) {
			t.Errorf("%s token of a disabled organisation through an Authenticator: %v", kind, err)
		}
	}
	if _, err := f.svc.SetDisabled(ctx, f.stored(t), false); err != nil || f.stored(t).Disabled() {
		t.Fatalf("enable: %v", err)
	}
	if _, _, err := f.svc.Authenticate(ctx, tilgang.TokenAdmin, f.creds.AdminToken); err != nil {
		t.Fatalf("token of an enabled organisation: %v", err)
	}
}

func TestRegisterChecksEveryField(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	_, err := f.svc.Register(ctx, tenants.Settings{Name: " ", EANNumbers: []string{"123"}, Language: "de"}, tenants.Registration{CVR: "1234567", IAL: 2, MaxAdmins: -1})
	for _, field := range []string{"name", "eanNumbers", "language", "cvr", "ial", "maxAdmins"} {
		var e *tilgang.Error
		found := false
		for _, one := range unwrapJoined(err) {
			if errors.As(one, &e) && e.Field == field {
				found = true
			}
		}
		if !found {
			t.Errorf("no error for %s in %v", field, err)
		}
	}
	o, err := f.svc.Register(ctx, tenants.Settings{Name: "Ny ApS", PNumbers: []string{" 1012345678 "}}, tenants.Registration{CVR: "12345678", IAL: 4})
	if err != nil || o.ID == "" || o.Language != "da" || o.PNumbers[0] != "1012345678" || o.Version != 1 {
		t.Fatalf("register: %+v, %v", o, err)
	}
	all, err := f.svc.Organisations(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("organisations: %d, %v", len(all), err)
	}
}

// unwrapJoined flattens errors.Join, however deep.
func unwrapJoined(err error) []error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, unwrapJoined(e)...)
	}
	return out
}
