package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// InvitationQuery selects a page of an organisation's invitations. The
// zero value lists every status, newest first, tilgang.DefaultPageSize at a time.
type InvitationQuery struct {
	// Status keeps one status, if set. Pending lists the invitations that
	// have not expired at Now, soonest expiry first; expired lists the
	// pending ones that have, latest expiry first; the others list newest
	// change first.
	Status tilgang.InvitationStatus
	// Now tells pending from expired. A cursor keeps the Now of the
	// query's first page, so paging never moves the boundary.
	Now    time.Time
	Limit  int    // at most this many (tilgang.MaxPageSize); 0 means tilgang.DefaultPageSize
	Cursor string // from the previous page's tilgang.InvitationPage.NextCursor
}

// Invitations reads a page of an organisation's invitations with one Query
// on GSI1 (all) or GSI2 (one status), never reading more than the page.
func (s *Store) Invitations(ctx context.Context, orgID string, q InvitationQuery) (tilgang.InvitationPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = tilgang.DefaultPageSize
	}
	limit = min(limit, tilgang.MaxPageSize)
	l := invitationListing(orgID, q.Status)
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(l.index),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": l.pkName},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(l.pk)},
		ScanIndexForward:          aws.Bool(l.ascending),
		Limit:                     aws.Int32(int32(limit)),
	}
	bound := ""
	if l.bounded {
		bound = expiryBound(q.Now)
	}
	if q.Cursor != "" {
		start, b, err := decodeInvitationCursor(q.Cursor, orgID, l)
		if err != nil {
			return tilgang.InvitationPage{}, err
		}
		in.ExclusiveStartKey, bound = start, b
	}
	if l.bounded {
		op := ">"
		if q.Status == tilgang.InvitationExpired {
			op = "<"
		}
		*in.KeyConditionExpression += " AND #sk " + op + " :bound"
		in.ExpressionAttributeNames["#sk"] = l.skName
		in.ExpressionAttributeValues[":bound"] = str(bound)
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return tilgang.InvitationPage{}, fmt.Errorf("store: list invitations: %w", err)
	}
	page := tilgang.InvitationPage{Invitations: make([]*tilgang.Invitation, 0, len(out.Items))}
	for _, av := range out.Items {
		// One item that does not decode never fails the page (SPEC §14).
		inv, err := invitationKind.decode(av)
		if err != nil {
			page.Unreadable = append(page.Unreadable, idAttribute(av))
			continue
		}
		page.Invitations = append(page.Invitations, inv)
	}
	if out.LastEvaluatedKey != nil {
		page.NextCursor = encodeInvitationCursor(out.LastEvaluatedKey, l, bound)
	}
	return page, nil
}

// listing is the index partition and order of one invitation query.
type listing struct {
	index, pkName, skName, pk string
	ascending                 bool
	// bounded queries have a key condition on the expiry in the sort key:
	// pending and expired share the stored status pending.
	bounded bool
}

func invitationListing(orgID string, st tilgang.InvitationStatus) listing {
	switch st {
	case "":
		return listing{index: indexGSI1, pkName: attrGSI1PK, skName: attrGSI1SK, pk: orgInvitationsPK(orgID)}
	case tilgang.InvitationPending, tilgang.InvitationExpired:
		return listing{index: indexGSI2, pkName: attrGSI2PK, skName: attrGSI2SK,
			pk: invitationStatusPK(orgID, tilgang.InvitationPending), ascending: st == tilgang.InvitationPending, bounded: true}
	}
	return listing{index: indexGSI2, pkName: attrGSI2PK, skName: attrGSI2SK, pk: invitationStatusPK(orgID, st)}
}

// cursorBound is the cursor's field for the expiry boundary; no key is
// named so.
const cursorBound = "bound"

// An invitation cursor is the table and index key of the last invitation
// read, and the boundary of a bounded query.
func encodeInvitationCursor(key map[string]types.AttributeValue, l listing, bound string) string {
	c := map[string]string{}
	for _, name := range []string{attrPK, attrSK, l.pkName, l.skName} {
		if v, ok := key[name].(*types.AttributeValueMemberS); ok {
			c[name] = v.Value
		}
	}
	if l.bounded {
		c[cursorBound] = bound
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeInvitationCursor accepts exactly the keys of an invitation of
// orgID in l's partition, within l's boundary: a cursor cannot reach
// another organisation's partition, and DynamoDB never sees a start key
// outside the key condition (which it would refuse with a 500's error).
func decodeInvitationCursor(cursor, orgID string, l listing) (map[string]types.AttributeValue, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, "", tilgang.ErrBadCursor
	}
	var c map[string]string
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, "", tilgang.ErrBadCursor
	}
	want := 4
	bound := c[cursorBound]
	if l.bounded {
		want++
		at, found := strings.CutSuffix(bound, "~")
		if _, err := time.Parse(sortableLayout, at); err != nil || !found {
			return nil, "", tilgang.ErrBadCursor
		}
	}
	pk, sk, ipk, isk := c[attrPK], c[attrSK], c[l.pkName], c[l.skName]
	switch {
	case len(c) != want, sk != skInvitation, ipk != l.pk,
		!strings.HasPrefix(pk, invitationPK(orgID, "")), pk == invitationPK(orgID, ""), len(pk) > maxPartitionKeyBytes,
		isk == "", len(isk) > maxSortKeyBytes,
		l.bounded && l.ascending && isk <= bound, l.bounded && !l.ascending && isk >= bound:
		return nil, "", tilgang.ErrBadCursor
	}
	av := map[string]types.AttributeValue{attrPK: str(pk), attrSK: str(sk), l.pkName: str(ipk), l.skName: str(isk)}
	return av, bound, nil
}
