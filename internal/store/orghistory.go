package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// orgHistoryPK is the GSI1 partition of an organisation's history.
func orgHistoryPK(orgID string) string { return "ORG#" + orgID + "#HISTORY" }

// historySearch is the text a history filter matches: who, what, which
// fields and from where, folded. It holds no values, like the entry.
func historySearch(a tilgang.Activity) string {
	parts := append([]string{a.Actor, a.Action, a.Source}, a.Fields...)
	if b := a.By; b != nil {
		// A person is found by name or e-mail, an import by its file or
		// uploader, as the console's filters look for them.
		parts = append(parts, b.Name, b.Email, b.File)
		if b.Uploader != nil {
			parts = append(parts, b.Uploader.Name, b.Uploader.Email)
		}
	}
	return strings.ToLower(strings.Join(parts, " "))
}

// sourcesOfKind are the sources whose entries from before actors were
// stored count as each actor kind (tilgang.ActorOf).
var sourcesOfKind = map[string][]string{
	tilgang.ActorToken: {"admin"}, tilgang.ActorSCIM: {"scim"}, tilgang.ActorImport: {"csv"},
	tilgang.ActorUser: {"web"}, tilgang.ActorPerson: {"console"}, tilgang.ActorSystem: {"scheduler", "mailer"},
}

// HistoryFilter selects history entries. The zero value gives the newest
// DefaultHistoryLimit entries, newest first.
type HistoryFilter struct {
	From, To time.Time // inclusive bounds on the time, if set
	// Text keeps the entries whose actor, action, field names or source
	// contain it, case-insensitively.
	Text string
	// ActorKind keeps the entries by actors of this kind (tilgang.ActorPerson
	// and so on); an entry from before actors were stored counts as the
	// kind its source implies, as tilgang.ActorOf reads it.
	ActorKind string
	Limit     int  // at most this many (tilgang.MaxHistoryPageSize); 0 means DefaultHistoryLimit
	Oldest    bool // oldest first instead of newest first
	Cursor    string
}

// UserHistory reads a page of one user's history with a Query on the
// user's key; it works after the user is deleted too.
func (s *Store) UserHistory(ctx context.Context, orgID, userID string, f HistoryFilter) (tilgang.HistoryPage, error) {
	pk := userPK(orgID, userID)
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("#pk = :pk AND #sk BETWEEN :lo AND :hi"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#sk": attrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
	}
	check := func(key map[string]string) bool { return key[attrPK] == pk }
	return s.history(ctx, in, f, []string{attrPK, attrSK}, check)
}

// OrgHistory reads a page of the history of all an organisation's users
// with a Query on GSI1.
func (s *Store) OrgHistory(ctx context.Context, orgID string, f HistoryFilter) (tilgang.HistoryPage, error) {
	pk := orgHistoryPK(orgID)
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("#pk = :pk AND #sk BETWEEN :lo AND :hi"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrGSI1PK, "#sk": attrGSI1SK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
	}
	check := func(key map[string]string) bool {
		return key[attrGSI1PK] == pk && key[attrSK] == key[attrGSI1SK] &&
			strings.HasPrefix(key[attrPK], userPK(orgID, "")) && len(key[attrPK]) <= maxPartitionKeyBytes
	}
	return s.history(ctx, in, f, []string{attrPK, attrSK, attrGSI1PK, attrGSI1SK}, check)
}

// history runs a history Query: in names the partition, f adds the time
// range, the filter, the order and the cursor, whose key names are keys
// and which check accepts as this query's.
func (s *Store) history(ctx context.Context, in *dynamodb.QueryInput, f HistoryFilter, keys []string, check func(map[string]string) bool) (tilgang.HistoryPage, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultHistoryLimit
	}
	limit = min(limit, tilgang.MaxHistoryPageSize)
	lo, hi := skHistoryPrefix, skHistoryPrefix+"~"
	if !f.From.IsZero() {
		lo = skHistoryPrefix + sortableTime(f.From)
	}
	if !f.To.IsZero() {
		hi = skHistoryPrefix + sortableTime(f.To) + "~"
	}
	in.ExpressionAttributeValues[":lo"], in.ExpressionAttributeValues[":hi"] = str(lo), str(hi)
	in.ScanIndexForward = aws.Bool(f.Oldest)
	in.Limit = aws.Int32(int32(limit))
	if text := strings.ToLower(strings.TrimSpace(f.Text)); text != "" {
		in.FilterExpression = aws.String("contains(#search, :q)")
		in.ExpressionAttributeNames["#search"] = "search"
		in.ExpressionAttributeValues[":q"] = str(text)
		in.Limit = aws.Int32(int32(max(limit, 200))) // see Users
	}
	if f.ActorKind != "" {
		filter := "(#by.#kind = :kind OR (attribute_not_exists(#by) AND #source IN (:s0, :s1)))"
		in.ExpressionAttributeNames["#by"], in.ExpressionAttributeNames["#kind"], in.ExpressionAttributeNames["#source"] = "by", "kind", "source"
		in.ExpressionAttributeValues[":kind"] = str(f.ActorKind)
		// Two sources at most imply one kind; a kind with one repeats it.
		s := append(sourcesOfKind[f.ActorKind], "", "")
		if s[0] == "" {
			s[0] = "-" // no source implies the kind: only entries that store it match
		}
		if s[1] == "" {
			s[1] = s[0]
		}
		in.ExpressionAttributeValues[":s0"], in.ExpressionAttributeValues[":s1"] = str(s[0]), str(s[1])
		if in.FilterExpression != nil {
			filter = *in.FilterExpression + " AND " + filter
		}
		in.FilterExpression = aws.String(filter)
		in.Limit = aws.Int32(int32(max(limit, 200))) // see Users
	}
	if f.Cursor != "" {
		start, err := decodeHistoryCursor(f.Cursor, keys, check)
		if err != nil {
			return tilgang.HistoryPage{}, err
		}
		in.ExclusiveStartKey = start
	}
	var page tilgang.HistoryPage
	for reads := 1; ; reads++ {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return tilgang.HistoryPage{}, fmt.Errorf("store: history: %w", err)
		}
		for i, av := range out.Items {
			// An entry that does not decode whole is shown with what could
			// be read, marked, and never fails the page (SPEC §14).
			var it activityItem
			bad := attributevalue.UnmarshalMap(av, &it) != nil
			if bad {
				it, _ = salvage[activityItem](av)
			}
			page.Entries = append(page.Entries, tilgang.HistoryEntry{UserID: it.UserID, Unreadable: bad, Activity: tilgang.Activity{
				At: it.At, Actor: it.Actor, Action: it.Action, Fields: it.Fields, Source: it.Source, By: it.By,
			}})
			if len(page.Entries) == limit {
				if i < len(out.Items)-1 || out.LastEvaluatedKey != nil {
					page.NextCursor = encodeHistoryCursor(av, keys)
				}
				return page, nil
			}
		}
		if out.LastEvaluatedKey == nil {
			return page, nil
		}
		if reads == maxReadsPerPage {
			page.NextCursor = encodeHistoryCursor(out.LastEvaluatedKey, keys)
			return page, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

func encodeHistoryCursor(item map[string]types.AttributeValue, keys []string) string {
	key := map[string]string{}
	for _, name := range keys {
		if v, ok := item[name].(*types.AttributeValueMemberS); ok {
			key[name] = v.Value
		}
	}
	b, _ := json.Marshal(key)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeHistoryCursor accepts exactly the keys of a history entry that
// check says belongs to the query, so a cursor cannot reach another
// organisation's or user's partition.
func decodeHistoryCursor(cursor string, keys []string, check func(map[string]string) bool) (map[string]types.AttributeValue, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, tilgang.ErrBadCursor
	}
	var key map[string]string
	if err := json.Unmarshal(b, &key); err != nil || len(key) != len(keys) || !check(key) {
		return nil, tilgang.ErrBadCursor
	}
	sk := key[attrSK]
	if !strings.HasPrefix(sk, skHistoryPrefix) || len(sk) > maxSortKeyBytes {
		return nil, tilgang.ErrBadCursor
	}
	av := make(map[string]types.AttributeValue, len(keys))
	for _, k := range keys {
		v, ok := key[k]
		if !ok {
			return nil, tilgang.ErrBadCursor
		}
		av[k] = str(v)
	}
	return av, nil
}
