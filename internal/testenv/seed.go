package testenv

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/store"
)

// SeedUsers writes n users of org straight into the table, with the user
// item layout of the store's README, in parallel batches: creating thousands of
// users one transaction at a time would take most of a test's time. Then it
// recounts the organisation's users (store.RecountUsers). It returns their
// ids, in order.
func SeedUsers(tb testing.TB, db *dynamodb.Client, table, org string, n int) []string {
	tb.Helper()
	ids := make([]string, n)
	reqs := make([]types.WriteRequest, n)
	now := str(time.Now().UTC().Format(time.RFC3339Nano))
	for i := range ids {
		ids[i] = fmt.Sprintf("0b6f7c1e-5d2a-4c3b-9e8f-%012d", i)
		name := fmt.Sprintf("user%07d@example.dk", i)
		reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"PK": str("ORG#" + org + "#USER#" + ids[i]), "SK": str("USER"),
			"GSI1PK": str("ORG#" + org + "#USERS"), "GSI1SK": str(name),
			"GSI2PK": str("ORG#" + org + "#STATUS#active"), "GSI2SK": str(name),
			"type": str("user"), "search": str("anna hansen " + name + " " + name),
			"id": str(ids[i]), "orgId": str(org), "userName": str(name), "email": str(name),
			"firstName": str("Anna"), "lastName": str("Hansen"), "status": str("active"), "kind": str("employee"),
			"anonymous": &types.AttributeValueMemberBOOL{}, "canSign": &types.AttributeValueMemberBOOL{},
			"createdAt": now, "updatedAt": now, "version": &types.AttributeValueMemberN{Value: "1"},
		}}}
	}
	batches := make(chan []types.WriteRequest)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for left := range batches {
				for len(left) > 0 {
					out, err := db.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: left}})
					if err != nil {
						tb.Error(err)
						break
					}
					left = out.UnprocessedItems[table]
				}
			}
		})
	}
	for i := 0; i < n; i += 25 {
		batches <- reqs[i:min(n, i+25)]
	}
	close(batches)
	wg.Wait()
	if tb.Failed() {
		tb.FailNow()
	}
	// Users written past the store have no counts: recount them.
	if _, _, err := store.New(db, table).RecountUsers(context.Background(), org); err != nil {
		tb.Fatal(err)
	}
	return ids
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// LargeGroup is how many members the large-group tests build: 10,000, the
// size SPEC §5 names, except under the race detector (make test), where
// building that many takes minutes on DynamoDB Local, which serves one
// request at a time; there 2,000 show the same costs. `go test ./internal/store
// ./internal/scim -run LargeGroup` builds the full size.
func LargeGroup() int {
	if Race {
		return 2_000
	}
	return 10_000
}
