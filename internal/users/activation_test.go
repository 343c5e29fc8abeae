package users_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

func TestActivationWithCPR(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	anna := f.create(t, "anna@example.dk", cprAnna, "", false)
	if anna.ActivationCode != "" {
		t.Fatalf("a CPR user got a code")
	}
	token := f.token(t, anna.User)

	page, err := f.svc.OpenActivation(ctx, token)
	if err != nil || page.Method != users.AskCPR || page.AttemptsLeft != 5 || page.User.ID != anna.User.ID || page.Org.ID != f.org.ID {
		t.Fatalf("open: %+v, %v", page, err)
	}
	if want := noon.Add(tilgang.ActivationValidity); !page.ExpiresAt.Equal(want) {
		t.Fatalf("expires %v, want %v", page.ExpiresAt, want)
	}
	// Opening changes nothing: mail scanners fetch links.
	if got := f.user(t, anna.User.ID); got.Version != anna.User.Version {
		t.Fatalf("open changed the user: version %d", got.Version)
	}

	if _, err := f.svc.CompleteActivation(ctx, token, cprBo); !errors.Is(err, users.ErrWrongAnswer) {
		t.Fatalf("wrong CPR: %v", err)
	}
	if page, err = f.svc.OpenActivation(ctx, token); err != nil || page.AttemptsLeft != 4 {
		t.Fatalf("after a wrong CPR: %+v, %v", page, err)
	}
	if f.user(t, anna.User.ID).Status != tilgang.StatusPendingActivation {
		t.Fatal("a wrong CPR changed the status")
	}
	// Not ten digits: just another wrong answer.
	if _, err := f.svc.CompleteActivation(ctx, token, "12345"); !errors.Is(err, users.ErrWrongAnswer) {
		t.Fatalf("malformed CPR: %v", err)
	}

	u, err := f.svc.CompleteActivation(ctx, token, " 010190-1234 ")
	if err != nil || u.Status != tilgang.StatusActive || u.Activation != nil {
		t.Fatalf("right CPR: %+v, %v", u, err)
	}
	if got := f.user(t, anna.User.ID); got.Status != tilgang.StatusActive || got.Activation != nil {
		t.Fatalf("stored: %+v", got)
	}
	for _, step := range []func() error{
		func() error { _, err := f.svc.OpenActivation(ctx, token); return err },
		func() error { _, err := f.svc.CompleteActivation(ctx, token, cprAnna); return err },
	} {
		if err := step(); !errors.Is(err, tilgang.ErrLinkUsed) {
			t.Fatalf("used link: %v", err)
		}
	}

	page2, err := f.svc.History(ctx, f.org, anna.User.ID, users.HistoryQuery{Sort: "time"})
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, e := range page2.Entries {
		steps = append(steps, e.Actor+"/"+e.Source+"/"+e.Action)
	}
	want := "admin token test/admin/user.created the user/web/activation.failed the user/web/activation.failed the user/web/user.activated"
	if got := strings.Join(steps, " "); got != want {
		t.Fatalf("history:\n%s\nwant\n%s", got, want)
	}
	if dump := fmt.Sprintf("%+v", page2.Entries); strings.Contains(dump, "0101") || strings.Contains(dump, "1234") {
		t.Fatalf("history holds CPR digits: %s", dump)
	}
}

func TestActivationWithCodeLocksAndANewCodeWorks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dina := f.create(t, "dina@example.dk", "", dobDina, false)
	if len(dina.ActivationCode) != secret.CodeLength {
		t.Fatalf("code = %q", dina.ActivationCode)
	}
	token := f.token(t, dina.User)
	if page, err := f.svc.OpenActivation(ctx, token); err != nil || page.Method != users.AskCode {
		t.Fatalf("open: %+v, %v", page, err)
	}
	for i := range tilgang.MaxActivationAttempts {
		if _, err := f.svc.CompleteActivation(ctx, token, "WRONGCOD"); !errors.Is(err, users.ErrWrongAnswer) {
			t.Fatalf("wrong code %d: %v", i+1, err)
		}
	}
	if _, err := f.svc.OpenActivation(ctx, token); !errors.Is(err, tilgang.ErrLinkLocked) {
		t.Fatalf("open after 5 wrong codes: %v", err)
	}
	if _, err := f.svc.CompleteActivation(ctx, token, dina.ActivationCode); !errors.Is(err, tilgang.ErrLinkLocked) {
		t.Fatalf("right code after the lock: %v", err)
	}

	sent, err := f.svc.NewActivationCode(ctx, admin, f.org, dina.User.ID)
	if err != nil || sent.ActivationCode == dina.ActivationCode {
		t.Fatalf("new code: %+v, %v", sent, err)
	}
	if _, err := f.svc.OpenActivation(ctx, token); !errors.Is(err, tilgang.ErrLinkUnknown) {
		t.Fatalf("old link after a new code: %v", err)
	}
	fresh := f.token(t, sent.User)
	if page, err := f.svc.OpenActivation(ctx, fresh); err != nil || page.AttemptsLeft != tilgang.MaxActivationAttempts {
		t.Fatalf("new link: %+v, %v", page, err)
	}
	if _, err := f.svc.CompleteActivation(ctx, fresh, dina.ActivationCode); !errors.Is(err, users.ErrWrongAnswer) {
		t.Fatalf("old code on the new link: %v", err)
	}
	// Codes are typed from paper: case, spaces and hyphens do not matter.
	typed := strings.ToLower(sent.ActivationCode[:4] + "-" + sent.ActivationCode[4:])
	if u, err := f.svc.CompleteActivation(ctx, fresh, typed); err != nil || u.Status != tilgang.StatusActive {
		t.Fatalf("new code: %+v, %v", u, err)
	}
}

func TestConcurrentWrongAnswersAreEachCounted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dina := f.create(t, "dina@example.dk", "", dobDina, false)
	token := f.token(t, dina.User)
	const tries = 3
	var wg sync.WaitGroup
	errs := make([]error, tries)
	for i := range tries {
		wg.Go(func() { _, errs[i] = f.svc.CompleteActivation(ctx, token, "WRONGCOD") })
	}
	wg.Wait()
	for _, err := range errs {
		if !errors.Is(err, users.ErrWrongAnswer) {
			t.Fatalf("wrong code: %v", err)
		}
	}
	if page, err := f.svc.OpenActivation(ctx, token); err != nil || page.AttemptsLeft != tilgang.MaxActivationAttempts-tries {
		t.Fatalf("after %d concurrent wrong codes: %+v, %v", tries, page, err)
	}
}

// A user deactivated while its activation is outstanding has a link that
// neither works nor claims to be used: it says the user is deactivated,
// and works again once the user is reactivated.
func TestActivationOfDeactivatedUserIsSuspended(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	anna := f.create(t, "anna@example.dk", cprAnna, "", false).User
	token := f.token(t, anna)
	if _, err := f.svc.DeactivateUser(ctx, admin, f.org, anna.ID, tilgang.Deactivation{From: tilgang.Today(noon)}); err != nil {
		t.Fatal(err)
	}
	for name, step := range map[string]func() error{
		"open":     func() error { _, err := f.svc.OpenActivation(ctx, token); return err },
		"complete": func() error { _, err := f.svc.CompleteActivation(ctx, token, cprAnna); return err },
	} {
		err := step()
		if !errors.Is(err, users.ErrLinkSuspended) {
			t.Fatalf("%s while deactivated: %v, want users.ErrLinkSuspended", name, err)
		}
		if e, ok := errors.AsType[*tilgang.Error](err); !ok || e.Kind != tilgang.KindGone || e.Code != "link.suspended" {
			t.Fatalf("%s while deactivated: %#v, want KindGone link.suspended", name, err)
		}
	}
	if got := f.user(t, anna.ID); got.Status != tilgang.StatusDeactivated || got.Activation == nil || got.Activation.FailedAttempts != 0 {
		t.Fatalf("a suspended link changed the user: %s, %+v", got.Status, got.Activation)
	}

	if _, err := f.svc.ReactivateUser(ctx, admin, f.org, anna.ID); err != nil {
		t.Fatal(err)
	}
	if u, err := f.svc.CompleteActivation(ctx, token, cprAnna); err != nil || u.Status != tilgang.StatusActive {
		t.Fatalf("after reactivation: %+v, %v", u, err)
	}
}

// Many answers at once lose races with each other. Each one ends as a
// counted wrong answer, a locked link or, after the retries, ErrStale,
// which counted nothing; the lock holds at MaxActivationAttempts.
func TestManyParallelWrongAnswersKeepTheLock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	anna := f.create(t, "anna@example.dk", cprAnna, "", false).User
	token := f.token(t, anna)
	const tries = 24
	errs := make([]error, tries)
	var wg sync.WaitGroup
	for i := range tries {
		wg.Go(func() { _, errs[i] = f.svc.CompleteActivation(ctx, token, cprBo) })
	}
	wg.Wait()
	counted := 0
	for _, err := range errs {
		switch {
		case errors.Is(err, users.ErrWrongAnswer):
			counted++
		case errors.Is(err, tilgang.ErrLinkLocked), errors.Is(err, tilgang.ErrStale):
		default:
			t.Fatalf("a parallel wrong answer: %v", err)
		}
	}
	got := f.user(t, anna.ID)
	if counted > tilgang.MaxActivationAttempts || got.Activation.FailedAttempts != counted || got.Status != tilgang.StatusPendingActivation {
		t.Fatalf("%d wrong answers told, %d counted, status %s", counted, got.Activation.FailedAttempts, got.Status)
	}
}

func TestActivationByLinkAlone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u := f.create(t, "scim@example.dk", "", "", false).User
	token := f.token(t, u)
	if page, err := f.svc.OpenActivation(ctx, token); err != nil || page.Method != users.AskNothing {
		t.Fatalf("open: %+v, %v", page, err)
	}
	if got, err := f.svc.CompleteActivation(ctx, token, ""); err != nil || got.Status != tilgang.StatusActive {
		t.Fatalf("complete: %+v, %v", got, err)
	}
}

func TestActivationLinkExpiresByTheClock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	anna := f.create(t, "anna@example.dk", cprAnna, "", false).User
	token := f.token(t, anna)

	f.clock.Set(anna.Activation.ExpiresAt.Add(-1))
	if _, err := f.svc.OpenActivation(ctx, token); err != nil {
		t.Fatalf("just before expiry: %v", err)
	}
	f.clock.Set(anna.Activation.ExpiresAt)
	if _, err := f.svc.OpenActivation(ctx, token); !errors.Is(err, tilgang.ErrLinkExpired) {
		t.Fatalf("at expiry: %v", err)
	}
	if _, err := f.svc.CompleteActivation(ctx, token, cprAnna); !errors.Is(err, tilgang.ErrLinkExpired) {
		t.Fatalf("complete at expiry: %v", err)
	}
	// Resending starts a new validity.
	sent, err := f.svc.SendActivation(ctx, admin, f.org, anna.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CompleteActivation(ctx, f.token(t, sent.User), cprAnna); err != nil {
		t.Fatalf("after resend: %v", err)
	}
}

func TestUnknownLinks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	anna := f.create(t, "anna@example.dk", cprAnna, "", false).User
	token := f.token(t, anna)
	forge := func(l secret.Link) string {
		tok, err := f.links.Token(l)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tests := map[string]string{
		"empty":             "",
		"garbage":           "not a token",
		"one character off": flip(token, 10),
		"invitation kind":   forge(secret.Link{Kind: secret.LinkInvitation, OrgID: f.org.ID, ID: anna.ID, Nonce: anna.Activation.LinkID}),
		"unknown org":       forge(secret.Link{Kind: secret.LinkActivation, OrgID: uuid.NewString(), ID: anna.ID, Nonce: anna.Activation.LinkID}),
		"other org":         forge(secret.Link{Kind: secret.LinkActivation, OrgID: f.other.ID, ID: anna.ID, Nonce: anna.Activation.LinkID}),
		"unknown user":      forge(secret.Link{Kind: secret.LinkActivation, OrgID: f.org.ID, ID: uuid.NewString(), Nonce: anna.Activation.LinkID}),
		"wrong nonce":       forge(secret.Link{Kind: secret.LinkActivation, OrgID: f.org.ID, ID: anna.ID, Nonce: uuid.NewString()}),
	}
	for name, tok := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := f.svc.OpenActivation(ctx, tok); !errors.Is(err, tilgang.ErrLinkUnknown) {
				t.Errorf("open: %v", err)
			}
			if _, err := f.svc.CompleteActivation(ctx, tok, cprAnna); !errors.Is(err, tilgang.ErrLinkUnknown) {
				t.Errorf("complete: %v", err)
			}
		})
	}
	if tok, err := f.svc.ActivationToken(&tilgang.User{}); err != nil || tok != "" {
		t.Fatalf("token of a user without activation: %q, %v", tok, err)
	}
}

// flip changes the character at i of a base64url token.
func flip(token string, i int) string {
	c := byte('A')
	if token[i] == 'A' {
		c = 'B'
	}
	return token[:i] + string(c) + token[i+1:]
}
