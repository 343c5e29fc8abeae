package invitations_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/scim"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var ctx = context.Background()

// env is the invitations service on a fresh table with one organisation,
// whose admins are mailed at boss@example.dk.
type env struct {
	t     *testing.T
	db    *dynamodb.Client
	table string
	store *store.Store
	users *users.Service
	svc   *invitations.Service
	clock *testenv.Clock
	org   *tilgang.Organisation
	creds tenants.Credentials
}

var admin = tilgang.Actor{Name: "admin token initial admin token", Source: "admin", Roles: []string{tilgang.RoleCompanyAdmin, tilgang.RoleUserAdmin}}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, table := testenv.Table(t)
	st := store.New(db, table)
	vault, err := cpr.NewVault(testenv.CPRKey)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := secret.NewCodes(testenv.CPRKey)
	if err != nil {
		t.Fatal(err)
	}
	c := testenv.NewClock(time.Date(2026, 11, 26, 12, 0, 0, 0, tilgang.Copenhagen()))
	svc := users.New(st, vault, codes, testenv.Links(t), users.WithClock(c.Now))
	e := &env{t: t, db: db, table: table, store: st, users: svc, clock: c,
		svc: invitations.New(st, svc, testenv.Links(t), c.Now)}
	e.org = &tilgang.Organisation{Name: "Firma A/S", CVR: "11111111", IAL: 3, Language: "da", AdminEmails: []string{"boss@example.dk"}}
	if e.creds, err = tenants.New(st).Provision(ctx, e.org); err != nil {
		t.Fatal(err)
	}
	return e
}

// invite invites emails to role and returns the results.
func (e *env) invite(role string, emails ...string) []invitations.Result {
	e.t.Helper()
	res, err := e.svc.Invite(ctx, e.org, invitations.Request{Emails: emails, Role: role, OrgUnit: "Økonomi", Inviter: "initial admin token", Grantor: admin.Roles})
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// invited invites one address and returns the invitation.
func (e *env) invited(email string) *tilgang.Invitation {
	e.t.Helper()
	res := e.invite(tilgang.RoleUserAdmin, email)
	if res[0].Err != nil {
		e.t.Fatalf("invite %s: %v", email, res[0].Err)
	}
	return res[0].Invitation
}

func (e *env) token(inv *tilgang.Invitation) string {
	e.t.Helper()
	tok, err := e.svc.Token(inv)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func (e *env) accept(inv *tilgang.Invitation) *tilgang.User {
	e.t.Helper()
	u, err := e.svc.Accept(ctx, e.token(inv), invitations.Acceptance{FirstName: "Anna", LastName: "Hansen", Phone: "12 34 56 78"})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// outbox reads the outbox items of kind. A Scan is fine here: it
// inspects a test's own table.
func (e *env) outbox(kind string) []tilgang.Mail {
	e.t.Helper()
	out, err := e.db.Scan(ctx, &dynamodb.ScanInput{
		TableName:                 aws.String(e.table),
		FilterExpression:          aws.String("#t = :t AND kind = :k"),
		ExpressionAttributeNames:  map[string]string{"#t": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberS{Value: store.OutboxType}, ":k": &types.AttributeValueMemberS{Value: kind}},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	var mails []tilgang.Mail
	for _, item := range out.Items {
		var m struct {
			ID           string   `dynamodbav:"id"`
			OrgID        string   `dynamodbav:"orgId"`
			UserID       string   `dynamodbav:"userId"`
			InvitationID string   `dynamodbav:"invitationId"`
			Kind         string   `dynamodbav:"kind"`
			To           []string `dynamodbav:"to"`
			Language     string   `dynamodbav:"language"`
		}
		if err := attributevalue.UnmarshalMap(item, &m); err != nil {
			e.t.Fatal(err)
		}
		mails = append(mails, tilgang.Mail(m))
	}
	return mails
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var te *tilgang.Error
	if !errors.As(err, &te) || te.Code != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
}

func TestInviteAcceptApprove(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.invite(tilgang.RoleCompanyAdmin, "anna@example.dk", "not an address", "ANNA@Example.dk", "bo@example.dk")
	if len(res) != 4 || res[0].Err != nil || res[3].Err != nil {
		t.Fatalf("results: %+v", res)
	}
	wantCode(t, res[1].Err, "email.format")
	wantCode(t, res[2].Err, "invitation.duplicate")
	anna, bo := res[0].Invitation, res[3].Invitation
	if anna.Status != tilgang.InvitationPending || anna.Role != tilgang.RoleCompanyAdmin || anna.OrgUnit != "Økonomi" ||
		anna.Language != "da" || anna.InviterName != "initial admin token" || !anna.ExpiresAt.Equal(e.clock.Now().Add(tilgang.InvitationValidity)) {
		t.Fatalf("invitation: %+v", anna)
	}
	sent := e.outbox(tilgang.MailInvitation)
	if len(sent) != 2 {
		t.Fatalf("%d invitation mails, want 2: %+v", len(sent), sent)
	}
	for _, m := range sent {
		// The mail names the invitation only: the mailer reads the address.
		if m.InvitationID != anna.ID && m.InvitationID != bo.ID || len(m.To) != 0 || m.UserID != "" {
			t.Errorf("invitation mail: %+v", m)
		}
	}

	// The link opens the page; the mail carries it.
	tok := e.token(anna)
	page, err := e.svc.Open(ctx, tok)
	if err != nil || page.Org.ID != e.org.ID || page.Invitation.ID != anna.ID || page.Invitation.Status != tilgang.InvitationPending {
		t.Fatalf("open: %+v, %v", page, err)
	}
	m := sent[slices.IndexFunc(sent, func(m tilgang.Mail) bool { return m.InvitationID == anna.ID })]
	data, err := e.svc.MailData(ctx, m)
	if err != nil || data.Path != "/invitations/"+tok || !slices.Equal(data.To, []string{"anna@example.dk"}) ||
		data.InviterName != "initial admin token" || data.Role != tilgang.RoleCompanyAdmin || !data.Expires.Equal(anna.ExpiresAt) {
		t.Fatalf("mail data: %+v, %v", data, err)
	}

	// Acceptance checks what the invitee types.
	_, err = e.svc.Accept(ctx, tok, invitations.Acceptance{LastName: "Hansen", Phone: "12"})
	var fields []string
	for _, p := range tilgang.Problems(err) {
		fields = append(fields, p.Field)
	}
	if slices.Sort(fields); !slices.Equal(fields, []string{"firstName", "phone"}) {
		t.Fatalf("invalid acceptance: %v", err)
	}
	u := e.accept(anna)
	if u.Status != tilgang.StatusAwaitingApproval || u.UserName != "anna@example.dk" || u.Email != "anna@example.dk" ||
		u.Phone != "12345678" || len(u.Roles) != 0 {
		t.Fatalf("accepted user: %+v", u)
	}
	if _, err := e.svc.Open(ctx, tok); !errors.Is(err, tilgang.ErrLinkUsed) {
		t.Fatalf("open after acceptance: %v", err)
	}
	if _, err := e.svc.Accept(ctx, tok, invitations.Acceptance{FirstName: "Eve", LastName: "Evil"}); !errors.Is(err, tilgang.ErrLinkUsed) {
		t.Fatalf("second acceptance: %v", err)
	}
	accepted := e.outbox(tilgang.MailInvitationAccepted)
	if len(accepted) != 1 || !slices.Equal(accepted[0].To, e.org.AdminEmails) || accepted[0].InvitationID != anna.ID {
		t.Fatalf("accepted mail: %+v", accepted)
	}
	if data, err := e.svc.MailData(ctx, accepted[0]); err != nil || data.PersonName != "Anna Hansen" || !slices.Equal(data.To, e.org.AdminEmails) ||
		data.ConsolePage != "/invitations/"+anna.ID {
		t.Fatalf("accepted mail data: %+v, %v", data, err)
	}
	page2, err := e.svc.List(ctx, e.org, invitations.Query{Status: tilgang.InvitationAccepted})
	if err != nil || len(page2.Invitations) != 1 || page2.Invitations[0].UserID != u.ID || page2.Invitations[0].AcceptedAt.IsZero() {
		t.Fatalf("accepted list: %+v, %v", page2, err)
	}

	// Approval makes the user active with the invitation's role.
	e.clock.Advance(time.Minute) // history orders by time
	approved, err := e.svc.Approve(ctx, admin, e.org, anna.ID)
	if err != nil || approved.Status != tilgang.InvitationApproved {
		t.Fatalf("approve: %+v, %v", approved, err)
	}
	got, err := e.users.Get(ctx, e.org, u.ID)
	if err != nil || got.Status != tilgang.StatusActive || !slices.Equal(got.Roles, []tilgang.Role{{Role: tilgang.RoleCompanyAdmin, OrgUnit: "Økonomi"}}) {
		t.Fatalf("approved user: %+v, %v", got, err)
	}
	_, err = e.svc.Approve(ctx, admin, e.org, anna.ID)
	wantCode(t, err, invitations.ErrTransitionCode)
	done := e.outbox(tilgang.MailApprovalDone)
	if len(done) != 1 || done[0].UserID != u.ID || len(done[0].To) != 0 {
		t.Fatalf("approval mail: %+v", done)
	}
	if data, err := e.svc.MailData(ctx, done[0]); err != nil || !slices.Equal(data.To, []string{"anna@example.dk"}) || data.PersonName != "Anna Hansen" ||
		data.ConsolePage != "/" {
		t.Fatalf("approval mail data: %+v, %v", data, err)
	}
	hist, err := e.store.History(ctx, e.org.ID, u.ID, store.HistoryQuery{Oldest: true})
	if err != nil || len(hist) != 2 || hist[0].Action != "invitation.accepted" || hist[0].Actor != "the user" ||
		hist[1].Action != "invitation.approved" || hist[1].Actor != admin.Name {
		t.Fatalf("history: %+v, %v", hist, err)
	}

	// An identity provider sees the approved user.
	authenticate := func(ctx context.Context, token string) (*tilgang.Token, *tilgang.Organisation, error) {
		return tenants.New(e.store).Authenticate(ctx, tilgang.TokenSCIM, token)
	}
	srv := httptest.NewServer(scim.New(e.users.SCIM(), authenticate, slog.New(slog.NewJSONHandler(io.Discard, nil)), scim.Options{PublicBaseURL: "https://tilgang.test"}))
	t.Cleanup(srv.Close)
	filter := url.QueryEscape(`userName eq "ANNA@example.dk"`)
	resp, body := testenv.Request(t, "GET", srv.URL+scim.Prefix+"/Users?filter="+filter, e.creds.SCIMToken, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"totalResults":1`) ||
		!strings.Contains(string(body), u.ID) || !strings.Contains(string(body), `"active":true`) {
		t.Fatalf("SCIM filter: %d %s", resp.StatusCode, body)
	}

	// Revoking the other invitation makes its link say so, and its mail
	// is not sent any more.
	if _, err := e.svc.Revoke(ctx, e.org, bo.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Open(ctx, e.token(bo)); !errors.Is(err, tilgang.ErrLinkRevoked) {
		t.Fatalf("open a revoked link: %v", err)
	}
	if again, err := e.svc.Revoke(ctx, e.org, bo.ID); err != nil || again.Status != tilgang.InvitationRevoked {
		t.Fatalf("revoke again: %+v, %v", again, err)
	}
	if _, err := e.svc.Resend(ctx, e.org, bo.ID); err == nil {
		t.Fatal("a revoked invitation was resent")
	}
	boMail := sent[slices.IndexFunc(sent, func(m tilgang.Mail) bool { return m.InvitationID == bo.ID })]
	_, err = e.svc.MailData(ctx, boMail)
	wantCode(t, err, "invitation.revoked")
}

func TestResendAndExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	carl, dora := e.invited("carl@example.dk"), e.invited("dora@example.dk")
	old := e.token(carl)
	resent, err := e.svc.Resend(ctx, e.org, carl.ID)
	if err != nil || resent.LinkID == carl.LinkID || resent.Version != 2 {
		t.Fatalf("resend: %+v, %v", resent, err)
	}
	if _, err := e.svc.Open(ctx, old); !errors.Is(err, tilgang.ErrLinkUnknown) {
		t.Fatalf("open the replaced link: %v", err)
	}
	if _, err := e.svc.Open(ctx, e.token(resent)); err != nil {
		t.Fatalf("open the new link: %v", err)
	}
	if n := len(e.outbox(tilgang.MailInvitation)); n != 3 {
		t.Fatalf("%d invitation mails after a resend, want 3", n)
	}
	if _, err := e.svc.Open(ctx, "garbage"); !errors.Is(err, tilgang.ErrLinkUnknown) {
		t.Fatalf("open garbage: %v", err)
	}

	// Fifteen days on, both have expired: the links say so, the lists move
	// them, and the addresses are free.
	e.clock.Advance(15 * 24 * time.Hour)
	if _, err := e.svc.Open(ctx, e.token(resent)); !errors.Is(err, tilgang.ErrLinkExpired) {
		t.Fatalf("open an expired link: %v", err)
	}
	if _, err := e.svc.Accept(ctx, e.token(dora), invitations.Acceptance{FirstName: "Dora", LastName: "Dahl"}); !errors.Is(err, tilgang.ErrLinkExpired) {
		t.Fatalf("accept an expired link: %v", err)
	}
	for status, want := range map[tilgang.InvitationStatus]int{tilgang.InvitationPending: 0, tilgang.InvitationExpired: 2, "": 2} {
		page, err := e.svc.List(ctx, e.org, invitations.Query{Status: status})
		if err != nil || len(page.Invitations) != want {
			t.Fatalf("list %q: %d, %v", status, len(page.Invitations), err)
		}
		for _, inv := range page.Invitations {
			if inv.Status != tilgang.InvitationExpired {
				t.Errorf("listed as %s", inv.Status)
			}
		}
	}
	if got, err := e.svc.Get(ctx, e.org, carl.ID); err != nil || got.Status != tilgang.InvitationExpired {
		t.Fatalf("get: %+v, %v", got, err)
	}
	_, err = e.svc.MailData(ctx, e.outbox(tilgang.MailInvitation)[0])
	wantCode(t, err, "invitation.expired")

	// dora is invited anew; her expired invitation can then not be resent.
	// carl's can, and is pending again.
	e.invited("dora@example.dk")
	_, err = e.svc.Resend(ctx, e.org, dora.ID)
	wantCode(t, err, "invitation.pending")
	again, err := e.svc.Resend(ctx, e.org, carl.ID)
	if err != nil || again.Status != tilgang.InvitationPending || !again.ExpiresAt.Equal(e.clock.Now().Add(tilgang.InvitationValidity)) {
		t.Fatalf("resend an expired invitation: %+v, %v", again, err)
	}
	if u := e.accept(again); u.Status != tilgang.StatusAwaitingApproval {
		t.Fatalf("accepted after resend: %+v", u)
	}
	if _, err := e.svc.Revoke(ctx, e.org, carl.ID); err == nil {
		t.Fatal("an accepted invitation was revoked")
	}
}

func TestReject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inv := e.invited("eva@example.dk")
	_, err := e.svc.Reject(ctx, admin, e.org, inv.ID)
	wantCode(t, err, invitations.ErrTransitionCode)
	u := e.accept(inv)
	e.clock.Advance(time.Minute) // history orders by time
	rejected, err := e.svc.Reject(ctx, admin, e.org, inv.ID)
	if err != nil || rejected.Status != tilgang.InvitationRejected {
		t.Fatalf("reject: %+v, %v", rejected, err)
	}
	if _, err := e.users.Get(ctx, e.org, u.ID); !errors.Is(err, tilgang.ErrUserNotFound) {
		t.Fatalf("the rejected user is still there: %v", err)
	}
	hist, err := e.store.History(ctx, e.org.ID, u.ID, store.HistoryQuery{})
	if err != nil || len(hist) != 2 || hist[0].Action != "invitation.rejected" || hist[0].Actor != admin.Name {
		t.Fatalf("history: %+v, %v", hist, err)
	}
	_, err = e.svc.Approve(ctx, admin, e.org, inv.ID)
	wantCode(t, err, invitations.ErrTransitionCode)
	if _, err := e.svc.Open(ctx, e.token(inv)); !errors.Is(err, tilgang.ErrLinkUsed) {
		t.Fatalf("open a rejected invitation: %v", err)
	}
	// The address is free again.
	e.invited("eva@example.dk")
}

func TestApproveWithinTheLicence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.org.MaxAdmins = 1
	if err := e.store.UpdateOrganisation(ctx, e.org); err != nil {
		t.Fatal(err)
	}
	boss := &tilgang.User{FirstName: "Bo", LastName: "Boss", Email: "boss@example.dk", Roles: []tilgang.Role{{Role: tilgang.RoleCompanyAdmin}}}
	if _, err := e.users.Create(ctx, admin, e.org, users.NewRequest{User: boss}); err != nil {
		t.Fatal(err)
	}
	inv := e.invited("finn@example.dk")
	u := e.accept(inv)
	if _, err := e.svc.Approve(ctx, admin, e.org, inv.ID); !errors.Is(err, tilgang.ErrMaxAdmins) {
		t.Fatalf("approval over the licence: %v", err)
	}
	if got, _ := e.svc.Get(ctx, e.org, inv.ID); got.Status != tilgang.InvitationAccepted {
		t.Fatalf("invitation after a refused approval: %+v", got)
	}
	if got, _ := e.users.Get(ctx, e.org, u.ID); got.Status != tilgang.StatusAwaitingApproval || len(got.Roles) != 0 {
		t.Fatalf("user after a refused approval: %+v", got)
	}
	if n := len(e.outbox(tilgang.MailApprovalDone)); n != 0 {
		t.Fatalf("%d approval mails after a refused approval", n)
	}
	// With room in the licence, it goes through.
	e.org.MaxAdmins = 2
	if err := e.store.UpdateOrganisation(ctx, e.org); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Approve(ctx, admin, e.org, inv.ID); err != nil {
		t.Fatal(err)
	}
}

// TestInviteOrdinaryUser: an invitation without a role (SPEC §8) makes an
// ordinary user: approved, the user is active with no role, and an
// organisation whose admin licence is used up can still take one.
func TestInviteOrdinaryUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.org.MaxAdmins = 1
	if err := e.store.UpdateOrganisation(ctx, e.org); err != nil {
		t.Fatal(err)
	}
	boss := &tilgang.User{FirstName: "Bo", LastName: "Boss", Email: "boss@example.dk", Roles: []tilgang.Role{{Role: tilgang.RoleCompanyAdmin}}}
	if _, err := e.users.Create(ctx, admin, e.org, users.NewRequest{User: boss}); err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.Invite(ctx, e.org, invitations.Request{Emails: []string{"mie@example.dk"}, Inviter: "Bo Boss", Grantor: admin.Roles})
	if err != nil || len(res) != 1 || res[0].Err != nil || res[0].Invitation.Role != "" {
		t.Fatalf("invite without a role: %+v, %v", res, err)
	}
	inv := res[0].Invitation
	m := e.outbox(tilgang.MailInvitation)[0]
	if data, err := e.svc.MailData(ctx, m); err != nil || data.Role != "" {
		t.Fatalf("mail data: %+v, %v", data, err)
	}
	u := e.accept(inv)
	if _, err := e.svc.Approve(ctx, admin, e.org, inv.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.users.Get(ctx, e.org, u.ID); got.Status != tilgang.StatusActive || len(got.Roles) != 0 {
		t.Fatalf("approved ordinary user: %+v", got)
	}
}

func TestInviteRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	many := make([]string, tilgang.MaxInvitations+1)
	for i := range many {
		many[i] = fmt.Sprintf("p%d@example.dk", i)
	}
	tests := []struct {
		name string
		req  invitations.Request
		code string
	}{
		{"too many", invitations.Request{Emails: many, Role: tilgang.RoleUserAdmin}, "invitation.too_many"},
		{"none", invitations.Request{Role: tilgang.RoleUserAdmin}, "invitation.no_emails"},
		{"unknown role", invitations.Request{Emails: many[:1], Role: "sagsbehandler"}, "role.invalid"},
		{"a unit without a role", invitations.Request{Emails: many[:1], OrgUnit: "Salg"}, "field.invalid"},
		{"unknown language", invitations.Request{Emails: many[:1], Role: tilgang.RoleUserAdmin, Language: "de"}, "language.invalid"},
		{"long unit", invitations.Request{Emails: many[:1], Role: tilgang.RoleUserAdmin, OrgUnit: strings.Repeat("x", 101)}, "field.too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := e.svc.Invite(ctx, e.org, tt.req)
			if res != nil || !slices.ContainsFunc(tilgang.Problems(err), func(p *tilgang.Error) bool { return p.Code == tt.code && p.Kind == tilgang.KindInvalid }) {
				t.Fatalf("%v, %v; want %s", res, err, tt.code)
			}
		})
	}
	if n := len(e.outbox(tilgang.MailInvitation)); n != 0 {
		t.Fatalf("%d mails after refused requests", n)
	}
	if page, _ := e.svc.List(ctx, e.org, invitations.Query{}); len(page.Invitations) != 0 {
		t.Fatalf("%d invitations after refused requests", len(page.Invitations))
	}

	// Exactly the limit is fine; an address of a user is not invited; an
	// address with a pending invitation is not invited twice.
	if _, err := e.users.Create(ctx, admin, e.org, users.NewRequest{User: &tilgang.User{Email: "p7@example.dk"}}); err != nil {
		t.Fatal(err)
	}
	e.invited("p8@example.dk")
	res, err := e.svc.Invite(ctx, e.org, invitations.Request{Emails: many[:tilgang.MaxInvitations], Role: tilgang.RoleRightsAdmin, Language: "en", Grantor: admin.Roles})
	if err != nil || len(res) != tilgang.MaxInvitations {
		t.Fatalf("%d results, %v", len(res), err)
	}
	for i, r := range res {
		switch {
		case i == 7:
			wantCode(t, r.Err, "user.exists")
		case i == 8:
			wantCode(t, r.Err, "invitation.pending")
		case r.Err != nil || r.Invitation.Email != many[i] || r.Invitation.Language != "en":
			t.Fatalf("result %d: %+v", i, r)
		}
	}
	if n := len(e.outbox(tilgang.MailInvitation)); n != tilgang.MaxInvitations-1 {
		t.Fatalf("%d mails, want %d", n, tilgang.MaxInvitations-1)
	}
}

func TestConcurrentInvitesOfOneAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	results := make([][]invitations.Result, 10)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() { results[i] = e.invite(tilgang.RoleUserAdmin, "gina@example.dk") })
	}
	wg.Wait()
	ok := 0
	for _, res := range results {
		if res[0].Err == nil {
			ok++
		} else {
			wantCode(t, res[0].Err, "invitation.pending")
		}
	}
	if ok != 1 || len(e.outbox(tilgang.MailInvitation)) != 1 {
		t.Fatalf("%d invitations of one address, want 1", ok)
	}
}

func TestConcurrentAcceptances(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.token(e.invited("hans@example.dk"))
	errs := make([]error, 5)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = e.svc.Accept(ctx, tok, invitations.Acceptance{FirstName: "Hans", LastName: fmt.Sprint("Hansen", i)})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, tilgang.ErrLinkUsed):
			t.Errorf("unexpected error: %v", err)
		}
	}
	page, err := e.users.List(ctx, e.org, tilgang.UserQuery{Status: tilgang.StatusAwaitingApproval})
	if ok != 1 || err != nil || len(page.Users) != 1 {
		t.Fatalf("%d acceptances, %d users awaiting approval (%v)", ok, len(page.Users), err)
	}
}

func TestOtherOrganisationsSeeNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inv := e.invited("ida@example.dk")
	other := &tilgang.Organisation{Name: "B", CVR: "22222222", IAL: 3}
	if _, err := tenants.New(e.store).Provision(ctx, other); err != nil {
		t.Fatal(err)
	}
	steps := map[string]func() error{
		"get":     func() error { _, err := e.svc.Get(ctx, other, inv.ID); return err },
		"revoke":  func() error { _, err := e.svc.Revoke(ctx, other, inv.ID); return err },
		"resend":  func() error { _, err := e.svc.Resend(ctx, other, inv.ID); return err },
		"approve": func() error { _, err := e.svc.Approve(ctx, admin, other, inv.ID); return err },
		"reject":  func() error { _, err := e.svc.Reject(ctx, admin, other, inv.ID); return err },
		"junk":    func() error { _, err := e.svc.Get(ctx, e.org, "junk"); return err },
	}
	for name, step := range steps {
		if err := step(); !errors.Is(err, tilgang.ErrInvitationNotFound) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A token whose organisation part is changed does not open.
	l, _ := testenv.Links(t).Parse(e.token(inv))
	l.OrgID = other.ID
	forged, _ := testenv.Links(t).Token(l)
	if _, err := e.svc.Open(ctx, forged); !errors.Is(err, tilgang.ErrLinkUnknown) {
		t.Fatalf("open with another organisation's id: %v", err)
	}
}
