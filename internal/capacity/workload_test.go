package capacity

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/store"
)

// TestHotKeyReported: key designs with a known hot key are reported as
// hot. The schedule as it was (every entry of a day in SCHED#<day>),
// written at the 08:00 imports' rate, and one organisation's user index
// (GSI1 ORG#<org>#USERS) under an unpaced import through the real store.
func TestHotKeyReported(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("unsharded schedule day", func(t *testing.T) {
		t.Parallel()
		m := NewMeter(store.TableDefinition("t"))
		db := m.Client()
		for i := range 1000 { // 1,000 user transactions in one second, each with its day's entry
			_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String("t"), Item: item(fmt.Sprintf("ORG#o#USER#%d", i), "USER", "ORG#o#USERS", 900)}},
				{Put: &types.Put{TableName: aws.String("t"), Item: item("SCHED#2026-04-01", fmt.Sprintf("o#%d#expire", i), "", 80)}},
			}})
			if err != nil {
				t.Fatal(err)
			}
		}
		over := m.Report().Over(0.5)
		if len(over) != 2 || over[0].Key != (Key{Table, "SCHED#2026-04-01"}) || over[1].Key != (Key{"GSI1", "ORG#o#USERS"}) {
			t.Fatalf("over 50 %%: %+v; want SCHED#2026-04-01 (2,000 WCU/s) and GSI1 ORG#o#USERS (1,000)", over)
		}
		if over[0].WCU != 2000 {
			t.Errorf("SCHED day at %g WCU/s, want 2000", over[0].WCU)
		}
	})
	t.Run("one organisation importing unpaced", func(t *testing.T) {
		t.Parallel()
		w := Workload{Orgs: 1, Users: 10_000, Largest: 10_000, LargestRows: 2_000, Concurrent: 1, RowsPerSecond: -1, Seconds: 2, Scale: 1, Seed: 1}
		r, err := Run(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		hot := map[Key]bool{}
		for _, p := range r.Over(0.5) {
			hot[p.Key] = true
		}
		for _, k := range []Key{{"GSI1", "ORG#org000000000#USERS"}, {"GSI1", "ORG#org000000000#HISTORY"}, {"GSI2", "ORG#org000000000#STATUS#imported"}} {
			if !hot[k] {
				t.Errorf("%v not reported; over 50 %%: %+v", k, r.Over(0.5))
			}
		}
	})
}

// TestTargetWorkload runs the target workload for a few simulated seconds
// (the peaks are the same every second once the imports run) and finds
// no key over 50 % of a partition's limits, and every table and index
// under half the on-demand table quota.
func TestTargetWorkload(t *testing.T) {
	t.Parallel()
	w := Target()
	w.Seconds = 3
	r, err := Run(context.Background(), w)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	WriteTable(&b, r.Top(10))
	t.Logf("busiest keys:\n%s", b.String())
	if over := r.Over(0.5); len(over) > 0 {
		b.Reset()
		WriteTable(&b, over)
		t.Errorf("keys over 50 %%:\n%s", b.String())
	}
	for ix, p := range r.Totals {
		if p.WCU > TableQuota*0.75 || p.RCU > TableQuota*0.75 {
			t.Errorf("%s at %g WRU/s, %g RRU/s: near the table quota", ix, p.WCU, p.RCU)
		}
	}
	if r.Ops[OpRow].N == 0 || r.Ops[OpSCIM].N == 0 || r.Ops[OpSweep].N == 0 || r.Ops[OpMail].N == 0 {
		t.Errorf("some work never ran: %+v", r.Ops)
	}
	// The keys the issue names are all written, under their limits.
	seen := map[string]bool{}
	for _, p := range r.Peaks {
		seen[Shape(p.Index+" "+p.PK)] = true
	}
	for _, want := range []string{"table SCHED#<day>#<n>", "GSI1 ORG#<id>#USERS", "GSI2 ORG#<id>#STATUS#imported", "GSI1 ORG#<id>#HISTORY", "table ORG#<id>#COUNT#<n>", "GSI2 MAILQ#<n>"} {
		if !seen[want] {
			t.Errorf("no key like %s billed", want)
		}
	}
}
