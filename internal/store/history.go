package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// HistoryQuery selects a user's history entries. The zero value gives the
// newest DefaultHistoryLimit entries, newest first.
type HistoryQuery struct {
	From, To time.Time // inclusive bounds on the time, if set
	Limit    int
	Oldest   bool // oldest first instead of newest first
}

// DefaultHistoryLimit is the page size of a history query without a limit.
const DefaultHistoryLimit = 200

// History reads a user's history with one Query on the user's key; it works
// after the user is deleted too.
func (s *Store) History(ctx context.Context, orgID, userID string, q HistoryQuery) ([]tilgang.Activity, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultHistoryLimit
	}
	lo, hi := skHistoryPrefix, skHistoryPrefix+"~"
	if !q.From.IsZero() {
		lo = skHistoryPrefix + sortableTime(q.From)
	}
	if !q.To.IsZero() {
		hi = skHistoryPrefix + sortableTime(q.To) + "~"
	}
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(userPK(orgID, userID)), ":lo": str(lo), ":hi": str(hi),
		},
		ScanIndexForward: aws.Bool(q.Oldest),
		Limit:            aws.Int32(int32(limit)),
	})
	var out []tilgang.Activity
	for p.HasMorePages() && len(out) < limit {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("store: history: %w", err)
		}
		var items []activityItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, fmt.Errorf("store: unmarshal history: %w", err)
		}
		for _, it := range items {
			out = append(out, tilgang.Activity{At: it.At, Actor: it.Actor, Action: it.Action, Fields: it.Fields, Source: it.Source, By: it.By})
		}
	}
	return out[:min(len(out), limit)], nil
}

// AddActivity adds a to the history of user userID of orgID, alone: for an
// event that changes no user item, such as a role that group membership
// would give and the licence refused (SPEC §5). Like every entry it names
// fields, never values.
func (s *Store) AddActivity(ctx context.Context, orgID, userID string, a tilgang.Activity) error {
	t := s.txn()
	t.put(historyEntry(orgID, userID, a, s.now().UTC()), cond{}, nil)
	return s.transact(ctx, "add history entry", t)
}
