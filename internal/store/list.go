package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Users lists a page of an organisation's users with a Query on GSI1 (or
// GSI2 for one status); a text filter is a filter expression on that Query,
// so a page may take several reads, never a Scan.
func (s *Store) Users(ctx context.Context, orgID string, q tilgang.UserQuery) (tilgang.UserPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = tilgang.DefaultPageSize
	}
	limit = min(limit, tilgang.MaxPageSize)
	index, pkName, skName, pk := indexGSI1, attrGSI1PK, attrGSI1SK, orgUsersPK(orgID)
	if q.Status != "" {
		index, pkName, skName, pk = indexGSI2, attrGSI2PK, attrGSI2SK, orgStatusPK(orgID, string(q.Status))
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(index),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": pkName},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		Limit:                     aws.Int32(int32(limit)),
	}
	if text := strings.ToLower(strings.TrimSpace(q.Text)); text != "" {
		in.FilterExpression = aws.String("contains(#search, :q)")
		in.ExpressionAttributeNames["#search"] = "search"
		in.ExpressionAttributeValues[":q"] = str(text)
		// A filter drops items after they are read: read more per request
		// so that sparse matches do not cost a round trip per few users.
		in.Limit = aws.Int32(int32(max(limit, 200)))
	}
	if q.Cursor != "" {
		start, err := decodeCursor(q.Cursor, orgID, pkName, skName, pk)
		if err != nil {
			return tilgang.UserPage{}, err
		}
		in.ExclusiveStartKey = start
	}
	var page tilgang.UserPage
	for reads := 1; ; reads++ {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return tilgang.UserPage{}, fmt.Errorf("store: list users: %w", err)
		}
		for i, av := range out.Items {
			// One item that does not decode never fails the page (SPEC
			// §14): it is named by id, for the caller to show and log.
			if u, err := userKind.decode(av); err != nil {
				page.Unreadable = append(page.Unreadable, itemUserID(av))
			} else {
				page.Users = append(page.Users, u)
			}
			if len(page.Users)+len(page.Unreadable) == limit {
				if i < len(out.Items)-1 || out.LastEvaluatedKey != nil {
					page.NextCursor = encodeCursor(av, pkName, skName)
				}
				return page, nil
			}
		}
		if out.LastEvaluatedKey == nil {
			return page, nil
		}
		if reads == maxReadsPerPage {
			// A rare search term in a large organisation would otherwise
			// read the whole partition in one request: hand back what there
			// is, and a cursor to read on from.
			page.NextCursor = encodeCursor(out.LastEvaluatedKey, pkName, skName)
			return page, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// itemUserID is the id of a user's item however broken its other
// attributes are: its id attribute, else the end of its key.
func itemUserID(av map[string]types.AttributeValue) string {
	if id := idAttribute(av); id != "" {
		return id
	}
	if v, ok := av[attrPK].(*types.AttributeValueMemberS); ok {
		if _, id, found := strings.Cut(v.Value, "#USER#"); found {
			return id
		}
	}
	return ""
}

// idAttribute is the id attribute of an item that may not decode, or "".
func idAttribute(av map[string]types.AttributeValue) string {
	if v, ok := av["id"].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// maxReadsPerPage bounds the Query calls of one page of a filtered list,
// and so its time; a page may come back short, with a cursor.
const maxReadsPerPage = 10

// A cursor is the index and table key of the last user returned. Decoding
// checks that it belongs to the same organisation and index, so a cursor
// cannot be used to read another organisation's partition.
func encodeCursor(item map[string]types.AttributeValue, pkName, skName string) string {
	key := map[string]string{}
	for _, name := range []string{attrPK, attrSK, pkName, skName} {
		if v, ok := item[name].(*types.AttributeValueMemberS); ok {
			key[name] = v.Value
		}
	}
	b, _ := json.Marshal(key)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DynamoDB's key size limits; a longer key in a forged cursor would make
// DynamoDB refuse the request, which must be the client's 400, not a 500.
const (
	maxPartitionKeyBytes = 2048
	maxSortKeyBytes      = 1024
)

func decodeCursor(cursor, orgID, pkName, skName, pk string) (map[string]types.AttributeValue, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, tilgang.ErrBadCursor
	}
	var key map[string]string
	if err := json.Unmarshal(b, &key); err != nil || len(key) != 4 {
		return nil, tilgang.ErrBadCursor
	}
	// Exactly the keys of a user item of this organisation on this index,
	// none empty: anything else is forged or from another query.
	if key[pkName] != pk || key[attrSK] != skUser || key[skName] == "" || len(key[skName]) > maxSortKeyBytes ||
		!strings.HasPrefix(key[attrPK], userPK(orgID, "")) || key[attrPK] == userPK(orgID, "") || len(key[attrPK]) > maxPartitionKeyBytes {
		return nil, tilgang.ErrBadCursor
	}
	av := make(map[string]types.AttributeValue, len(key))
	for k, v := range key {
		av[k] = str(v)
	}
	return av, nil
}

// CursorAfter returns the cursor of a user list (all statuses, no text)
// that continues right after u, so that a caller who walks the list can
// resume at any user it has seen.
func CursorAfter(u *tilgang.User) string {
	it := toUserItem(u)
	b, _ := json.Marshal(map[string]string{attrPK: it.PK, attrSK: it.SK, attrGSI1PK: it.GSI1PK, attrGSI1SK: it.GSI1SK})
	return base64.RawURLEncoding.EncodeToString(b)
}
