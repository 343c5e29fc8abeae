package store_test

import (
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

// benchMembers is the size of one member add: an identity provider's PATCH
// of 1,000 members.
const benchMembers = 1000

// rawWorkers is how many BatchWriteItem calls the raw way has in flight,
// as many as the store's batches: the two ways differ in what they do,
// not in how parallel they do it.
const rawWorkers = 8

// BenchmarkAddMembers adds 1,000 members to a group in one call. The raw
// way makes only the writes that need: the 1,000 membership items, 25 per
// BatchWriteItem. The store also checks that every id is a user of the
// organisation and which are members already (BatchGetItem, 100 keys per
// call), and moves the group's version once (UpdateItem). Each op adds to
// a group of its own, created with the timer stopped, so every add is of
// 1,000 new members.
func BenchmarkAddMembers(b *testing.B) {
	db, table := testenv.Table(b)
	st := store.New(db, table)
	users := seedUsers(b, db, table, benchOrg, benchMembers)
	n := 0
	newGroup := func(b *testing.B) *tilgang.Group {
		b.StopTimer()
		defer b.StartTimer()
		n++
		g := &tilgang.Group{ID: fmt.Sprintf("5a1d0c3e-8b2f-4e6a-9c7d-%012d", n), OrgID: benchOrg, DisplayName: fmt.Sprintf("Group %d", n)}
		if err := st.CreateGroup(ctx, g, nil); err != nil {
			b.Fatal(err)
		}
		return g
	}

	storeOp := func(b *testing.B) {
		g := newGroup(b)
		added, err := st.AddMembers(ctx, g, users)
		if err != nil {
			b.Fatal(err)
		}
		if len(added) != benchMembers {
			b.Fatalf("%d added, want %d", len(added), benchMembers)
		}
	}

	membership := func(groupID, userID string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{
			"PK": rawS("ORG#" + benchOrg + "#GROUP#" + groupID), "SK": rawS("MEMBER#" + userID),
			"GSI2PK": rawS("ORG#" + benchOrg + "#USERGROUPS#" + userID), "GSI2SK": rawS(groupID),
			"type": rawS("member"), "groupId": rawS(groupID), "userId": rawS(userID),
		}
	}
	rawOp := func(b *testing.B) {
		g := newGroup(b)
		reqs := make([]types.WriteRequest, len(users))
		for i, u := range users {
			reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: membership(g.ID, u)}}
		}
		batches := make(chan []types.WriteRequest)
		var wg sync.WaitGroup
		errs := make([]error, rawWorkers)
		for w := range rawWorkers {
			wg.Go(func() {
				for left := range batches {
					for len(left) > 0 && errs[w] == nil {
						out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: left}})
						if err != nil {
							errs[w] = err
							break
						}
						left = out.UnprocessedItems[table]
					}
				}
			})
		}
		for i := 0; i < len(reqs); i += 25 {
			batches <- reqs[i:min(len(reqs), i+25)]
		}
		close(batches)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
	}

	// The raw items are the store's, attribute for attribute.
	storeOp(b)
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: rawKey("ORG#"+benchOrg+"#GROUP#"+fmt.Sprintf("5a1d0c3e-8b2f-4e6a-9c7d-%012d", n), "MEMBER#"+users[0])})
	if err != nil {
		b.Fatal(err)
	}
	if want := membership(fmt.Sprintf("5a1d0c3e-8b2f-4e6a-9c7d-%012d", n), users[0]); !maps.EqualFunc(out.Item, want, func(a, b types.AttributeValue) bool {
		return a.(*types.AttributeValueMemberS).Value == b.(*types.AttributeValueMemberS).Value
	}) {
		b.Fatalf("the store's membership item %v is not the raw one %v: update rawOp", out.Item, want)
	}

	// An op is some 50 calls, so a few rounds warm up as much as
	// benchWarmup rounds of single calls.
	runPairWarm(b, 5, benchOp{"store", storeOp}, benchOp{"raw", rawOp})

	// The raw way wrote members that the store reads as its own.
	last := &tilgang.Group{ID: fmt.Sprintf("5a1d0c3e-8b2f-4e6a-9c7d-%012d", n), OrgID: benchOrg}
	page, err := st.Members(ctx, last, tilgang.MaxPageSize, "")
	if err != nil || len(page.UserIDs) != benchMembers {
		b.Fatalf("members of the last raw group: %d, %v", len(page.UserIDs), err)
	}
}
