package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// An organisation's user counts live in userCountShards counter items, each
// in its own partition: a user write moves one shard, chosen at random, in
// its own transaction, so the counts are exact after every committed write,
// and an organisation's writes spread over the shards instead of meeting on
// one item (DynamoDB serves about 1,000 writes a second per item). A read
// sums the shards with one BatchGetItem, whatever the organisation's size.
const userCountShards = 8

// countTotal is the attribute of a shard that counts every user; each
// status has an attribute of its own name.
const countTotal = "users"

func userCountPK(orgID string, shard int) string {
	return "ORG#" + orgID + "#COUNT#" + strconv.Itoa(shard)
}

const skUserCount = "USERS"

// countUser moves the organisation's counts of users, in all and in status,
// by delta. The deltas of one transaction are summed per organisation and
// written as one update when it is sent (flushCounts): a transaction may
// not name an item twice, and a status change is -1 and +1 on one shard.
func (t *txn) countUser(orgID string, status tilgang.Status, delta int) {
	if t.counts == nil {
		t.counts = map[string]map[string]int{}
	}
	c := t.counts[orgID]
	if c == nil {
		c = map[string]int{}
		t.counts[orgID] = c
	}
	c[countTotal] += delta
	if status != "" { // "": a status that could not be read (deleteUnreadableUser)
		c[string(status)] += delta
	}
}

// flushCounts adds the update of one random shard per organisation whose
// counts the transaction moves, and forgets the deltas.
func (t *txn) flushCounts() {
	for orgID, deltas := range t.counts {
		if u := shardUpdate(t.table, orgID, rand.IntN(userCountShards), deltas); u != nil {
			t.update(u, nil)
		}
	}
	t.counts = nil
}

// shardUpdate is the update of table that adds deltas to a shard, nil if
// none is non-zero.
func shardUpdate(table *string, orgID string, shard int, deltas map[string]int) *types.Update {
	names := map[string]string{"#t": attrType}
	values := map[string]types.AttributeValue{":t": str(typeCounter)}
	expr := ""
	for attr, d := range deltas {
		if d == 0 {
			continue
		}
		n := strconv.Itoa(len(names))
		names["#a"+n], values[":d"+n] = attr, number(int64(d))
		if expr != "" {
			expr += ", "
		}
		expr += "#a" + n + " :d" + n
	}
	if expr == "" {
		return nil
	}
	return &types.Update{
		TableName: table, Key: itemKey(userCountPK(orgID, shard), skUserCount),
		UpdateExpression:          aws.String("ADD " + expr + " SET #t = :t"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
}

// UserCounts reads an organisation's user counts: its shards, strongly
// consistent, in one BatchGetItem.
func (s *Store) UserCounts(ctx context.Context, orgID string) (tilgang.UserCounts, error) {
	keys := make([]map[string]types.AttributeValue, userCountShards)
	for i := range keys {
		keys[i] = itemKey(userCountPK(orgID, i), skUserCount)
	}
	attrs := []string{countTotal}
	for _, st := range tilgang.Statuses {
		attrs = append(attrs, string(st))
	}
	items, err := s.batchGet(ctx, keys, attrs...)
	if err != nil {
		return tilgang.UserCounts{}, fmt.Errorf("store: user counts: %w", err)
	}
	c := tilgang.UserCounts{ByStatus: make(map[tilgang.Status]int, len(tilgang.Statuses))}
	for _, st := range tilgang.Statuses {
		c.ByStatus[st] = 0
	}
	for _, it := range items {
		c.Total += intAttr(it, countTotal)
		for _, st := range tilgang.Statuses {
			c.ByStatus[st] += intAttr(it, string(st))
		}
	}
	return c, nil
}

// CountUsers is the number of the organisation's users, from its counts.
func (s *Store) CountUsers(ctx context.Context, orgID string) (int, error) {
	c, err := s.UserCounts(ctx, orgID)
	return c.Total, err
}

func intAttr(item map[string]types.AttributeValue, name string) int {
	n, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0
	}
	v, _ := strconv.Atoi(n.Value)
	return v
}

// RecountUsers counts the organisation's users from their items (a Query
// of its user index that returns only each user's status), compares that
// with the counters and, where they differ, adds the difference to shard 0.
// It returns the counts it found in the counters and those of the items.
//
// The recount is exact while no user of the organisation changes during
// it; a change in flight may make it misjudge that one user. Run it again
// until it finds no difference: what it adds is a delta, so it never
// undoes a concurrent change, and a run that finds the counters right
// writes nothing.
func (s *Store) RecountUsers(ctx context.Context, orgID string) (counters, items tilgang.UserCounts, err error) {
	counters, err = s.UserCounts(ctx, orgID)
	if err != nil {
		return counters, items, err
	}
	items = tilgang.UserCounts{ByStatus: make(map[tilgang.Status]int, len(tilgang.Statuses))}
	for _, st := range tilgang.Statuses {
		items.ByStatus[st] = 0
	}
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ProjectionExpression:      aws.String("#s"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrGSI1PK, "#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(orgUsersPK(orgID))},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return counters, items, fmt.Errorf("store: recount users: %w", err)
		}
		for _, it := range page.Items {
			items.Total++
			if st, ok := it["status"].(*types.AttributeValueMemberS); ok {
				items.ByStatus[tilgang.Status(st.Value)]++
			}
		}
	}
	deltas := map[string]int{countTotal: items.Total - counters.Total}
	for st, n := range items.ByStatus {
		deltas[string(st)] = n - counters.ByStatus[st]
	}
	if u := shardUpdate(aws.String(s.table), orgID, 0, deltas); u != nil {
		if _, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
			ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
		}); err != nil {
			return counters, items, fmt.Errorf("store: repair user counts: %w", err)
		}
	}
	return counters, items, nil
}
