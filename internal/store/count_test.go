package store_test

import (
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestUserCountsFollowEveryWrite runs a mixed workload at once (creates,
// creates refused as duplicates, import rows, each of them retried,
// status changes, a scheduled deactivation, deletes and a stale update) and
// checks that the counters equal a recount of the items after it.
func TestUserCountsFollowEveryWrite(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	const n = 24
	users := make([]*tilgang.User, n)
	for i := range users {
		users[i] = newUser("o1", fmt.Sprintf("u%02d", i), fmt.Sprintf("user%02d", i))
	}
	if err := st.CreateUser(ctx, newUser("o2", "x1", "other"), change("user.created")); err != nil {
		t.Fatal(err)
	}

	taken := newUser("o1", "taken", "taken")
	if err := st.CreateUser(ctx, taken, change("user.created")); err != nil {
		t.Fatal(err)
	}

	// Round 1, at once: every user is created, and as many creates of the
	// taken userName fail their transactions and count nothing. Every
	// third user comes from an import row, which is then applied again
	// (and fails with ErrRowApplied); users 12-15 have a deactivation that
	// the schedule starts in round 2.
	var wg sync.WaitGroup
	for i, u := range users {
		if i >= 12 && i < 16 {
			u.Deactivation = &tilgang.Deactivation{From: "2026-12-01"}
		}
		wg.Go(func() {
			c := change("user.created")
			if i%3 == 0 {
				c.Row = &tilgang.ImportRow{ImportID: "imp1", Line: i + 2, Action: "create", Result: tilgang.RowCreated, UserID: u.ID}
			}
			if err := st.CreateUser(ctx, u, c); err != nil {
				t.Errorf("create %s: %v", u.ID, err)
			}
		})
		wg.Go(func() {
			dup := newUser("o1", u.ID+"-dup", taken.UserName)
			if err := st.CreateUser(ctx, dup, change("user.created")); err == nil {
				t.Errorf("a second user named %q was created", taken.UserName)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for i := 0; i < n; i += 3 {
		retry := users[i].Clone()
		retry.ID = users[i].ID + "-retry"
		retry.UserName += "-retry"
		c := change("user.created")
		c.Row = &tilgang.ImportRow{ImportID: "imp1", Line: i + 2, Action: "create", Result: tilgang.RowCreated, UserID: retry.ID}
		if err := st.CreateUser(ctx, retry, c); !errors.Is(err, tilgang.ErrRowApplied) {
			t.Fatalf("retried row %d: %v, want ErrRowApplied", i+2, err)
		}
	}

	// Round 2, at once: users 0-5 are deleted, 6-11 activated, 12-15
	// deactivated by the schedule, 16-17 get a new name (no status change)
	// and 18 a stale update that fails.
	for i, u := range users {
		wg.Go(func() {
			var err error
			next := u.Clone()
			switch {
			case i < 6:
				err = st.DeleteUser(ctx, u, change("user.deleted"))
			case i < 12:
				next.Status = tilgang.StatusActive
				err = st.UpdateUser(ctx, u, next, change("user.activated"))
			case i < 16:
				next.Status, next.StatusBeforeDeactivation = tilgang.StatusDeactivated, u.Status
				err = st.ApplyDue(ctx, u, next, change("user.deactivated"), store.Due{Day: "2026-12-01", OrgID: "o1", UserID: u.ID, Work: store.WorkStart})
			case i < 18:
				next.FirstName = "Berit"
				err = st.UpdateUser(ctx, u, next, change("user.updated"))
			case i == 18:
				stale := u.Clone()
				stale.Version--
				next.Status = tilgang.StatusActive
				if err := st.UpdateUser(ctx, stale, next, change("user.activated")); !errors.Is(err, tilgang.ErrStale) {
					t.Errorf("stale update: %v, want ErrStale", err)
				}
				next.Status = u.Status
			}
			if err != nil {
				t.Errorf("user %d: %v", i, err)
			}
			users[i] = next
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	want := tilgang.UserCounts{Total: n - 6 + 1, ByStatus: map[tilgang.Status]int{}}
	for _, s := range tilgang.Statuses {
		want.ByStatus[s] = 0
	}
	for _, u := range append(users[6:], taken) {
		want.ByStatus[u.Status]++
	}
	got, err := st.UserCounts(ctx, "o1")
	if err != nil {
		t.Fatal(err)
	}
	assertCounts(t, "counters", got, want)
	counters, items, err := st.RecountUsers(ctx, "o1")
	if err != nil {
		t.Fatal(err)
	}
	assertCounts(t, "recount's counters", counters, want)
	assertCounts(t, "recount's items", items, want)
	other, err := st.UserCounts(ctx, "o2")
	if err != nil || other.Total != 1 || other.ByStatus[tilgang.StatusImported] != 1 {
		t.Errorf("other organisation's counts = %+v, %v; want 1 imported", other, err)
	}
}

// TestRecountUsersRepairsAShard corrupts one counter shard and checks that
// the recount reports the difference, fixes it, and then finds none.
func TestRecountUsersRepairsAShard(t *testing.T) {
	t.Parallel()
	db, table := testenv.Table(t)
	st := store.New(db, table)
	for i := range 5 {
		if err := st.CreateUser(ctx, newUser("o1", fmt.Sprintf("u%d", i), fmt.Sprintf("user%d", i)), change("user.created")); err != nil {
			t.Fatal(err)
		}
	}
	// Shard 3, as internal/store/README.md lays it out, loses two users
	// and gains a deactivated one that does not exist.
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(table),
		Key:                      map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "ORG#o1#COUNT#3"}, "SK": &types.AttributeValueMemberS{Value: "USERS"}},
		UpdateExpression:         aws.String("ADD #u :u, #i :i, #d :d"),
		ExpressionAttributeNames: map[string]string{"#u": "users", "#i": "imported", "#d": "deactivated"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":u": &types.AttributeValueMemberN{Value: "-1"}, ":i": &types.AttributeValueMemberN{Value: "-2"}, ":d": &types.AttributeValueMemberN{Value: "1"},
		},
	}); err != nil {
		t.Fatal(err)
	}
	want := tilgang.UserCounts{Total: 5, ByStatus: map[tilgang.Status]int{}}
	for _, s := range tilgang.Statuses {
		want.ByStatus[s] = 0
	}
	want.ByStatus[tilgang.StatusImported] = 5
	corrupt := tilgang.UserCounts{Total: 4, ByStatus: maps.Clone(want.ByStatus)}
	corrupt.ByStatus[tilgang.StatusImported], corrupt.ByStatus[tilgang.StatusDeactivated] = 3, 1

	counters, items, err := st.RecountUsers(ctx, "o1")
	if err != nil {
		t.Fatal(err)
	}
	assertCounts(t, "first recount's counters", counters, corrupt)
	assertCounts(t, "first recount's items", items, want)
	counters, items, err = st.RecountUsers(ctx, "o1")
	if err != nil {
		t.Fatal(err)
	}
	assertCounts(t, "second recount's counters", counters, want)
	assertCounts(t, "second recount's items", items, want)
}

func assertCounts(t *testing.T, what string, got, want tilgang.UserCounts) {
	t.Helper()
	if got.Total != want.Total || !maps.Equal(got.ByStatus, want.ByStatus) {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
}
