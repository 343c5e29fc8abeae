package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
)

// undelivered lists the items of the undelivered index, pending or failed.
func undelivered(t *testing.T, st *store.Store, failed bool) []string {
	t.Helper()
	items, err := st.UndeliveredOutboxes(ctx, time.Now().Add(time.Hour), failed, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range items {
		ids = append(ids, o.Mail.ID)
	}
	return ids
}

// TestUndeliveredIndex: a new item is in the index until it is sent or
// skipped; a failed item moves to the failed partitions; a claimed item
// stays (its claim may expire).
func TestUndeliveredIndex(t *testing.T) {
	t.Parallel()
	for _, end := range []store.OutboxStatus{store.OutboxSent, store.OutboxSkipped, store.OutboxFailed} {
		t.Run(string(end), func(t *testing.T) {
			t.Parallel()
			st := testenv.Store(t)
			m := newOutbox(t, st)
			if got := undelivered(t, st, false); len(got) != 1 || got[0] != m.ID {
				t.Fatalf("new item: undelivered = %v, want [%s]", got, m.ID)
			}
			now := time.Now()
			if _, err := claimOne(st, m.ID, "c", now, now.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if got := undelivered(t, st, false); len(got) != 1 {
				t.Fatalf("claimed item: undelivered = %v, want it listed", got)
			}
			var err error
			switch end {
			case store.OutboxSent:
				err = st.MarkOutboxSent(ctx, m.ID, "c", "msg-1", now)
			case store.OutboxSkipped:
				err = st.MarkOutboxSkipped(ctx, m.ID, "c", "user.gone", now)
			case store.OutboxFailed:
				err = st.MarkOutboxFailed(ctx, m, "c", "ses.MessageRejected", nil, now)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := undelivered(t, st, false); len(got) != 0 {
				t.Errorf("%s item still listed as pending: %v", end, got)
			}
			if got, want := len(undelivered(t, st, true)), map[bool]int{true: 1}[end == store.OutboxFailed]; got != want {
				t.Errorf("%s item: %d failed listed, want %d", end, got, want)
			}
		})
	}
}

// TestRedriveOutbox: a pending item is replaced once by a new pending item
// of the same mail; a live claim, or an item done, keeps it from being
// replaced; a failed item is replaced only when failed items are asked for.
func TestRedriveOutbox(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	m := newOutbox(t, st)
	old, err := readOne(st, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := claimOne(st, m.ID, "live", now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := st.RedriveOutbox(ctx, old, "new-1", false, now); !errors.Is(err, store.ErrOutboxTaken) {
		t.Fatalf("re-drive under a live claim: %v, want ErrOutboxTaken", err)
	}
	// The claim expires, as a mailer's that died would.
	later := now.Add(2 * time.Minute)
	if err := st.RedriveOutbox(ctx, old, "new-1", true, later); !errors.Is(err, store.ErrOutboxTaken) {
		t.Fatalf("re-drive of a pending item as failed: %v, want ErrOutboxTaken", err)
	}
	if err := st.RedriveOutbox(ctx, old, "new-1", false, later); err != nil {
		t.Fatal(err)
	}
	if err := st.RedriveOutbox(ctx, old, "new-2", false, later); !errors.Is(err, store.ErrOutboxTaken) {
		t.Fatalf("second re-drive: %v, want ErrOutboxTaken", err)
	}
	was, err := readOne(st, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if was.Status != store.OutboxSkipped || was.Reason != store.Redriven+":new-1" {
		t.Errorf("old item: %s %q, want skipped %q", was.Status, was.Reason, store.Redriven+":new-1")
	}
	// The claim that expired can no longer mark the item.
	if err := st.MarkOutboxSent(ctx, m.ID, "live", "late", later); !errors.Is(err, store.ErrClaimLost) {
		t.Fatalf("mark by the expired claim: %v, want ErrClaimLost", err)
	}
	next, err := readOne(st, "new-1")
	if err != nil || next == nil {
		t.Fatalf("new item: %v, %v", next, err)
	}
	if next.Status != store.OutboxPending || next.Mail.UserID != m.UserID || next.Mail.Kind != m.Kind || next.Redrives != 1 ||
		!next.FirstWritten().Equal(old.CreatedAt) {
		t.Errorf("new item = %+v, want pending, the same mail, 1 re-drive, first written %v", next, old.CreatedAt)
	}
	if got := undelivered(t, st, false); len(got) != 1 || got[0] != "new-1" {
		t.Errorf("undelivered = %v, want [new-1]", got)
	}
}
