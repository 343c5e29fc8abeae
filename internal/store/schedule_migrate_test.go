package store_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// migrationNow is the store's clock in the migration tests: entries of
// 2026-06-01 and -02 are due too soon to move.
var migrationNow = time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)

type schedEntry struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	OrgID  string `dynamodbav:"orgId"`
	UserID string `dynamodbav:"userId"`
	Work   string `dynamodbav:"work"`
}

// scheduleEntries scans the test's table for schedule entries (a test may
// scan; the store never does).
func scheduleEntries(t *testing.T, db *dynamodb.Client, table string) []schedEntry {
	t.Helper()
	var out []schedEntry
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		FilterExpression: aws.String("begins_with(PK, :p)"), ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "SCHED#"}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var items []schedEntry
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			t.Fatal(err)
		}
		out = append(out, items...)
	}
	return out
}

func isLegacy(pk string) bool { return strings.Count(pk, "#") == 1 }

// toLegacy moves every schedule entry to its day's unsharded partition,
// where the store wrote it before the schedule was sharded.
func toLegacy(t *testing.T, db *dynamodb.Client, table string) int {
	t.Helper()
	n := 0
	for _, e := range scheduleEntries(t, db, table) {
		if isLegacy(e.PK) {
			continue
		}
		day := strings.Split(e.PK, "#")[1]
		item, err := attributevalue.MarshalMap(e)
		if err != nil {
			t.Fatal(err)
		}
		item["PK"] = &types.AttributeValueMemberS{Value: "SCHED#" + day}
		item["type"] = &types.AttributeValueMemberS{Value: "schedule"}
		_, err = db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String(table), Item: item}},
			{Delete: &types.Delete{TableName: aws.String(table), Key: map[string]types.AttributeValue{
				"PK": &types.AttributeValueMemberS{Value: e.PK}, "SK": &types.AttributeValueMemberS{Value: e.SK}}}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

// scheduledUser is user i of o1 with a deactivation window and an
// activation link on days that depend on i.
func scheduledUser(i int) *tilgang.User {
	u := newUser("o1", fmt.Sprintf("u%03d", i), fmt.Sprintf("user%03d", i))
	u.Deactivation = &tilgang.Deactivation{From: fmt.Sprintf("2026-12-%02d", 1+i%20), To: fmt.Sprintf("2026-12-%02d", 5+i%20)}
	u.Activation = &tilgang.Activation{LinkID: "l", ExpiresAt: time.Date(2026, 11, 1+i%25, 12, 0, 0, 0, time.UTC)}
	return u
}

// checkSchedule fails unless the schedule holds exactly the entries the
// users' states need, each once and in its shard; legacy entries may only
// be stale (work no user needs) or due before keep.
func checkSchedule(t *testing.T, db *dynamodb.Client, table string, st *store.Store, ids []string, keep string) {
	t.Helper()
	need := map[string]bool{}
	for _, id := range ids {
		u, err := st.User(ctx, "o1", id)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range store.DueWork(u) {
			need[d.OrgID+"#"+d.UserID+"#"+d.Work+" "+d.Day] = true
		}
	}
	seen := map[string]int{}
	for _, e := range scheduleEntries(t, db, table) {
		day := strings.Split(e.PK, "#")[1]
		k := e.SK + " " + day
		if isLegacy(e.PK) {
			if need[k] && day > keep {
				t.Errorf("needed entry %s still in the legacy partition", k)
			}
			if need[k] {
				seen[k]++
			}
			continue
		}
		if want := store.SchedulePK(day, e.OrgID, e.UserID); e.PK != want {
			t.Errorf("entry %s in %s, want %s", k, e.PK, want)
		}
		if !need[k] {
			t.Errorf("entry %s that no user needs in a shard", k)
		}
		seen[k]++
	}
	for k := range need {
		if seen[k] != 1 {
			t.Errorf("entry %s stored %d times, want once", k, seen[k])
		}
	}
}

func TestMigrateSchedule(t *testing.T) {
	t.Parallel()
	db, table := testenv.Table(t)
	st := store.New(db, table, store.WithClock(func() time.Time { return migrationNow }))
	var ids []string
	for i := range 30 {
		u := scheduledUser(i)
		if i == 0 { // due today: stays for the sweep, which reads the legacy partition
			u.Deactivation = &tilgang.Deactivation{From: "2026-06-01"}
		}
		if err := st.CreateUser(ctx, u, change("user.created")); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	legacy := toLegacy(t, db, table)
	rep, err := st.MigrateSchedule(ctx, "o1")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Users != 30 || rep.Moved != legacy-1 {
		t.Errorf("report %+v; want 30 users, %d moved", rep, legacy-1)
	}
	checkSchedule(t, db, table, st, ids, "2026-06-02")
	if due, err := st.DueOn(ctx, "2026-06-01"); err != nil || len(due) != 1 || !due[0].Legacy {
		t.Errorf("today: %+v, %v; want the one legacy entry", due, err)
	}
	again, err := st.MigrateSchedule(ctx, "o1")
	if err != nil || again.Moved != 0 {
		t.Errorf("second run: %+v, %v; want nothing moved", again, err)
	}
}

// TestMigrateScheduleWhileWriting moves the schedule while users' windows
// keep changing and two migrations run at once: afterwards every entry a
// user's state needs is stored exactly once, in its shard.
func TestMigrateScheduleWhileWriting(t *testing.T) {
	t.Parallel()
	db, table := testenv.Table(t)
	st := store.New(db, table, store.WithClock(func() time.Time { return migrationNow }))
	var ids []string
	for i := range 40 {
		u := scheduledUser(i)
		if err := st.CreateUser(ctx, u, change("user.created")); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	toLegacy(t, db, table)

	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 2 {
		wg.Add(1)
		go func() { // writers: move every other window by a day, twice
			defer wg.Done()
			for round := range 2 {
				for i, id := range ids {
					if i%2 != w {
						continue
					}
					_, err := tilgang.RetryStale(ctx, func() (struct{}, error) {
						old, err := st.User(ctx, "o1", id)
						if err != nil {
							return struct{}{}, err
						}
						u := old.Clone()
						if (i+round)%3 == 0 {
							u.Deactivation = nil // the need for the legacy entries goes
						} else {
							u.Deactivation = &tilgang.Deactivation{From: fmt.Sprintf("2026-12-%02d", 2+(i+round)%20)}
						}
						return struct{}{}, st.UpdateUser(ctx, old, u, change("user.updated"))
					})
					if err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := st.MigrateSchedule(ctx, "o1"); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	checkSchedule(t, db, table, st, ids, "2026-06-02")
}

// TestDueOnReadsLegacyEntries: until the migration has run, the scheduler
// finds, does and drops entries in the legacy partition.
func TestDueOnReadsLegacyEntries(t *testing.T) {
	t.Parallel()
	db, table := testenv.Table(t)
	st := store.New(db, table)
	u := newUser("o1", "u1", "anna")
	u.Status = tilgang.StatusActive
	u.Deactivation = &tilgang.Deactivation{From: "2026-12-01", To: "2026-12-01"}
	if err := st.CreateUser(ctx, u, change("user.created")); err != nil {
		t.Fatal(err)
	}
	if n := toLegacy(t, db, table); n != 2 {
		t.Fatalf("%d entries made legacy, want 2", n)
	}
	due, err := st.DueOn(ctx, "2026-12-01")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Due{{Day: "2026-12-01", OrgID: "o1", UserID: "u1", Work: store.WorkStart, Legacy: true}}
	if !slices.Equal(due, want) {
		t.Fatalf("due %+v, want %+v", due, want)
	}
	if ok, err := st.IsDue(ctx, due[0]); err != nil || !ok {
		t.Fatalf("IsDue: %v, %v", ok, err)
	}
	next := u.Clone()
	next.Status, next.StatusBeforeDeactivation = tilgang.StatusDeactivated, tilgang.StatusActive
	if err := st.ApplyDue(ctx, u, next, change("user.deactivated"), due[0]); err != nil {
		t.Fatal(err)
	}
	if due, err := st.DueOn(ctx, "2026-12-01"); err != nil || len(due) != 0 {
		t.Fatalf("after the work: %+v, %v", due, err)
	}
	if err := st.ApplyDue(ctx, next, next.Clone(), change("user.deactivated"), want[0]); err == nil {
		t.Error("the same legacy work done twice")
	}
	end, err := st.DueOn(ctx, "2026-12-02")
	if err != nil || len(end) != 1 || !end[0].Legacy {
		t.Fatalf("end: %+v, %v", end, err)
	}
	if err := st.DropDue(ctx, end[0]); err != nil {
		t.Fatal(err)
	}
	if left := scheduleEntries(t, db, table); len(left) != 0 {
		t.Errorf("left %+v", left)
	}
}
