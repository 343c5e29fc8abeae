package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
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

// claimOne claims one item as the mailer claims a batch of one, and
// returns it as claimed, or as it is when it could not be claimed.
func claimOne(st *store.Store, id, claim string, now, until time.Time) (*store.Outbox, error) {
	res, err := st.ClaimOutboxes(ctx, []string{id}, claim, now, until)
	if err != nil {
		return nil, err
	}
	if res[0].Err != nil {
		return res[0].Item, res[0].Err
	}
	return readOne(st, id)
}

// readOne reads one outbox item as the mailer reads a batch of one.
func readOne(st *store.Store, id string) (*store.Outbox, error) {
	items, err := st.OutboxItems(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	return items[0], nil
}

// TestOutboxClaims walks an item through its statuses: one live claim at a
// time, take-over after expiry, marks only by the current claim, and no
// claim once it is done.
func TestOutboxClaims(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	m := newOutbox(t, st)
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

	it, err := claimOne(st, m.ID, "a", t0, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if it.Mail.ID != m.ID || it.Mail.UserID != "u1" || it.Mail.Kind != tilgang.MailActivation || it.Mail.Language != "en" {
		t.Errorf("claimed mail = %+v", it.Mail)
	}
	if it.Status != store.OutboxSending || it.Attempts != 1 || !it.ClaimUntil.Equal(t0.Add(time.Minute)) {
		t.Errorf("after the first claim: %+v", it)
	}
	it, err = claimOne(st, m.ID, "b", t0.Add(59*time.Second), t0.Add(2*time.Minute))
	if !errors.Is(err, store.ErrOutboxTaken) || it.Status != store.OutboxSending {
		t.Fatalf("claim during a live claim: %+v, %v; want ErrOutboxTaken while sending", it, err)
	}
	if _, err := claimOne(st, m.ID, "b", t0.Add(61*time.Second), t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("claim after expiry: %v", err)
	}
	if err := st.MarkOutboxSent(ctx, m.ID, "a", "msg-a", t0); !errors.Is(err, store.ErrClaimLost) {
		t.Errorf("mark by the expired claim: %v, want ErrClaimLost", err)
	}
	if err := st.ReleaseOutbox(ctx, m.ID, "b"); err != nil {
		t.Fatal(err)
	}
	if it, _ := readOne(st, m.ID); it.Status != store.OutboxPending || it.Attempts != 2 {
		t.Errorf("after release: %+v", it)
	}
	if _, err := claimOne(st, m.ID, "c", t0.Add(62*time.Second), t0.Add(3*time.Minute)); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	at := t0.Add(63 * time.Second)
	if err := st.MarkOutboxSent(ctx, m.ID, "c", "msg-c", at); err != nil {
		t.Fatal(err)
	}
	it, err = claimOne(st, m.ID, "d", t0.Add(time.Hour), t0.Add(2*time.Hour))
	if !errors.Is(err, store.ErrOutboxTaken) || it.Status != store.OutboxSent || it.MessageID != "msg-c" || !it.DoneAt.Equal(at) {
		t.Errorf("claim of a sent item: %+v, %v; want ErrOutboxTaken, sent as msg-c", it, err)
	}
	if _, err := claimOne(st, "0190f0c4-0000-7000-8000-00000000ffff", "x", t0, t0); !errors.Is(err, store.ErrOutboxNotFound) {
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
	if _, err := claimOne(st, m.ID, "a", now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	entry := &tilgang.Activity{Actor: "mailer", Action: "mail.failed", Fields: []string{m.Kind}, Source: "mailer"}
	if err := st.MarkOutboxFailed(ctx, m, "b", "ses.MessageRejected", entry, now); !errors.Is(err, store.ErrClaimLost) {
		t.Fatalf("fail by another claim: %v, want ErrClaimLost", err)
	}
	if err := st.MarkOutboxFailed(ctx, m, "a", "ses.MessageRejected", entry, now); err != nil {
		t.Fatal(err)
	}
	it, err := readOne(st, m.ID)
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

// TestOutboxBatch: ClaimOutboxes claims what it can in one go and says why
// it could not claim the rest; MarkOutboxesSent marks the items its claims
// still hold, and a repeated mark by the same claim succeeds; OutboxItems
// and MailUsers read items and users in request order, nil for the absent.
func TestOutboxBatch(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	u := newUser("o1", "u1", "anna")
	ms := make([]tilgang.Mail, 4) // pending, held by another claim, sent, pending
	for i := range ms {
		ms[i] = tilgang.Mail{ID: fmt.Sprintf("0190f0c4-0000-7000-8000-00000000000%d", i+1), OrgID: "o1", UserID: "u1", Kind: tilgang.MailActivation}
	}
	c := change("user.created")
	c.Mail = ms
	if err := st.CreateUser(ctx, u, c); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	if _, err := claimOne(st, ms[1].ID, "other", t0, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := claimOne(st, ms[2].ID, "earlier", t0, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkOutboxSent(ctx, ms[2].ID, "earlier", "msg-earlier", t0); err != nil {
		t.Fatal(err)
	}

	missing := "0190f0c4-0000-7000-8000-00000000ffff"
	ids := []string{ms[0].ID, ms[1].ID, ms[2].ID, missing, ms[3].ID}
	now := t0.Add(time.Second)
	res, err := st.ClaimOutboxes(ctx, ids, "mine", now, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		err    error
		status store.OutboxStatus // of the item returned with ErrOutboxTaken
	}{{nil, ""}, {store.ErrOutboxTaken, store.OutboxSending}, {store.ErrOutboxTaken, store.OutboxSent}, {store.ErrOutboxNotFound, ""}, {nil, ""}}
	for i, w := range want {
		r := res[i]
		if !errors.Is(r.Err, w.err) || (w.status != "") != (r.Item != nil) || (r.Item != nil && r.Item.Status != w.status) {
			t.Errorf("claim of %s: %+v, want %v with status %q", ids[i], r, w.err, w.status)
		}
	}

	items, err := st.OutboxItems(ctx, []string{ms[3].ID, missing, ms[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	if items[1] != nil || items[0] == nil || items[2] == nil {
		t.Fatalf("items = %v, want the two claimed ones around a nil", items)
	}
	for _, it := range []*store.Outbox{items[0], items[2]} {
		if it.Status != store.OutboxSending || it.Attempts != 1 || !it.ClaimUntil.Equal(now.Add(time.Minute)) || it.Mail.UserID != "u1" {
			t.Errorf("claimed item = %+v", it)
		}
	}

	sent := []store.SentOutbox{{ID: ms[0].ID, Claim: "mine", MessageID: "m0"}, {ID: ms[1].ID, Claim: "mine", MessageID: "m1"}, {ID: ms[3].ID, Claim: "mine", MessageID: "m3"}}
	errs, err := st.MarkOutboxesSent(ctx, sent, now)
	if err != nil {
		t.Fatal(err)
	}
	if errs[0] != nil || !errors.Is(errs[1], store.ErrClaimLost) || errs[2] != nil {
		t.Errorf("marks = %v, want only the item held by another claim lost", errs)
	}
	if it, _ := readOne(st, ms[3].ID); it.Status != store.OutboxSent || it.MessageID != "m3" {
		t.Errorf("marked item = %+v", it)
	}
	if it, _ := readOne(st, ms[1].ID); it.Status != store.OutboxSending || it.MessageID != "" {
		t.Errorf("item of the other claim = %+v, want it untouched", it)
	}
	if err := st.MarkOutboxSent(ctx, ms[0].ID, "mine", "m0", now); err != nil {
		t.Errorf("repeated mark by the same claim: %v", err)
	}
	if err := st.MarkOutboxSent(ctx, ms[0].ID, "other", "m0", now); !errors.Is(err, store.ErrClaimLost) {
		t.Errorf("mark of a sent item by another claim: %v, want ErrClaimLost", err)
	}

	users, err := st.MailUsers(ctx, []tilgang.Mail{ms[0], {OrgID: "o1"}, {OrgID: "o1", UserID: "gone"}, ms[1], {OrgID: "o2", UserID: "u1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 5 || users[0] == nil || users[0].UserName != "anna" || users[3] != users[0] || users[1] != nil || users[2] != nil || users[4] != nil {
		t.Errorf("users = %v, want anna twice (read once) and nil for no user, a missing one and another organisation's", users)
	}
}
