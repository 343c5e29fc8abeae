package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// An organisation's CPR look-ups of one day (SPEC §14: a capped number of
// look-ups of users by CPR number alone per organisation per day) are
// counted in one item per organisation and day. It holds the count in n;
// the count is taken before the look-ups are made, so that it holds
// across files and concurrent imports, and whatever the look-ups find.

const skCPRLookups = "COUNTER"

// cprLookupsPK is the counter of an organisation's CPR look-ups on day
// (YYYY-MM-DD, Europe/Copenhagen).
func cprLookupsPK(orgID, day string) string { return "ORG#" + orgID + "#CPRLOOKUPS#" + day }

// maxReserveTries bounds the rounds of ReserveCPRLookups: each round that
// fails finds the count higher, so only concurrent reservations of the
// same organisation and day make another round.
const maxReserveTries = 8

// ReserveCPRLookups takes up to want look-ups from orgID's allowance of
// perDay for day, and returns how many it took: want if the day has room
// for them, else what room is left (0 once the day is used up). Each
// round is one UpdateItem that ADDs to the day's count on the condition
// that the sum stays within perDay; a round that loses to another
// reservation reads the count from the failed condition and asks for what
// is left. The item expires two days after day.
func (s *Store) ReserveCPRLookups(ctx context.Context, orgID, day string, want, perDay int) (int, error) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return 0, fmt.Errorf("store: reserve CPR look-ups: day %q: %w", day, err)
	}
	expires := d.AddDate(0, 0, 2).Unix()
	want = min(want, perDay)
	for range maxReserveTries {
		if want <= 0 {
			return 0, nil
		}
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                aws.String(s.table),
			Key:                      itemKey(cprLookupsPK(orgID, day), skCPRLookups),
			UpdateExpression:         aws.String("SET #t = :t, expiresAt = :exp ADD #n :k"),
			ConditionExpression:      aws.String("attribute_not_exists(#n) OR #n <= :room"),
			ExpressionAttributeNames: map[string]string{"#t": "type", "#n": "n"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":t": str(typeCounter), ":exp": number(expires), ":k": number(int64(want)), ":room": number(int64(perDay - want)),
			},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		old, failed := conditionFailedItem(err)
		if !failed {
			if err != nil {
				return 0, fmt.Errorf("store: reserve CPR look-ups: %w", err)
			}
			return want, nil
		}
		used := perDay
		if n, ok := old["n"].(*types.AttributeValueMemberN); ok {
			if v, err := strconv.Atoi(n.Value); err == nil {
				used = v
			}
		}
		want = min(want, perDay-used)
	}
	// Reservations of the organisation keep winning: grant none rather
	// than wait, which errs on the side of fewer look-ups.
	return 0, nil
}

// CPRLookupsOn returns how many CPR look-ups orgID reserved on day.
func (s *Store) CPRLookupsOn(ctx context.Context, orgID, day string) (int, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: itemKey(cprLookupsPK(orgID, day), skCPRLookups), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return 0, fmt.Errorf("store: read CPR look-ups: %w", err)
	}
	n, ok := out.Item["n"].(*types.AttributeValueMemberN)
	if !ok {
		return 0, nil
	}
	return strconv.Atoi(n.Value)
}

// checkCPRLookups adds, if b is set, the check that orgID has CPR look-ups
// left on b.Day, refused with tilgang.ErrCPRLookupLimit. Added before the
// user's writes, its refusal is the transaction's answer whatever else
// fails with it (txn.failed), so that a spent day answers the same
// whether the CPR guard holds the number or not.
func (t *txn) checkCPRLookups(orgID string, b *tilgang.CPRLookupBudget) {
	if b == nil {
		return
	}
	t.check(itemKey(cprLookupsPK(orgID, b.Day), skCPRLookups), cond{
		expr:   "attribute_not_exists(#n) OR #n < :max",
		names:  map[string]string{"#n": "n"},
		values: map[string]types.AttributeValue{":max": number(int64(b.PerDay))},
	}, tilgang.ErrCPRLookupLimit)
}
