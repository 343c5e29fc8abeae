package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// UsersInStatuses lists up to limit users holding any of statuses, in
// userName order, after cursor: a cursor of the unfiltered list (Users
// without status or text, CursorAfter), so that a caller may switch
// between the two. It reads one Query per status on GSI2, where each
// status is its own partition sorted by the folded userName, the same sort
// key as GSI1, and merges them: a page reads at most limit items per
// status, however large the organisation.
func (s *Store) UsersInStatuses(ctx context.Context, orgID string, statuses []tilgang.Status, cursor string, limit int) (tilgang.UserPage, error) {
	limit = min(max(limit, 1), tilgang.MaxPageSize)
	after := ""
	if cursor != "" {
		key, err := decodeCursor(cursor, orgID, attrGSI1PK, attrGSI1SK, orgUsersPK(orgID))
		if err != nil {
			return tilgang.UserPage{}, err
		}
		after = key[attrGSI1SK].(*types.AttributeValueMemberS).Value
	}
	parts := make([]statusPart, len(statuses))
	var wg sync.WaitGroup
	for i, st := range statuses {
		wg.Go(func() { parts[i] = s.statusPart(ctx, orgID, st, after, limit) })
	}
	wg.Wait()

	// A partition cut short (more items than limit, or DynamoDB's 1 MB) is
	// known only up to its last key: the merge may not pass the smallest
	// such key, or it would skip that partition's unread users.
	bound, cut := "", false
	var items []map[string]types.AttributeValue
	for _, p := range parts {
		if p.err != nil {
			return tilgang.UserPage{}, p.err
		}
		if p.last != "" && (!cut || p.last < bound) {
			bound, cut = p.last, true
		}
		items = append(items, p.items...)
	}
	if cut {
		items = slices.DeleteFunc(items, func(av map[string]types.AttributeValue) bool { return sortKey(av) > bound })
	}
	slices.SortFunc(items, func(a, b map[string]types.AttributeValue) int {
		return cmp.Or(cmp.Compare(sortKey(a), sortKey(b)), cmp.Compare(stringAttr(a, attrPK), stringAttr(b, attrPK)))
	})
	more := cut || len(items) > limit
	items = items[:min(len(items), limit)]

	var page tilgang.UserPage
	for _, av := range items {
		if u, err := userKind.decode(av); err != nil {
			page.Unreadable = append(page.Unreadable, itemUserID(av))
		} else {
			page.Users = append(page.Users, u)
		}
	}
	if more && len(items) > 0 {
		last := items[len(items)-1]
		page.NextCursor = encodeCursor(map[string]types.AttributeValue{
			attrPK: last[attrPK], attrSK: last[attrSK],
			attrGSI1PK: str(orgUsersPK(orgID)), attrGSI1SK: str(sortKey(last)),
		}, attrGSI1PK, attrGSI1SK)
	}
	return page, nil
}

// statusPart is what one status partition gave a page: its first items
// after the cursor, and the sort key it was cut at ("" when it was read
// to its end).
type statusPart struct {
	items []map[string]types.AttributeValue
	last  string
	err   error
}

func (s *Store) statusPart(ctx context.Context, orgID string, st tilgang.Status, after string, limit int) statusPart {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI2),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrGSI2PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(orgStatusPK(orgID, string(st)))},
		Limit:                     aws.Int32(int32(limit)),
	}
	if after != "" {
		in.KeyConditionExpression = aws.String("#pk = :pk AND #sk > :after")
		in.ExpressionAttributeNames["#sk"] = attrGSI2SK
		in.ExpressionAttributeValues[":after"] = str(after)
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return statusPart{err: fmt.Errorf("store: list users in status %s: %w", st, err)}
	}
	p := statusPart{items: out.Items}
	if out.LastEvaluatedKey != nil {
		p.last = stringAttr(out.LastEvaluatedKey, attrGSI2SK)
	}
	return p
}

// sortKey is a user item's position in userName order: its GSI2 sort key,
// which equals its GSI1 sort key.
func sortKey(av map[string]types.AttributeValue) string { return stringAttr(av, attrGSI2SK) }

func stringAttr(av map[string]types.AttributeValue, name string) string {
	if v, ok := av[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}
