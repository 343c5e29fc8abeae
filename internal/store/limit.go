package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Rate limits and mail budgets are counters in the table, because Lambda
// instances share no memory: one item per organisation (or source), use and
// window, which expires with its window (TTL). An item holds nothing but
// its count.

const (
	typeLimit = "limit"
	skLimit   = "LIMIT"
	attrTaken = "taken"
)

// LimitKey names one counter. Build it with OrgLimit or SourceLimit: an
// organisation's counters sit under its ORG# prefix, so a caller that
// names its own organisation (from its token) can only ever move its own.
type LimitKey struct{ pk string }

// OrgLimit is the counter of an organisation's use ("scim", "admin",
// "web", "mail") in window, a number that the caller derives from the time
// (the window's index since the epoch).
func OrgLimit(orgID, use string, window int64) LimitKey {
	return LimitKey{pk: "ORG#" + orgID + "#LIMIT#" + use + "#" + strconv.FormatInt(window, 10)}
}

// SourceLimit is the counter of a source's use in window. source is the
// client's address as the caller canonicalised it (an IP or an IPv6 /64),
// never a value the client wrote.
func SourceLimit(source, use string, window int64) LimitKey {
	return LimitKey{pk: "SOURCE#" + source + "#LIMIT#" + use + "#" + strconv.FormatInt(window, 10)}
}

// String is the counter's partition key, for logs and tests.
func (k LimitKey) String() string { return k.pk }

// Take adds n to the counter if that keeps it at or under limit, in one
// UpdateItem (ADD with a condition), and reports whether it did. expires is
// the end of the window: the item's TTL, so that spent windows tidy
// themselves away.
func (s *Store) Take(ctx context.Context, k LimitKey, n, limit int64, expires time.Time) (bool, error) {
	if n <= 0 {
		return true, nil
	}
	if n > limit {
		return false, nil
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.table),
		Key:                 itemKey(k.pk, skLimit),
		UpdateExpression:    aws.String("ADD #n :n SET #t = :t, #e = :e"),
		ConditionExpression: aws.String("attribute_not_exists(#n) OR #n <= :room"),
		ExpressionAttributeNames: map[string]string{
			"#n": attrTaken, "#t": attrType, "#e": attrExpires,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":n": number(n), ":room": number(limit - n), ":t": str(typeLimit), ":e": number(expires.Unix()),
		},
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: take %d of %s: %w", n, k.pk, err)
	}
	return true, nil
}

// GiveBack returns n to the counter: what a caller took for work that
// then did not happen (mail that was not sent).
func (s *Store) GiveBack(ctx context.Context, k LimitKey, n int64) error {
	if n <= 0 {
		return nil
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       itemKey(k.pk, skLimit),
		UpdateExpression:          aws.String("ADD #n :n"),
		ConditionExpression:       aws.String("attribute_exists(#n)"),
		ExpressionAttributeNames:  map[string]string{"#n": attrTaken},
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": number(-n)},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("store: give back %d of %s: %w", n, k.pk, err)
	}
	return nil
}
