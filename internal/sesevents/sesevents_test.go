package sesevents_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/sesevents"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var ctx = context.Background()

// sample reads testdata/<name>, an SES event as EventBridge delivers it,
// for the user or invitation target at address.
func sample(t *testing.T, name string, target tilgang.MailTarget, address string) events.EventBridgeEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer("TO_ADDRESS", address, "ORG_ID", target.OrgID).Replace(string(b))
	if target.InvitationID != "" {
		s = strings.Replace(s, `"tilgang-user": ["USER_ID"]`, `"tilgang-invitation": ["`+target.InvitationID+`"]`, 1)
	}
	s = strings.ReplaceAll(s, "USER_ID", target.UserID)
	var ev events.EventBridgeEvent
	if err := json.Unmarshal([]byte(s), &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// newUser stores a user and returns its target.
func newUser(t *testing.T, st *store.Store, email string) tilgang.MailTarget {
	t.Helper()
	u := &tilgang.User{ID: uuid.NewString(), OrgID: uuid.NewString(), UserName: email, Email: email,
		FirstName: "Anna", LastName: "Hansen", Status: tilgang.StatusPendingActivation}
	if err := st.CreateUser(ctx, u, tilgang.Change{Activity: tilgang.Activity{Actor: "test", Source: "test", Action: "user.created"}}); err != nil {
		t.Fatal(err)
	}
	return tilgang.MailTarget{OrgID: u.OrgID, UserID: u.ID}
}

// TestEventsSetTheMailState feeds each sample event to the handler against
// DynamoDB Local: the user's mail state is what the event says, and it
// stops mail to that address exactly for a permanent bounce, a complaint
// and suppression.
func TestEventsSetTheMailState(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	h := sesevents.New(st, slog.New(slog.DiscardHandler))
	for _, tc := range []struct {
		file, state, reason string
		blocks              bool
	}{
		{"bounce-permanent.json", tilgang.MailStateBounced, "Permanent/General", true},
		{"bounce-suppressed.json", tilgang.MailStateSuppressed, "Permanent/OnAccountSuppressionList", true},
		{"bounce-transient.json", tilgang.MailStateSoftBounce, "Transient/MailboxFull", false},
		{"complaint.json", tilgang.MailStateComplained, "abuse", true},
		{"delivery.json", tilgang.MailStateDelivered, "", false},
		{"reject.json", tilgang.MailStateRejected, "Bad content", false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			const address = "Anna.Hansen@Example.dk"
			target := newUser(t, st, address)
			if err := h.Handle(ctx, sample(t, tc.file, target, address)); err != nil {
				t.Fatal(err)
			}
			got, err := st.MailState(ctx, target)
			if err != nil || got == nil {
				t.Fatalf("mail state = %v, %v", got, err)
			}
			if got.State != tc.state || got.Reason != tc.reason || got.At.IsZero() {
				t.Errorf("mail state = %+v, want %s %q", got, tc.state, tc.reason)
			}
			if b := got.Blocks("anna.hansen@example.dk"); b != tc.blocks {
				t.Errorf("Blocks(same address, other case) = %v, want %v", b, tc.blocks)
			}
			if got.Blocks("anna.h@example.dk") {
				t.Error("the state blocks another address")
			}
		})
	}
}

// TestLaterStateWins: SES events come in any order; an older one does not
// replace a newer state. A report for a user who is gone writes nothing.
func TestLaterStateWins(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	h := sesevents.New(st, slog.New(slog.DiscardHandler))
	const address = "b@example.dk"
	target := newUser(t, st, address)
	// The complaint (11:29) comes before the delivery (10:00) it follows.
	for _, f := range []string{"complaint.json", "delivery.json"} {
		if err := h.Handle(ctx, sample(t, f, target, address)); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := st.MailState(ctx, target); got == nil || got.State != tilgang.MailStateComplained {
		t.Errorf("mail state = %+v, want complained", got)
	}

	gone := tilgang.MailTarget{OrgID: target.OrgID, UserID: uuid.NewString()}
	if err := h.Handle(ctx, sample(t, "bounce-permanent.json", gone, address)); err != nil {
		t.Fatal(err)
	}
	if got, err := st.MailState(ctx, gone); err != nil || got != nil {
		t.Errorf("mail state of a user that is gone = %+v, %v; want none", got, err)
	}
}

// TestInvitationMailState: invitation mail's events set the invitation's
// mail state.
func TestInvitationMailState(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	h := sesevents.New(st, slog.New(slog.DiscardHandler))
	now := time.Now().UTC()
	inv := &tilgang.Invitation{ID: uuid.NewString(), OrgID: uuid.NewString(), Email: "invitee@example.dk", Language: "da",
		InviterName: "admin", Status: tilgang.InvitationPending, LinkID: "l1", CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
	mail := tilgang.Mail{ID: uuid.NewString(), OrgID: inv.OrgID, InvitationID: inv.ID, Kind: tilgang.MailInvitation}
	if err := st.CreateInvitation(ctx, inv, mail); err != nil {
		t.Fatal(err)
	}
	target := mail.Target()
	if err := h.Handle(ctx, sample(t, "bounce-permanent.json", target, inv.Email)); err != nil {
		t.Fatal(err)
	}
	if got, err := st.MailState(ctx, target); err != nil || got == nil || !got.Blocks(inv.Email) {
		t.Errorf("invitation mail state = %+v, %v; want bounced", got, err)
	}
}

// TestNotOurEvents: events of mail to no target, and of kinds that set no
// state, are ignored; a document that is no SES event is an error (it goes
// to the dead-letter queue after Lambda's retries).
func TestNotOurEvents(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	h := sesevents.New(st, slog.New(slog.DiscardHandler))
	untagged := sample(t, "delivery.json", tilgang.MailTarget{}, "admin@example.dk")
	if err := h.Handle(ctx, untagged); err != nil {
		t.Errorf("untagged: %v", err)
	}
	sent := events.EventBridgeEvent{ID: "x", DetailType: "Email Sent", Detail: json.RawMessage(`{"eventType":"Send","mail":{},"send":{}}`)}
	if err := h.Handle(ctx, sent); err != nil {
		t.Errorf("Send: %v", err)
	}
	for _, bad := range []string{`[]`, `{}`, `{"eventType":"Bounce","mail":{}}`} {
		if err := h.Handle(ctx, events.EventBridgeEvent{ID: "x", Detail: json.RawMessage(bad)}); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
