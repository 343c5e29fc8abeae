package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestImportLease: one owner at a time; a checkpoint whose answer was lost
// and is sent again counts once; another owner's checkpoint is refused; a
// finished import is not taken again.
func TestImportLease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := testenv.Store(t)
	imp := &tilgang.Import{ID: "0f8fad5b-d9cb-469f-a165-70867728950e", OrgID: "6d0f0a55-1f0a-4c1e-9e2b-3b8f0d3c2a11", Bucket: "b", Key: "imports/x/a.csv", Version: "v1", File: "a.csv"}
	until := time.Now().Add(time.Minute)
	mine, err := st.StartImport(ctx, imp, "me", until)
	if err != nil || mine.Status != tilgang.ImportRunning || mine.NextLine != 1 {
		t.Fatalf("start: %+v, %v", mine, err)
	}
	if _, err := st.StartImport(ctx, imp, "other", until); !errors.Is(err, store.ErrImportBusy) {
		t.Fatalf("second owner: %v; want ErrImportBusy", err)
	}

	before := *mine
	p := store.ImportProgress{Validated: true, Rows: 10, NextLine: 6, Counts: tilgang.ImportCounts{Created: 4, Failed: 1}}
	if err := st.CheckpointImport(ctx, mine, "me", p, until); err != nil {
		t.Fatal(err)
	}
	// The same request again, as an SDK retry after a lost answer sends it.
	if err := st.CheckpointImport(ctx, &before, "me", p, until); err != nil {
		t.Fatalf("retried checkpoint: %v", err)
	}
	stale := *mine
	stale.NextLine = 3
	if err := st.CheckpointImport(ctx, &stale, "other", store.ImportProgress{NextLine: 9}, until); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("another owner's checkpoint: %v; want ErrLeaseLost", err)
	}
	got, err := st.Import(ctx, imp.OrgID, imp.ID)
	if err != nil || got.NextLine != 6 || got.Counts.Created != 4 || got.Counts.Failed != 1 {
		t.Fatalf("after the retried checkpoint: %+v, %v; want counts added once", got, err)
	}

	end := store.ImportEnd{Status: tilgang.ImportRejected, Reason: "why", Code: "header.unknown", Line: 1, Skipped: 3}
	if err := st.FinishImport(ctx, mine, "me", end); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishImport(ctx, &before, "me", end); err != nil {
		t.Fatalf("retried finish: %v", err)
	}
	got, _ = st.Import(ctx, imp.OrgID, imp.ID)
	if got.Status != tilgang.ImportRejected || got.ReasonCode != "header.unknown" || got.Counts.Skipped != 3 || got.Lease != "" {
		t.Fatalf("finished: %+v", got)
	}
	again, err := st.StartImport(ctx, imp, "late", until)
	if err != nil || again.Status != tilgang.ImportRejected {
		t.Fatalf("late delivery: %+v, %v; want the finished import, no lease", again, err)
	}
}
