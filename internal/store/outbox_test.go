package store_test

import (
	"errors"
	"testing"
	"time"

	tilgang "github.com/tilgang/tilgang/internal"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
)

// newOutbox stores a user with one activation mail and returns the mail.
func newOutbox(t *testing.T, st *store.Store) tilgang.Mail {
	t.Helper()
	u := newUser("o1", "u1", "anna")
	m := tilgang.Mail{ID: "0190f0c4-0000-7000-8000-000000000001", OrgID: "o1", UserID: "u1", Kind: tilgang.MailActivation, Language: "en"}
	c := change("user.created")
	c.Mail = []tilgang.Mail{m}
	if err := st.CreateUser(ctx, u, c); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestOutboxClaims walks an item through its statuses: one live claim at a
// time, take-over after expiry, marks only by the current claim, and no
// claim once it is done.
func TestOutboxClaims(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	m := newOutbox(t, st)
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

	it, err := st.ClaimOutbox(ctx, m.ID, "a", t0, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if it.Mail.ID != m.ID || it.Mail.UserID != "u1" || it.Mail.Kind != tilgang.MailActivation || it.Mail.Language != "en" {
		t.Errorf("claimed mail = %+v", it.Mail)
	}
	if it.Status != store.OutboxSending || it.Attempts != 1 || !it.ClaimUntil.Equal(t0.Add(time.Minute)) {
		t.Errorf("after the first claim: %+v", it)
	}
	it, err = st.ClaimOutbox(ctx, m.ID, "b", t0.Add(59*time.Second), t0.Add(2*time.Minute))
	if !errors.Is(err, store.ErrOutboxTaken) || it.Status != store.OutboxSending {
		t.Fatalf("claim during a live claim: %+v, %v; want ErrOutboxTaken while sending", it, err)
	}
	if _, err := st.ClaimOutbox(ctx, m.ID, "b", t0.Add(61*time.Second), t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("claim after expiry: %v", err)
	}
	if err := st.MarkOutboxSent(ctx, m.ID, "a", "msg-a", t0); !errors.Is(err, store.ErrClaimLost) {
		t.Errorf("mark by the expired claim: %v, want ErrClaimLost", err)
	}
	if err := st.ReleaseOutbox(ctx, m.ID, "b"); err != nil {
		t.Fatal(err)
	}
	if it, _ := st.OutboxItem(ctx, m.ID); it.Status != store.OutboxPending || it.Attempts != 2 {
		t.Errorf("after release: %+v", it)
	}
	if _, err := st.ClaimOutbox(ctx, m.ID, "c", t0.Add(62*time.Second), t0.Add(3*time.Minute)); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	at := t0.Add(63 * time.Second)
	if err := st.MarkOutboxSent(ctx, m.ID, "c", "msg-c", at); err != nil {
		t.Fatal(err)
	}
	it, err = st.ClaimOutbox(ctx, m.ID, "d", t0.Add(time.Hour), t0.Add(2*time.Hour))
	if !errors.Is(err, store.ErrOutboxTaken) || it.Status != store.OutboxSent || it.MessageID != "msg-c" || !it.DoneAt.Equal(at) {
		t.Errorf("claim of a sent item: %+v, %v; want ErrOutboxTaken, sent as msg-c", it, err)
	}
	if _, err := st.ClaimOutbox(ctx, "0190f0c4-0000-7000-8000-00000000ffff", "x", t0, t0); !errors.Is(err, store.ErrOutboxNotFound) {
		t.Errorf("claim of no item: %v, want ErrOutboxNotFound", err)
	}
}

// TestOutboxFailedWritesHistory: a permanent failure is recorded on the
// item and, in the same transaction, in the user's history.
func TestOutboxFailedWritesHistory(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	m := newOutbox(t, st)
	now := time.Now().UTC()
	if _, err := st.ClaimOutbox(ctx, m.ID, "a", now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	entry := &tilgang.Activity{Actor: "mailer", Action: "mail.failed", Fields: []string{m.Kind}, Source: "mailer"}
	if err := st.MarkOutboxFailed(ctx, m, "b", "ses.MessageRejected", entry, now); !errors.Is(err, store.ErrClaimLost) {
		t.Fatalf("fail by another claim: %v, want ErrClaimLost", err)
	}
	if err := st.MarkOutboxFailed(ctx, m, "a", "ses.MessageRejected", entry, now); err != nil {
		t.Fatal(err)
	}
	it, err := st.OutboxItem(ctx, m.ID)
	if err != nil || it.Status != store.OutboxFailed || it.Reason != "ses.MessageRejected" {
		t.Errorf("item = %+v, %v", it, err)
	}
	hist, err := st.History(ctx, "o1", "u1", store.HistoryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Action != "mail.failed" || hist[0].Actor != "mailer" || len(hist[0].Fields) != 1 || hist[0].Fields[0] != m.Kind {
		t.Errorf("history = %+v, want mail.failed on top of user.created", hist)
	}
}
