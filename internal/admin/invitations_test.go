package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// invitationEnv is env with the table's client, so that a test can count
// what the API wrote, and the invitations service for the invitee's side.
type invitationEnv struct {
	*env
	db          *dynamodb.Client
	table       string
	invitations *invitations.Service
}

func newInvitationEnv(t *testing.T) *invitationEnv {
	t.Helper()
	db, table := testenv.Table(t)
	st := store.New(db, table)
	svc := testenv.Users(t, st)
	logs := &testenv.Logs{}
	e := &env{t: t, store: st, users: svc, logs: logs}
	e.srv = httptest.NewServer(newHandler(t, st, svc, time.Now, logs.Logger()))
	t.Cleanup(e.srv.Close)
	e.orgA = &tilgang.Organisation{Name: "Firma A/S", CVR: "11111111", IAL: 3, EANNumbers: []string{eanA}, Language: "da", AdminEmails: []string{"boss@example.dk"}}
	e.orgB = &tilgang.Organisation{Name: "Firma B ApS", CVR: "22222222", IAL: 4, Language: "en"}
	var err error
	if e.a, err = tenants.New(st).Provision(context.Background(), e.orgA); err != nil {
		t.Fatal(err)
	}
	if e.b, err = tenants.New(st).Provision(context.Background(), e.orgB); err != nil {
		t.Fatal(err)
	}
	return &invitationEnv{env: e, db: db, table: table, invitations: invitations.New(st, svc, testenv.Links(t), time.Now)}
}

// outboxItems counts the table's outbox items. A Scan is fine here: it
// inspects a test's own table.
func (e *invitationEnv) outboxItems() int {
	e.t.Helper()
	out, err := e.db.Scan(context.Background(), &dynamodb.ScanInput{
		TableName:                 aws.String(e.table),
		FilterExpression:          aws.String("#t = :t"),
		ExpressionAttributeNames:  map[string]string{"#t": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberS{Value: store.OutboxType}},
		Select:                    types.SelectCount,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return int(out.Count)
}

// accept accepts invitation id of A on the invitee's side.
func (e *invitationEnv) accept(id string) *tilgang.User {
	e.t.Helper()
	inv, err := e.invitations.Get(context.Background(), e.orgA, id)
	if err != nil {
		e.t.Fatal(err)
	}
	tok, err := e.invitations.Token(inv)
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := e.invitations.Accept(context.Background(), tok, invitations.Acceptance{FirstName: "Anna", LastName: "Hansen"})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

type inviteAnswer struct {
	Results []struct {
		Email        string `json:"email"`
		OK           bool   `json:"ok"`
		InvitationID string `json:"invitationId"`
		Error        *struct {
			Code string `json:"code"`
		} `json:"error"`
	} `json:"results"`
}

type invitationJSON struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	Role      string `json:"role"`
	OrgUnit   string `json:"orgUnit"`
	Language  string `json:"language"`
	Inviter   string `json:"inviter"`
	Status    string `json:"status"`
	ExpiresAt string `json:"expiresAt"`
	UserID    string `json:"userId"`
	Version   int64  `json:"version"`
}

type invitationList struct {
	Items      []invitationJSON `json:"items"`
	NextCursor string           `json:"nextCursor"`
}

func invitationBody(role string, emails ...string) map[string]any {
	return map[string]any{"emails": emails, "role": role, "orgUnit": "Økonomi"}
}

func TestInvitationCalls(t *testing.T) {
	t.Parallel()
	e := newInvitationEnv(t)
	A := e.a.AdminToken
	r := e.do(A, "POST", "/invitations", invitationBody(tilgang.RoleUserAdmin, "anna@example.dk", "not an address", "Anna@example.dk", "bo@example.dk"))
	wantStatus(t, r, http.StatusOK)
	res := decode[inviteAnswer](t, r).Results
	var codes []string
	for _, x := range res {
		if x.Error != nil {
			codes = append(codes, x.Error.Code)
		}
	}
	if len(res) != 4 || !res[0].OK || res[0].InvitationID == "" || res[1].OK || res[2].OK || !res[3].OK ||
		res[2].Email != "Anna@example.dk" || !slices.Equal(codes, []string{"email.format", "invitation.duplicate"}) {
		t.Fatalf("results: %s", r.body)
	}
	if n := e.outboxItems(); n != 2 {
		t.Fatalf("%d outbox items, want 2", n)
	}
	anna, bo := res[0].InvitationID, res[3].InvitationID

	r = e.do(A, "GET", "/invitations/"+anna, nil)
	wantStatus(t, r, http.StatusOK)
	got := decode[invitationJSON](t, r)
	if got.Email != "anna@example.dk" || got.Status != "pending" || got.Role != tilgang.RoleUserAdmin || got.OrgUnit != "Økonomi" ||
		got.Language != "da" || got.Inviter != "initial admin token" || got.ExpiresAt == "" || r.Header.Get("ETag") == "" {
		t.Fatalf("invitation: %s", r.body)
	}
	wantProblem(t, e.do(A, "POST", "/invitations/"+anna+"/approve", nil), http.StatusConflict, invitations.ErrTransitionCode, "")
	wantProblem(t, e.do(A, "POST", "/invitations/"+anna+"/reject", nil), http.StatusConflict, invitations.ErrTransitionCode, "")

	// The invitee accepts; the admin approves.
	u := e.accept(anna)
	r = e.do(A, "GET", "/invitations?status=accepted", nil)
	wantStatus(t, r, http.StatusOK)
	if l := decode[invitationList](t, r); len(l.Items) != 1 || l.Items[0].ID != anna || l.Items[0].UserID != u.ID {
		t.Fatalf("accepted list: %s", r.body)
	}
	r = e.do(A, "GET", "/users/"+u.ID, nil)
	wantStatus(t, r, http.StatusOK)
	if got := decode[userJSON](t, r); got.Status != string(tilgang.StatusAwaitingApproval) {
		t.Fatalf("accepted user: %s", r.body)
	}
	r = e.do(A, "POST", "/invitations/"+anna+"/approve", nil)
	wantStatus(t, r, http.StatusOK)
	if got := decode[invitationJSON](t, r); got.Status != "approved" {
		t.Fatalf("approve: %s", r.body)
	}
	r = e.do(A, "GET", "/users/"+u.ID, nil)
	wantStatus(t, r, http.StatusOK)
	if got := decode[userJSON](t, r); got.Status != string(tilgang.StatusActive) || len(got.Roles) != 1 || got.Roles[0] != (roleJSON{Role: tilgang.RoleUserAdmin, OrgUnit: "Økonomi"}) {
		t.Fatalf("approved user: %s", r.body)
	}

	// Revoke and resend.
	r = e.do(A, "DELETE", "/invitations/"+bo, nil)
	wantStatus(t, r, http.StatusNoContent)
	wantStatus(t, e.do(A, "DELETE", "/invitations/"+bo, nil), http.StatusNoContent)
	wantProblem(t, e.do(A, "POST", "/invitations/"+bo+"/resend", nil), http.StatusConflict, invitations.ErrTransitionCode, "")
	r = e.do(A, "POST", "/invitations", invitationBody(tilgang.RoleRightsAdmin, "bo@example.dk"))
	wantStatus(t, r, http.StatusOK)
	bo2 := decode[inviteAnswer](t, r).Results[0].InvitationID
	r = e.do(A, "POST", "/invitations/"+bo2+"/resend", nil)
	wantStatus(t, r, http.StatusOK)
	if got := decode[invitationJSON](t, r); got.Status != "pending" || got.Version != 2 || got.Role != tilgang.RoleRightsAdmin {
		t.Fatalf("resend: %s", r.body)
	}
	r = e.do(A, "POST", "/invitations", invitationBody(tilgang.RoleRightsAdmin, "bo@example.dk", "anna@example.dk"))
	wantStatus(t, r, http.StatusOK)
	if res := decode[inviteAnswer](t, r).Results; res[0].Error == nil || res[0].Error.Code != "invitation.pending" || res[1].Error == nil || res[1].Error.Code != "user.exists" {
		t.Fatalf("invite a pending address and a user: %s", r.body)
	}

	for status, want := range map[string][]string{"pending": {bo2}, "revoked": {bo}, "approved": {anna}, "expired": nil, "": {bo2, bo, anna}} {
		r := e.do(A, "GET", "/invitations?status="+status, nil)
		wantStatus(t, r, http.StatusOK)
		var ids []string
		for _, it := range decode[invitationList](t, r).Items {
			ids = append(ids, it.ID)
		}
		slices.Sort(ids)
		if slices.Sort(want); !slices.Equal(ids, want) {
			t.Errorf("status %q: %v, want %v", status, ids, want)
		}
	}
	wantProblem(t, e.do(A, "GET", "/invitations?status=sent", nil), http.StatusBadRequest, "status.invalid", "status")
	wantProblem(t, e.do(A, "GET", "/invitations?limit=0", nil), http.StatusBadRequest, "limit.invalid", "limit")
	wantProblem(t, e.do(A, "GET", "/invitations?cursor=junk", nil), http.StatusBadRequest, "cursor.invalid", "cursor")
}

func TestInvitationPaging(t *testing.T) {
	t.Parallel()
	e := newInvitationEnv(t)
	emails := make([]string, 120)
	for i := range emails {
		emails[i] = fmt.Sprintf("p%03d@example.dk", i)
	}
	r := e.do(e.a.AdminToken, "POST", "/invitations", invitationBody(tilgang.RoleUserAdmin, emails...))
	wantStatus(t, r, http.StatusOK)
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		r := e.do(e.a.AdminToken, "GET", "/invitations?status=pending&limit=50&cursor="+url.QueryEscape(cursor), nil)
		wantStatus(t, r, http.StatusOK)
		l := decode[invitationList](t, r)
		for _, it := range l.Items {
			seen[it.ID] = true
		}
		if cursor = l.NextCursor; cursor == "" {
			break
		}
		// B cannot read on from A's cursor.
		wantProblem(t, e.do(e.b.AdminToken, "GET", "/invitations?status=pending&cursor="+url.QueryEscape(cursor), nil), http.StatusBadRequest, "cursor.invalid", "")
	}
	if len(seen) != len(emails) {
		t.Fatalf("paged through %d of %d", len(seen), len(emails))
	}
}

func TestInvitationLimitsAndRoles(t *testing.T) {
	t.Parallel()
	e := newInvitationEnv(t)
	A := e.a.AdminToken
	many := make([]string, tilgang.MaxInvitations+1)
	for i := range many {
		many[i] = fmt.Sprintf("p%d@example.dk", i)
	}
	wantProblem(t, e.do(A, "POST", "/invitations", invitationBody(tilgang.RoleUserAdmin, many...)), http.StatusBadRequest, "invitation.too_many", "emails")
	wantProblem(t, e.do(A, "POST", "/invitations", invitationBody("sagsbehandler", "a@example.dk")), http.StatusBadRequest, "role.invalid", "role")
	wantProblem(t, e.do(A, "POST", "/invitations", map[string]any{"emails": []string{"a@example.dk"}, "role": tilgang.RoleUserAdmin, "language": "de"}),
		http.StatusBadRequest, "language.invalid", "language")
	wantProblem(t, e.do(A, "POST", "/invitations", map[string]any{"emails": "a@example.dk", "role": tilgang.RoleUserAdmin}), http.StatusBadRequest, "json.type", "emails")
	for inviter, code := range map[string]string{strings.Repeat("å", 101): "field.invalid", "Jens\nJensen": "text.control", "Jens\u2028Jensen": "text.control"} {
		wantProblem(t, e.do(A, "POST", "/invitations", map[string]any{"emails": []string{"a@example.dk"}, "role": tilgang.RoleUserAdmin, "inviter": inviter}),
			http.StatusBadRequest, code, "inviter")
	}
	if n := e.outboxItems(); n != 0 {
		t.Fatalf("%d outbox items after refused requests", n)
	}

	// Only a company-admin invites.
	userAdmin := e.newToken(A, "admin", tilgang.RoleUserAdmin).Token
	wantProblem(t, e.do(userAdmin, "POST", "/invitations", invitationBody(tilgang.RoleUserAdmin, "a@example.dk")), http.StatusForbidden, "token.role_missing", "")
	wantProblem(t, e.do(userAdmin, "GET", "/invitations", nil), http.StatusForbidden, "token.role_missing", "")

	// A licence of one admin, held by the initial admin user: approving
	// another is refused, clearly, and changes nothing.
	e.orgA.MaxAdmins = 1
	if err := e.store.UpdateOrganisation(context.Background(), e.orgA); err != nil {
		t.Fatal(err)
	}
	boss := cprUser("boss@example.dk")
	boss["roles"] = []map[string]string{{"role": tilgang.RoleCompanyAdmin}}
	e.create(boss)
	r := e.do(A, "POST", "/invitations", invitationBody(tilgang.RoleCompanyAdmin, "carl@example.dk"))
	wantStatus(t, r, http.StatusOK)
	id := decode[inviteAnswer](t, r).Results[0].InvitationID
	u := e.accept(id)
	p := wantProblem(t, e.do(A, "POST", "/invitations/"+id+"/approve", nil), http.StatusUnprocessableEntity, "organisation.max_admins", "roles")
	if p.Detail == "" {
		t.Errorf("problem without detail: %+v", p)
	}
	r = e.do(A, "GET", "/invitations/"+id, nil)
	if got := decode[invitationJSON](t, r); got.Status != "accepted" {
		t.Fatalf("after a refused approval: %s", r.body)
	}
	// Rejecting deletes the user who waited.
	r = e.do(A, "POST", "/invitations/"+id+"/reject", nil)
	wantStatus(t, r, http.StatusOK)
	if got := decode[invitationJSON](t, r); got.Status != "rejected" {
		t.Fatalf("reject: %s", r.body)
	}
	wantProblem(t, e.do(A, "GET", "/users/"+u.ID, nil), http.StatusNotFound, "user.not_found", "")
}

func TestInvitationsOfAnotherOrganisation(t *testing.T) {
	t.Parallel()
	e := newInvitationEnv(t)
	r := e.do(e.a.AdminToken, "POST", "/invitations", invitationBody(tilgang.RoleUserAdmin, "anna@example.dk", "bo@example.dk"))
	wantStatus(t, r, http.StatusOK)
	res := decode[inviteAnswer](t, r).Results
	pending, accepted := res[0].InvitationID, res[1].InvitationID
	e.accept(accepted)
	B := e.b.AdminToken
	for _, id := range []string{pending, accepted} {
		for _, call := range [][2]string{{"GET", ""}, {"DELETE", ""}, {"POST", "/resend"}, {"POST", "/approve"}, {"POST", "/reject"}} {
			wantProblem(t, e.do(B, call[0], "/invitations/"+id+call[1], nil), http.StatusNotFound, "invitation.not_found", "")
		}
	}
	wantProblem(t, e.do(e.a.AdminToken, "GET", "/invitations/junk", nil), http.StatusNotFound, "invitation.not_found", "")
	r = e.do(B, "GET", "/invitations", nil)
	wantStatus(t, r, http.StatusOK)
	if l := decode[invitationList](t, r); len(l.Items) != 0 {
		t.Fatalf("B lists A's invitations: %s", r.body)
	}
	// A's invitations are as they were.
	for id, status := range map[string]string{pending: "pending", accepted: "accepted"} {
		r := e.do(e.a.AdminToken, "GET", "/invitations/"+id, nil)
		if got := decode[invitationJSON](t, r); got.Status != status || got.Version != map[string]int64{pending: 1, accepted: 2}[id] {
			t.Errorf("%s after B's calls: %s", id, r.body)
		}
	}
}

func TestConcurrentInvitationsOfOneAddressOverHTTP(t *testing.T) {
	t.Parallel()
	e := newInvitationEnv(t)
	answers := e.race(10, func(int) (string, string, string, any) {
		return e.a.AdminToken, "POST", "/invitations", invitationBody(tilgang.RoleUserAdmin, "same@example.dk")
	})
	ok := 0
	for _, r := range answers {
		wantStatus(t, r, http.StatusOK)
		res := decode[inviteAnswer](t, r).Results[0]
		switch {
		case res.OK:
			ok++
		case res.Error == nil || res.Error.Code != "invitation.pending":
			t.Errorf("result: %s", r.body)
		}
	}
	if ok != 1 || e.outboxItems() != 1 {
		t.Fatalf("%d invitations and %d mails of one address, want 1", ok, e.outboxItems())
	}
}

// TestInviteOrdinaryUsers: without a role, an invitation makes an ordinary
// user (SPEC §8); a unit without a role is refused.
func TestInviteOrdinaryUsers(t *testing.T) {
	t.Parallel()
	e := newInvitationEnv(t)
	A := e.a.AdminToken
	wantProblem(t, e.do(A, "POST", "/invitations", map[string]any{"emails": []string{"a@example.dk"}, "orgUnit": "Salg"}),
		http.StatusBadRequest, "field.invalid", "orgUnit")
	r := e.do(A, "POST", "/invitations", map[string]any{"emails": []string{"mie@example.dk"}})
	wantStatus(t, r, http.StatusOK)
	id := decode[inviteAnswer](t, r).Results[0].InvitationID
	r = e.do(A, "GET", "/invitations/"+id, nil)
	if got := decode[map[string]any](t, r); got["status"] != "pending" || got["role"] != nil {
		t.Fatalf("invitation of an ordinary user: %s", r.body)
	}
	u := e.accept(id)
	wantStatus(t, e.do(A, "POST", "/invitations/"+id+"/approve", nil), http.StatusOK)
	r = e.do(A, "GET", "/users/"+u.ID, nil)
	if got := decode[map[string]any](t, r); got["status"] != "active" || got["roles"] != nil && len(got["roles"].([]any)) != 0 {
		t.Fatalf("approved ordinary user: %s", r.body)
	}
}
