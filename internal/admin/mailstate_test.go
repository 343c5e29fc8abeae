package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// mailOf is the mail state of an answer, raw.
func mailOf(t *testing.T, r response) map[string]any {
	t.Helper()
	var v struct {
		Mail map[string]any `json:"mail"`
	}
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatal(err)
	}
	return v.Mail
}

// TestMailStateShown: GET of a user and of an invitation shows what SES
// last reported of its mail (state, time, reason, whether mail is
// stopped), never an address, and only while it is about the current
// address: after the user's e-mail changes, the old report is not shown.
func TestMailStateShown(t *testing.T) {
	t.Parallel()
	e := newInvitationEnv(t)
	A := e.a.AdminToken
	u := e.create(dobUser("bounce@example.dk"))
	at := time.Date(2026, 12, 2, 10, 0, 4, 0, time.UTC)
	record := func(target tilgang.MailTarget, address string) {
		t.Helper()
		err := e.store.RecordMailState(context.Background(), target, tilgang.MailState{
			State: tilgang.MailStateBounced, At: at, Reason: "Permanent/General", Address: tilgang.AddressHash(address)})
		if err != nil {
			t.Fatal(err)
		}
	}
	r := e.do(A, "GET", "/users/"+u.ID, nil)
	wantStatus(t, r, http.StatusOK)
	if m := mailOf(t, r); m != nil {
		t.Errorf("before any report: mail = %v", m)
	}

	record(tilgang.MailTarget{OrgID: e.orgA.ID, UserID: u.ID}, "Bounce@Example.dk")
	r = e.do(A, "GET", "/users/"+u.ID, nil)
	wantStatus(t, r, http.StatusOK)
	m := mailOf(t, r)
	if m["state"] != "bounced" || m["at"] != "2026-12-02T10:00:04Z" || m["reason"] != "Permanent/General" || m["blocked"] != true || len(m) != 4 {
		t.Errorf("mail = %v", m)
	}
	if strings.Contains(string(r.body), tilgang.AddressHash("bounce@example.dk")) {
		t.Error("the answer holds the address hash")
	}
	if r := e.do(e.b.AdminToken, "GET", "/users/"+u.ID, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("another organisation reads the user: %d", r.StatusCode)
	}

	r = e.do(A, "PATCH", "/users/"+u.ID, `{"email": "new@example.dk"}`, "Content-Type", "application/merge-patch+json")
	wantStatus(t, r, http.StatusOK)
	r = e.do(A, "GET", "/users/"+u.ID, nil)
	if m := mailOf(t, r); m != nil {
		t.Errorf("after the address changed: mail = %v", m)
	}

	r = e.do(A, "POST", "/invitations", invitationBody(tilgang.RoleUserAdmin, "invitee@example.dk"))
	wantStatus(t, r, http.StatusOK)
	inv := decode[inviteAnswer](t, r).Results[0].InvitationID
	record(tilgang.MailTarget{OrgID: e.orgA.ID, InvitationID: inv}, "invitee@example.dk")
	r = e.do(A, "GET", "/invitations/"+inv, nil)
	wantStatus(t, r, http.StatusOK)
	if m := mailOf(t, r); m["state"] != "bounced" || m["blocked"] != true {
		t.Errorf("invitation mail = %v", m)
	}
}
