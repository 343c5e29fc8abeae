package store_test

import (
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

// BenchmarkAddMembers adds 1,000 members in one call, as an identity
// provider's PATCH does, to an empty group ("empty") and to a group of
// 10,000 whose members' ids lie between the new ones ("large"). The raw
// way makes only the writes that needs: the 1,000 membership items, 25 per
// BatchWriteItem. The store also checks that every id is a user of the
// organisation (BatchGetItem, 100 keys per call) and which are members
// already, and moves the group's version once (UpdateItem). For the empty
// group one Query of the group's memberships in the ids' range answers
// which are members; for the large one that Query stops at 1,000 items
// and the memberships of the ids past them are read by key: the costly
// case of a member add.
//
// Each op's members are removed again with the timer stopped, so every add
// is of 1,000 new members and the table does not grow. Both cases share
// one table, made before either runs: DynamoDB Local serves a table made
// after heavy writes to another many times slower, which would make one
// case pay for the other.
func BenchmarkAddMembers(b *testing.B) {
	db, table := testenv.Table(b)
	st := store.New(db, table)
	users := seedUsers(b, db, table, benchOrg, 12*benchMembers)
	fresh, add, members := users[:benchMembers], []string(nil), []string(nil)
	for i, id := range users[benchMembers:] {
		if i%11 == 5 {
			add = append(add, id)
		} else {
			members = append(members, id)
		}
	}
	empty := &tilgang.Group{ID: "5a1d0c3e-8b2f-4e6a-9c7d-000000000001", OrgID: benchOrg, DisplayName: "Empty"}
	large := &tilgang.Group{ID: "5a1d0c3e-8b2f-4e6a-9c7d-000000000002", OrgID: benchOrg, DisplayName: "Large"}
	if err := st.CreateGroup(ctx, empty, nil); err != nil {
		b.Fatal(err)
	}
	if err := st.CreateGroup(ctx, large, members); err != nil {
		b.Fatal(err)
	}
	if _, err := st.AddMembers(ctx, empty, fresh[:1]); err != nil {
		b.Fatal(err)
	}
	checkMembership(b, db, table, empty.ID, fresh[0])
	removeAgain(b, st, empty, fresh[:1])

	for _, c := range []struct {
		name string
		g    *tilgang.Group
		ids  []string
	}{{"empty", empty, fresh}, {"large", large, add}} {
		b.Run(c.name, func(b *testing.B) {
			storeOp := func(b *testing.B) {
				added, err := st.AddMembers(ctx, c.g, c.ids)
				if err != nil {
					b.Fatal(err)
				}
				if len(added) != len(c.ids) {
					b.Fatalf("%d added, want %d", len(added), len(c.ids))
				}
				removeAgain(b, st, c.g, c.ids)
			}
			rawOp := func(b *testing.B) {
				rawWrite(b, db, table, c.ids, func(u string) map[string]types.AttributeValue { return membership(c.g.ID, u) })
				removeAgain(b, st, c.g, c.ids)
			}
			// An op is some 50 calls, so a few rounds warm up as much as
			// benchWarmup rounds of single calls.
			runPairWarm(b, 3, benchOp{"store", storeOp}, benchOp{"raw", rawOp})
		})
	}
}

// removeAgain removes the members ids from g with the timer stopped,
// checking that the op before added them all.
func removeAgain(b *testing.B, st *store.Store, g *tilgang.Group, ids []string) {
	b.StopTimer()
	defer b.StartTimer()
	if removed, err := st.RemoveMembers(ctx, g, ids); err != nil || len(removed) != len(ids) {
		b.Fatalf("remove again: %d removed, want %d; %v", len(removed), len(ids), err)
	}
}

// membership is a membership item as README.md lays it out.
func membership(groupID, userID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": rawS("ORG#" + benchOrg + "#GROUP#" + groupID), "SK": rawS("MEMBER#" + userID),
		"GSI2PK": rawS("ORG#" + benchOrg + "#USERGROUPS#" + userID), "GSI2SK": rawS(groupID),
		"type": rawS("member"), "groupId": rawS(groupID), "userId": rawS(userID),
	}
}

// checkMembership fails b unless the store's membership item of userID in
// groupID is membership's, attribute for attribute, so that the raw way
// writes what the store writes.
func checkMembership(b *testing.B, db *dynamodb.Client, table, groupID, userID string) {
	b.Helper()
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: rawKey("ORG#"+benchOrg+"#GROUP#"+groupID, "MEMBER#"+userID)})
	if err != nil {
		b.Fatal(err)
	}
	want := membership(groupID, userID)
	if !maps.EqualFunc(out.Item, want, func(x, y types.AttributeValue) bool {
		xs, ok := x.(*types.AttributeValueMemberS)
		return ok && xs.Value == y.(*types.AttributeValueMemberS).Value
	}) {
		b.Fatalf("the store's membership item %v is not the raw one %v: update membership", out.Item, want)
	}
}

// rawWrite puts item(id) for every id with BatchWriteItem, 25 a call,
// rawWorkers calls at once, retrying what DynamoDB leaves unprocessed.
func rawWrite(b *testing.B, db *dynamodb.Client, table string, ids []string, item func(string) map[string]types.AttributeValue) {
	reqs := make([]types.WriteRequest, len(ids))
	for i, id := range ids {
		reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: item(id)}}
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
