package users_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

func TestBulkActivation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var ids []string
	for _, c := range []struct{ email, cpr string }{{"anna@example.dk", cprAnna}, {"bo@example.dk", cprBo}, {"carl@example.dk", cprCarl}} {
		ids = append(ids, f.create(t, c.email, c.cpr, "", true).User.ID)
	}
	dina := f.create(t, "dina@example.dk", "", dobDina, true).User.ID
	active := f.create(t, "eva@example.dk", "", "", false).User
	if _, err := f.svc.CompleteActivation(ctx, f.token(t, active), ""); err != nil {
		t.Fatal(err)
	}
	unknown := uuid.NewString()
	request := append(slices.Clone(ids), dina, ids[0], unknown, active.ID, "junk")

	results, err := f.svc.BulkActivate(ctx, admin, f.org, request)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{ids[0]: "", ids[1]: "", ids[2]: "", dina: "activation.individual_only",
		unknown: "user.not_found", active.ID: users.ErrTransitionCode, "junk": "user.id_invalid"}
	if len(results) != len(want) {
		t.Fatalf("%d results for %d distinct ids: %+v", len(results), len(want), results)
	}
	for i, r := range results {
		code := ""
		var e *tilgang.Error
		if errors.As(r.Err, &e) {
			code = e.Code
		} else if r.Err != nil {
			t.Fatalf("%s: %v", r.UserID, r.Err)
		}
		if code != want[r.UserID] {
			t.Errorf("%s: code %q, want %q", r.UserID, code, want[r.UserID])
		}
		if i < 3 && r.UserID != ids[i] {
			t.Errorf("results out of order: %+v", results)
		}
	}
	for _, id := range ids {
		if u := f.user(t, id); u.Status != tilgang.StatusPendingActivation {
			t.Errorf("%s is %s", id, u.Status)
		}
		if got := f.outbox(t, id); !slices.Equal(got, []string{tilgang.MailActivation}) {
			t.Errorf("mail of %s = %q", id, got)
		}
	}
	if u := f.user(t, dina); u.Status != tilgang.StatusImported || len(f.outbox(t, dina)) != 0 {
		t.Errorf("date-of-birth user was activated: %s, mail %q", u.Status, f.outbox(t, dina))
	}
	// Another organisation's ids are not found.
	results, err = f.svc.BulkActivate(ctx, admin, f.other, ids[:1])
	if err != nil || !errors.Is(results[0].Err, tilgang.ErrUserNotFound) {
		t.Fatalf("from another organisation: %+v, %v", results, err)
	}
}

func TestBulkActivationLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := map[string]struct {
		ids  []string
		code string
	}{
		"none":     {nil, "activation.no_users"},
		"too many": {make([]string, users.MaxBulkActivation+1), "activation.too_many"},
	}
	for name, tt := range tests {
		_, err := f.svc.BulkActivate(ctx, admin, f.org, tt.ids)
		var e *tilgang.Error
		if !errors.As(err, &e) || e.Code != tt.code || e.Kind != tilgang.KindInvalid {
			t.Errorf("%s: %v, want %s", name, err, tt.code)
		}
	}
}
