package users_test

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var ctx = context.Background()

var admin = tilgang.Actor{Name: "admin token test", Source: "admin"}

// fixture is the users service on a fresh table with two organisations and
// a clock at noon on 26 November 2026, Copenhagen time.
type fixture struct {
	db    *dynamodb.Client
	table string
	st    *store.Store
	svc   *users.Service
	links *secret.Links
	clock *testenv.Clock
	org   *tilgang.Organisation
	other *tilgang.Organisation
}

var noon = time.Date(2026, 11, 26, 12, 0, 0, 0, tilgang.Copenhagen())

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, table := testenv.Table(t)
	f := &fixture{db: db, table: table, st: store.New(db, table), links: testenv.Links(t), clock: testenv.NewClock(noon)}
	vault, err := cpr.NewVault(testenv.CPRKey)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := secret.NewCodes(testenv.CPRKey)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = users.New(f.st, vault, codes, f.links, users.WithClock(f.clock.Now))
	f.org = &tilgang.Organisation{Name: "Firma A/S", CVR: "11111111", IAL: 3, Language: "da"}
	f.other = &tilgang.Organisation{Name: "Firma B ApS", CVR: "22222222", IAL: 3, Language: "en"}
	for _, o := range []*tilgang.Organisation{f.org, f.other} {
		if _, err := tenants.New(f.st).Provision(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// Identities of test users.
const (
	cprAnna = "0101901234"
	cprBo   = "0201901234"
	cprCarl = "0301901234"
	dobDina = "1985-06-15"
)

// create makes a user of the organisation with the given CPR number or
// date of birth (or neither), activated at once unless imported.
func (f *fixture) create(t *testing.T, email, cprNumber, dob string, imported bool) users.Created {
	t.Helper()
	u := &tilgang.User{FirstName: "Test", LastName: "Person", Email: email, DateOfBirth: dob}
	created, err := f.svc.Create(ctx, admin, f.org, users.NewRequest{User: u, CPR: cprNumber, Activate: !imported})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return created
}

func (f *fixture) token(t *testing.T, u *tilgang.User) string {
	t.Helper()
	tok, err := f.svc.ActivationToken(u)
	if err != nil || tok == "" {
		t.Fatalf("activation token: %q, %v", tok, err)
	}
	return tok
}

func (f *fixture) user(t *testing.T, id string) *tilgang.User {
	t.Helper()
	u, err := f.svc.Get(ctx, f.org, id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// outbox returns the kinds of the mail queued for the user, oldest first.
// A Scan is fine here: it inspects the test's own table.
func (f *fixture) outbox(t *testing.T, userID string) []string {
	t.Helper()
	out, err := f.db.Scan(ctx, &dynamodb.ScanInput{
		TableName:                 aws.String(f.table),
		FilterExpression:          aws.String("#t = :outbox AND userId = :u"),
		ExpressionAttributeNames:  map[string]string{"#t": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":outbox": &types.AttributeValueMemberS{Value: store.OutboxType}, ":u": &types.AttributeValueMemberS{Value: userID}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var items []outboxMail
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		t.Fatal(err)
	}
	// Mail ids are UUIDv7: their order is time order.
	slices.SortFunc(items, func(a, b outboxMail) int { return cmp.Compare(a.ID, b.ID) })
	var kinds []string
	for _, it := range items {
		kinds = append(kinds, it.Kind)
	}
	return kinds
}

type outboxMail struct {
	ID   string `dynamodbav:"id"`
	Kind string `dynamodbav:"kind"`
}

// wantCode fails unless err is a *tilgang.Error with code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *tilgang.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
}

func TestSendActivation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bo := f.create(t, "bo@example.dk", cprBo, "", true).User
	if bo.Status != tilgang.StatusImported || len(f.outbox(t, bo.ID)) != 0 {
		t.Fatalf("imported user: %+v, mail %q", bo, f.outbox(t, bo.ID))
	}

	sent, err := f.svc.SendActivation(ctx, admin, f.org, bo.ID)
	if err != nil || sent.User.Status != tilgang.StatusPendingActivation || sent.ActivationCode != "" {
		t.Fatalf("first send: %+v, %v", sent, err)
	}
	first := f.token(t, sent.User)
	sent, err = f.svc.SendActivation(ctx, admin, f.org, bo.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.outbox(t, bo.ID), []string{tilgang.MailActivation, tilgang.MailActivationReminder}; !slices.Equal(got, want) {
		t.Fatalf("mail = %q, want %q", got, want)
	}
	// The resend killed the first link; the new one opens.
	if _, err := f.svc.OpenActivation(ctx, first); !errors.Is(err, tilgang.ErrLinkUnknown) {
		t.Fatalf("old link after resend: %v", err)
	}
	if _, err := f.svc.OpenActivation(ctx, f.token(t, sent.User)); err != nil {
		t.Fatalf("new link: %v", err)
	}

	// Not from active, and not for another organisation.
	if _, err := f.svc.CompleteActivation(ctx, f.token(t, sent.User), cprBo); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SendActivation(ctx, admin, f.org, bo.ID)
	wantCode(t, err, users.ErrTransitionCode)
	if _, err := f.svc.SendActivation(ctx, admin, f.other, bo.ID); !errors.Is(err, tilgang.ErrUserNotFound) {
		t.Fatalf("send from another organisation: %v", err)
	}
	if _, err := f.svc.SendActivation(ctx, admin, f.org, "not-a-uuid"); !errors.Is(err, tilgang.ErrUserNotFound) {
		t.Fatalf("send to a bad id: %v", err)
	}
}

func TestNewActivationCodeIsForDateOfBirthUsersOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	anna := f.create(t, "anna@example.dk", cprAnna, "", false).User
	_, err := f.svc.NewActivationCode(ctx, admin, f.org, anna.ID)
	wantCode(t, err, "activation.no_code")

	dina := f.create(t, "dina@example.dk", "", dobDina, true).User
	sent, err := f.svc.NewActivationCode(ctx, admin, f.org, dina.ID)
	if err != nil || len(sent.ActivationCode) != secret.CodeLength || sent.User.Status != tilgang.StatusPendingActivation {
		t.Fatalf("code for an imported date-of-birth user: %+v, %v", sent, err)
	}
	if got := f.outbox(t, dina.ID); !slices.Equal(got, []string{tilgang.MailActivation}) {
		t.Fatalf("mail = %q", got)
	}
}

func TestFailedChangeQueuesNoMail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bo := f.create(t, "bo@example.dk", cprBo, "", true).User
	// Someone else changes the user after bo was read.
	if _, err := f.svc.DeactivateUser(ctx, admin, f.org, bo.ID, tilgang.Deactivation{From: "2026-12-24"}); err != nil {
		t.Fatal(err)
	}
	next := bo.Clone()
	next.Status = tilgang.StatusPendingActivation
	mail := tilgang.Mail{ID: "0190a000-0000-7000-8000-000000000001", OrgID: f.org.ID, UserID: bo.ID, Kind: tilgang.MailActivation}
	err := f.st.UpdateUser(ctx, bo, next, tilgang.Change{Activity: tilgang.Activity{Action: "activation.sent"}, Mail: []tilgang.Mail{mail}})
	if !errors.Is(err, tilgang.ErrStale) {
		t.Fatalf("stale update: %v", err)
	}
	if got := f.outbox(t, bo.ID); len(got) != 0 {
		t.Fatalf("a failed change queued mail: %q", got)
	}
	if got := f.user(t, bo.ID); got.Status != tilgang.StatusImported {
		t.Fatalf("status = %s", got.Status)
	}
}

func TestDeactivationWindows(t *testing.T) {
	t.Parallel()
	const today, tomorrow = "2026-11-26", "2026-11-27"
	tests := []struct {
		name       string
		before     func(f *fixture, id string) // a step before the one tested
		window     tilgang.Deactivation
		wantCode   string
		wantStatus tilgang.Status
		wantWindow *tilgang.Deactivation
	}{
		{name: "from defaults to today", window: tilgang.Deactivation{},
			wantStatus: tilgang.StatusDeactivated, wantWindow: &tilgang.Deactivation{From: today}},
		{name: "one day", window: tilgang.Deactivation{From: today, To: today},
			wantStatus: tilgang.StatusDeactivated, wantWindow: &tilgang.Deactivation{From: today, To: today}},
		{name: "future window waits", window: tilgang.Deactivation{From: tomorrow, To: "2026-12-01"},
			wantStatus: tilgang.StatusActive, wantWindow: &tilgang.Deactivation{From: tomorrow, To: "2026-12-01"}},
		{name: "past from", window: tilgang.Deactivation{From: "2026-11-25"}, wantCode: "deactivation.from_past"},
		{name: "to before from", window: tilgang.Deactivation{From: tomorrow, To: today}, wantCode: "deactivation.to_before_from"},
		{name: "not a date", window: tilgang.Deactivation{From: "26-11-2026"}, wantCode: "date.invalid"},
		{name: "no such day", window: tilgang.Deactivation{From: today, To: "2026-02-30"}, wantCode: "date.invalid"},
		{name: "deactivated user gets a new end", window: tilgang.Deactivation{To: "2026-12-24"},
			before: func(f *fixture, id string) {
				f.clock.Set(noon.AddDate(0, 0, -1))
				defer f.clock.Set(noon)
				if _, err := f.svc.DeactivateUser(ctx, admin, f.org, id, tilgang.Deactivation{}); err != nil {
					panic(err)
				}
			},
			wantStatus: tilgang.StatusDeactivated, wantWindow: &tilgang.Deactivation{From: "2026-11-25", To: "2026-12-24"}},
		{name: "deactivated user and a future window", window: tilgang.Deactivation{From: tomorrow},
			before: func(f *fixture, id string) {
				if _, err := f.svc.DeactivateUser(ctx, admin, f.org, id, tilgang.Deactivation{}); err != nil {
					panic(err)
				}
			},
			wantCode: "deactivation.already"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			u := f.create(t, "anna@example.dk", cprAnna, "", false).User
			if _, err := f.svc.CompleteActivation(ctx, f.token(t, u), cprAnna); err != nil {
				t.Fatal(err)
			}
			if tt.before != nil {
				tt.before(f, u.ID)
			}
			got, err := f.svc.DeactivateUser(ctx, admin, f.org, u.ID, tt.window)
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			stored := f.user(t, u.ID)
			if stored.Status != tt.wantStatus || got.Status != tt.wantStatus || !sameWindow(stored.Deactivation, tt.wantWindow) {
				t.Fatalf("stored %s %+v, want %s %+v", stored.Status, stored.Deactivation, tt.wantStatus, tt.wantWindow)
			}
		})
	}
}

func sameWindow(a, b *tilgang.Deactivation) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func TestReactivate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bo := f.create(t, "bo@example.dk", cprBo, "", true).User

	// Deactivated now: back to imported, the status it had.
	if _, err := f.svc.DeactivateUser(ctx, admin, f.org, bo.ID, tilgang.Deactivation{To: "2026-12-31"}); err != nil {
		t.Fatal(err)
	}
	u, err := f.svc.ReactivateUser(ctx, admin, f.org, bo.ID)
	if err != nil || u.Status != tilgang.StatusImported || u.Deactivation != nil {
		t.Fatalf("reactivated: %+v, %v", u, err)
	}
	// A window that has not started is withdrawn.
	if _, err := f.svc.DeactivateUser(ctx, admin, f.org, bo.ID, tilgang.Deactivation{From: "2026-12-01"}); err != nil {
		t.Fatal(err)
	}
	if u, err = f.svc.ReactivateUser(ctx, admin, f.org, bo.ID); err != nil || u.Status != tilgang.StatusImported || u.Deactivation != nil {
		t.Fatalf("withdrawn: %+v, %v", u, err)
	}
	// Nothing to end.
	_, err = f.svc.ReactivateUser(ctx, admin, f.org, bo.ID)
	wantCode(t, err, "deactivation.none")
	// The same window twice is one change.
	for range 2 {
		if _, err := f.svc.DeactivateUser(ctx, admin, f.org, bo.ID, tilgang.Deactivation{From: "2026-12-01", To: "2026-12-02"}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := f.svc.History(ctx, f.org, bo.ID, users.HistoryQuery{Sort: "time"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range page.Entries {
		actions = append(actions, e.Action)
	}
	want := []string{"user.created", users.ActionDeactivated, users.ActionReactivated, "deactivation.scheduled", "deactivation.withdrawn", "deactivation.scheduled"}
	if !slices.Equal(actions, want) {
		t.Fatalf("history = %q, want %q", actions, want)
	}
}
