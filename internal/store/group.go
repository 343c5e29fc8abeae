package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Groups (SPEC §5). A group item holds the group without its members; GSI1
// lists an organisation's groups by folded displayName. Its displayName and
// externalId are guarded like a user's. Memberships are items of their own
// in the group's partition (member.go).

// groupItem is a group as stored.
type groupItem struct {
	PK          string    `dynamodbav:"PK"`
	SK          string    `dynamodbav:"SK"`
	GSI1PK      string    `dynamodbav:"GSI1PK"`
	GSI1SK      string    `dynamodbav:"GSI1SK"`
	Type        string    `dynamodbav:"type"`
	ID          string    `dynamodbav:"id"`
	OrgID       string    `dynamodbav:"orgId"`
	DisplayName string    `dynamodbav:"displayName"`
	ExternalID  string    `dynamodbav:"externalId,omitempty"`
	CreatedAt   time.Time `dynamodbav:"createdAt"`
	UpdatedAt   time.Time `dynamodbav:"updatedAt"`
	Version     int64     `dynamodbav:"version"`
}

func toGroupItem(g *tilgang.Group) groupItem {
	return groupItem{
		PK: groupPK(g.OrgID, g.ID), SK: skGroup,
		GSI1PK: orgGroupsPK(g.OrgID), GSI1SK: tilgang.FoldName(g.DisplayName),
		Type: typeGroup,
		ID:   g.ID, OrgID: g.OrgID, DisplayName: g.DisplayName, ExternalID: g.ExternalID,
		CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt, Version: g.Version,
	}
}

func (it *groupItem) group() *tilgang.Group {
	return &tilgang.Group{
		ID: it.ID, OrgID: it.OrgID, DisplayName: it.DisplayName, ExternalID: it.ExternalID,
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, Version: it.Version,
	}
}

var groupKind = itemKind[groupItem, *tilgang.Group]{name: "group", read: strongly, notFound: tilgang.ErrGroupNotFound, as: (*groupItem).group}

func groupKey(orgID, groupID string) map[string]types.AttributeValue {
	return itemKey(groupPK(orgID, groupID), skGroup)
}

// groupGuards are the uniqueness guards of g, one per set value.
func groupGuards(g *tilgang.Group) []guard {
	gs := []guard{{groupNameGuardPK(g.OrgID, g.DisplayName), tilgang.ErrGroupNameTaken}}
	if g.ExternalID != "" {
		gs = append(gs, guard{groupExternalIDGuardPK(g.OrgID, g.ExternalID), tilgang.ErrGroupExternalIDTaken})
	}
	return gs
}

// groupGuardItem is a group's guard as stored: it holds the group's id.
type groupGuardItem struct {
	GroupID string `dynamodbav:"groupId"`
}

var groupGuardKind = itemKind[groupGuardItem, string]{name: "group guard", read: strongly, notFound: tilgang.ErrGroupNotFound,
	as: func(g *groupGuardItem) string { return g.GroupID }}

func (t *txn) putGroupGuard(gd guard, g *tilgang.Group) {
	t.put(map[string]types.AttributeValue{
		attrPK: str(gd.pk), attrSK: str(skGuard), attrType: str(typeGuard), "groupId": str(g.ID),
	}, absent, gd.err)
}

func (t *txn) deleteGroupGuard(gd guard, g *tilgang.Group) {
	t.delete(itemKey(gd.pk, skGuard), heldBy("groupId", g.ID), nil)
}

// errGroupExists refuses a new group whose id is taken.
var errGroupExists = &tilgang.Error{Kind: tilgang.KindConflict, Code: "group.exists", Field: "id", Message: "a group with this id exists"}

// CreateGroup stores the new group g with its guards in one transaction,
// and members, the ids of users of its organisation, as its first members.
// It sets CreatedAt, UpdatedAt and Version 1 on g.
//
// The members are checked and written before the group, in batches: a
// membership of a group that does not exist yet is seen by no reader (they
// start from the group), so the group appears with all its members at
// once, however many, and a create that fails on the way leaves none that
// anyone sees. When the transaction fails, CreateGroup removes them again.
//
// Errors: tilgang.ErrGroupNameTaken, tilgang.ErrGroupExternalIDTaken,
// tilgang.ErrUnknownMember (nothing written).
func (s *Store) CreateGroup(ctx context.Context, g *tilgang.Group, members []string) error {
	now := s.now().UTC()
	g.CreatedAt, g.UpdatedAt, g.Version = now, now, 1
	ids := distinct(members)
	if len(ids) > 0 {
		// One read answers, before anything is written: is the id free,
		// are the names (most conflicts fail here, not after the
		// memberships are written), and is every member a user.
		gk := groupKey(g.OrgID, g.ID)
		keys := []map[string]types.AttributeValue{gk}
		gds := groupGuards(g)
		for _, gd := range gds {
			keys = append(keys, itemKey(gd.pk, skGuard))
		}
		keys = appendUserKeys(keys, g.OrgID, ids)
		got, err := s.batchGet(ctx, keys)
		if err != nil {
			return fail(g, err)
		}
		if got.has(gk) {
			return fail(g, errGroupExists)
		}
		for _, gd := range gds {
			if got.has(itemKey(gd.pk, skGuard)) {
				return fail(g, gd.err)
			}
		}
		if unknown := notUsers(got, g.OrgID, ids); len(unknown) > 0 {
			return fail(g, tilgang.UnknownMembers(unknown))
		}
		if err := s.batchWrite(ctx, memberPuts(g, ids)); err != nil {
			return fail(g, errors.Join(err, s.undo(ctx, g, ids)))
		}
	}
	t := s.txn()
	t.put(toGroupItem(g), absent, errGroupExists)
	for _, gd := range groupGuards(g) {
		t.putGroupGuard(gd, g)
	}
	if err := s.transact(ctx, "create group", t); err != nil {
		if len(ids) > 0 {
			err = errors.Join(err, s.undo(ctx, g, ids))
		}
		return fail(g, err)
	}
	return nil
}

// fail puts back the version of a group whose creation failed, with err.
func fail(g *tilgang.Group, err error) error {
	g.Version = 0
	return err
}

// undo deletes the memberships of ids that a failed creation of g wrote,
// so that they never turn up later.
func (s *Store) undo(ctx context.Context, g *tilgang.Group, ids []string) error {
	if err := s.batchWrite(ctx, memberDeletes(g, ids)); err != nil {
		return fmt.Errorf("store: remove the memberships of a group not created: %w", err)
	}
	return nil
}

// Group reads one group of an organisation, without its members: one
// GetItem. A group of another organisation is not found.
func (s *Store) Group(ctx context.Context, orgID, id string) (*tilgang.Group, error) {
	return groupKind.get(ctx, s, groupKey(orgID, id))
}

// GroupByDisplayName finds a group by displayName, compared as
// tilgang.FoldName folds, with two key look-ups: the guard, then the group.
func (s *Store) GroupByDisplayName(ctx context.Context, orgID, displayName string) (*tilgang.Group, error) {
	return s.groupByGuard(ctx, orgID, groupNameGuardPK(orgID, displayName))
}

// GroupByExternalID finds a group by externalId with two key look-ups.
func (s *Store) GroupByExternalID(ctx context.Context, orgID, externalID string) (*tilgang.Group, error) {
	return s.groupByGuard(ctx, orgID, groupExternalIDGuardPK(orgID, externalID))
}

func (s *Store) groupByGuard(ctx context.Context, orgID, pk string) (*tilgang.Group, error) {
	if len(pk) > maxPartitionKeyBytes {
		return nil, tilgang.ErrGroupNotFound // no group can hold a value this long
	}
	id, err := groupGuardKind.get(ctx, s, itemKey(pk, skGuard))
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, tilgang.ErrGroupNotFound
	}
	return s.Group(ctx, orgID, id)
}

// ReplaceGroup replaces old with g (its displayName and externalId; the
// members are changed by AddMembers, RemoveMembers and ReplaceMembers) in
// one transaction, if old is still the stored version, moving the guards
// of the values that changed. It advances g.Version.
//
// Errors: tilgang.ErrStale, tilgang.ErrGroupNameTaken,
// tilgang.ErrGroupExternalIDTaken.
func (s *Store) ReplaceGroup(ctx context.Context, old, g *tilgang.Group) error {
	g.Version, g.UpdatedAt, g.CreatedAt = old.Version+1, s.now().UTC(), old.CreatedAt
	t := s.txn()
	t.put(toGroupItem(g), atVersion(old.Version), nil)
	oldGuards, newGuards := groupGuards(old), groupGuards(g)
	for _, gd := range oldGuards {
		if !containsGuard(newGuards, gd.pk) {
			t.deleteGroupGuard(gd, old)
		}
	}
	for _, gd := range newGuards {
		if !containsGuard(oldGuards, gd.pk) {
			t.putGroupGuard(gd, g)
		}
	}
	if err := s.transact(ctx, "replace group", t); err != nil {
		g.Version = old.Version
		return err
	}
	return nil
}

// DeleteGroup deletes g: first its memberships, in batches, then the group
// and its guards in one transaction, if g is still the stored version.
//
// In that order a delete that fails half-way leaves the group, with fewer
// members, and a retry (the identity provider's, after the error) finishes
// it; the other order would leave memberships that nothing reaches any
// more. A member added meanwhile changes the version: the transaction then
// fails with tilgang.ErrStale, and the caller's tilgang.RetryStale reads
// the group again and removes that member too.
//
// Errors: tilgang.ErrStale.
func (s *Store) DeleteGroup(ctx context.Context, g *tilgang.Group) error {
	err := s.eachMemberPage(ctx, g, func(ids []string) error {
		return s.batchWrite(ctx, memberDeletes(g, ids))
	})
	if err != nil {
		return fmt.Errorf("store: delete group's memberships: %w", err)
	}
	t := s.txn()
	t.delete(groupKey(g.OrgID, g.ID), atVersion(g.Version), nil)
	for _, gd := range groupGuards(g) {
		t.deleteGroupGuard(gd, g)
	}
	return s.transact(ctx, "delete group", t)
}

// Groups lists a page of an organisation's groups in displayName order
// (folded), with one Query on GSI1, members not included.
func (s *Store) Groups(ctx context.Context, orgID string, limit int, cursor string) (tilgang.GroupPage, error) {
	if limit <= 0 || limit > tilgang.MaxPageSize {
		limit = tilgang.DefaultPageSize
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrGSI1PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(orgGroupsPK(orgID))},
		Limit:                     aws.Int32(int32(limit)),
	}
	if cursor != "" {
		start, err := decodeGroupCursor(cursor, orgID)
		if err != nil {
			return tilgang.GroupPage{}, err
		}
		in.ExclusiveStartKey = start
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return tilgang.GroupPage{}, fmt.Errorf("store: list groups: %w", err)
	}
	page := tilgang.GroupPage{Groups: make([]*tilgang.Group, 0, len(out.Items))}
	for _, av := range out.Items {
		g, err := groupKind.decode(av)
		if err != nil {
			// Named by id, never failing the page (SPEC §14).
			page.Unreadable = append(page.Unreadable, keyID(av, groupPK(orgID, "")))
			continue
		}
		page.Groups = append(page.Groups, g)
	}
	if lek := out.LastEvaluatedKey; lek != nil {
		page.NextCursor = encodeGroupCursor(orgID, lek)
	}
	return page, nil
}

// A group cursor is the id and folded displayName of the last group of a
// page, from which decodeGroupCursor builds the GSI1 key to start after.
// The organisation comes from the caller, never from the cursor, so a
// cursor cannot reach another organisation's groups.
type groupCursor struct {
	ID   string `json:"i"`
	Name string `json:"n"`
}

func encodeGroupCursor(orgID string, key map[string]types.AttributeValue) string {
	var c groupCursor
	if pk, ok := key[attrPK].(*types.AttributeValueMemberS); ok {
		c.ID = strings.TrimPrefix(pk.Value, groupPK(orgID, ""))
	}
	if sk, ok := key[attrGSI1SK].(*types.AttributeValueMemberS); ok {
		c.Name = sk.Value
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeGroupCursor(cursor, orgID string) (map[string]types.AttributeValue, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, tilgang.ErrBadCursor
	}
	var c groupCursor
	if err := json.Unmarshal(b, &c); err != nil || c.ID == "" || c.Name == "" ||
		len(c.Name) > maxSortKeyBytes || len(groupPK(orgID, c.ID)) > maxPartitionKeyBytes {
		return nil, tilgang.ErrBadCursor
	}
	return map[string]types.AttributeValue{
		attrPK: str(groupPK(orgID, c.ID)), attrSK: str(skGroup),
		attrGSI1PK: str(orgGroupsPK(orgID)), attrGSI1SK: str(c.Name),
	}, nil
}

// CountGroups counts an organisation's groups with a COUNT Query on GSI1.
func (s *Store) CountGroups(ctx context.Context, orgID string) (int, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrGSI1PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(orgGroupsPK(orgID))},
		Select:                    types.SelectCount,
	})
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, fmt.Errorf("store: count groups: %w", err)
		}
		n += int(page.Count)
	}
	return n, nil
}

// touchGroup records a change of g's members on the group: it advances the
// version and sets updatedAt, without checking the version (membership
// changes commute, so concurrent ones need not retry each other), and only
// if the group still exists. It updates g to the group as stored.
func (s *Store) touchGroup(ctx context.Context, g *tilgang.Group) error {
	now, err := attributevalue.Marshal(s.now().UTC())
	if err != nil {
		return fmt.Errorf("store: marshal time: %w", err)
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       groupKey(g.OrgID, g.ID),
		UpdateExpression:          aws.String("SET #u = :now ADD #v :one"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames:  map[string]string{"#u": "updatedAt", "#v": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": now, ":one": number(1)},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		return tilgang.ErrGroupNotFound
	}
	if err != nil {
		return fmt.Errorf("store: update group version: %w", err)
	}
	stored, err := groupKind.decode(out.Attributes)
	if err != nil {
		return err
	}
	*g = *stored
	return nil
}
