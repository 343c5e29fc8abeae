package store

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Group memberships. A membership is one item in its group's partition,
// MEMBER#<user>, and in GSI2 under its user. Reading a group reads none of
// them; adding or removing members reads and writes only the memberships
// of the ids given (the keys are known), never the others, so the cost of
// a change is that of the ids it names, whatever the group's size.
//
// Memberships are written in batches, without transactions and without
// conditions; every change is a set operation (put this membership, delete
// that one) that is right whatever happened before, so a change that
// failed half-way and is made again ends where one clean run would have.
// README.md ("Group memberships") has the whole argument.

// membership is the item that makes user userID a member of group groupID.
func membership(orgID, groupID, userID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrPK: str(groupPK(orgID, groupID)), attrSK: str(memberSK(userID)),
		attrGSI2PK: str(userGroupsPK(orgID, userID)), attrGSI2SK: str(groupID),
		attrType: str(typeMember), "groupId": str(groupID), "userId": str(userID),
	}
}

func memberKey(orgID, groupID, userID string) map[string]types.AttributeValue {
	return itemKey(groupPK(orgID, groupID), memberSK(userID))
}

func memberPuts(g *tilgang.Group, ids []string) []types.WriteRequest {
	reqs := make([]types.WriteRequest, len(ids))
	for i, id := range ids {
		reqs[i] = putRequest(membership(g.OrgID, g.ID, id))
	}
	return reqs
}

func memberDeletes(g *tilgang.Group, ids []string) []types.WriteRequest {
	reqs := make([]types.WriteRequest, len(ids))
	for i, id := range ids {
		reqs[i] = deleteRequest(memberKey(g.OrgID, g.ID, id))
	}
	return reqs
}

// distinct returns ids without repeats, in their first order: an identity
// provider may name a member twice, and a batch must not.
func distinct(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// keyable reports whether id can be part of the keys of a user and its
// memberships. One that cannot (empty, or longer than DynamoDB's key
// limits allow) is no user's, and is never sent to DynamoDB, which would
// refuse the whole request.
func keyable(orgID, id string) bool {
	return id != "" && len(memberSK(id)) <= maxSortKeyBytes && len(userGroupsPK(orgID, id)) <= maxPartitionKeyBytes
}

// appendUserKeys appends the keys of the users ids of orgID.
func appendUserKeys(keys []map[string]types.AttributeValue, orgID string, ids []string) []map[string]types.AttributeValue {
	for _, id := range ids {
		if keyable(orgID, id) {
			keys = append(keys, itemKey(userPK(orgID, id), skUser))
		}
	}
	return keys
}

// notUsers returns the ids whose user a read of appendUserKeys's keys did
// not find.
func notUsers(got found, orgID string, ids []string) []string {
	var out []string
	for _, id := range ids {
		if !keyable(orgID, id) || !got.has(itemKey(userPK(orgID, id), skUser)) {
			out = append(out, id)
		}
	}
	return out
}

// membersAmong returns which of ids (distinct) are members of g, reading
// as little as it can, and never more than the ids' own memberships cost
// by key. It first queries g's memberships in the range of the ids' sort
// keys, at most len(ids) of them: when the range holds no more (a new or
// small group, a single id), that answers outright. Else it reads the
// memberships of the ids beyond the last one the Query reached by key
// (BatchGetItem). A Query reads items at 4 KB per read unit, a
// BatchGetItem each key as a whole unit, so the first step costs about a
// 25th of the second and often saves it.
func (s *Store) membersAmong(ctx context.Context, g *tilgang.Group, ids []string) (map[string]bool, error) {
	var keyed []string
	for _, id := range ids {
		if keyable(g.OrgID, id) {
			keyed = append(keyed, id)
		}
	}
	member := make(map[string]bool, len(keyed))
	if len(keyed) == 0 {
		return member, nil
	}
	in := s.membersQuery(g, len(keyed))
	in.KeyConditionExpression = aws.String("#pk = :pk AND #sk BETWEEN :lo AND :hi")
	delete(in.ExpressionAttributeValues, ":member")
	in.ExpressionAttributeValues[":lo"] = str(memberSK(slices.Min(keyed)))
	in.ExpressionAttributeValues[":hi"] = str(memberSK(slices.Max(keyed)))
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, err
	}
	for _, id := range memberIDs(out.Items) {
		member[id] = true // one of ids, or another member in their range: never asked for
	}
	if out.LastEvaluatedKey == nil {
		return member, nil
	}
	// The Query read the range up to its last item: the ids beyond it are
	// still open.
	read := "" // none: all are open
	if got := memberIDs(out.Items); len(got) > 0 {
		read = slices.Max(got)
	}
	var keys []map[string]types.AttributeValue
	for _, id := range keyed {
		if id > read {
			keys = append(keys, memberKey(g.OrgID, g.ID, id))
		}
	}
	got, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	for _, id := range keyed {
		if id > read {
			member[id] = got.has(memberKey(g.OrgID, g.ID, id))
		}
	}
	return member, nil
}

// AddMembers makes the users userIDs members of g and returns those that
// were not members before: the ones this call added, in the order given.
// Naming a member again, or twice, is no error and adds nothing (an
// identity provider retries). When it added any, the group's version and
// updatedAt move, once, and g is updated to the group as stored.
//
// Its cost is that of the ids named, never of the group's other members:
// one strongly consistent read of the group and the users (BatchGetItem,
// projected to keys, 100 per call), of their memberships (membersAmong),
// the new memberships (BatchWriteItem, 25 per call) and one UpdateItem.
//
// Errors: tilgang.ErrGroupNotFound; tilgang.ErrUnknownMember, naming the
// ids that are no user of g's organisation: then nothing is written.
// After another error some of the members may have been added; the same
// call made again adds the rest (and reports only the rest).
func (s *Store) AddMembers(ctx context.Context, g *tilgang.Group, userIDs []string) ([]string, error) {
	ids := distinct(userIDs)
	if len(ids) == 0 {
		return nil, nil
	}
	gk := groupKey(g.OrgID, g.ID)
	keys := make([]map[string]types.AttributeValue, 0, 1+len(ids))
	got, err := s.batchGet(ctx, appendUserKeys(append(keys, gk), g.OrgID, ids))
	if err != nil {
		return nil, fmt.Errorf("store: add members: %w", err)
	}
	if !got.has(gk) {
		return nil, tilgang.ErrGroupNotFound
	}
	if unknown := notUsers(got, g.OrgID, ids); len(unknown) > 0 {
		return nil, tilgang.UnknownMembers(unknown)
	}
	member, err := s.membersAmong(ctx, g, ids)
	if err != nil {
		return nil, fmt.Errorf("store: add members: %w", err)
	}
	var added []string
	for _, id := range ids {
		if !member[id] {
			added = append(added, id)
		}
	}
	if len(added) == 0 {
		return nil, nil
	}
	if err := s.batchWrite(ctx, memberPuts(g, added)); err != nil {
		return nil, fmt.Errorf("store: add members: %w", err)
	}
	if err := s.touchGroup(ctx, g); err != nil {
		return nil, err
	}
	return added, nil
}

// RemoveMembers ends the memberships of userIDs in g and returns the ids
// that were members: the ones this call removed, in the order given. An id
// that is no member (no user at all, or a user deleted since) is no error
// and removes nothing. When it removed any, the group's version and
// updatedAt move, once, and g is updated to the group as stored. Its cost
// is that of the ids named, as AddMembers's (a GetItem of the group
// instead of the users).
//
// Errors: tilgang.ErrGroupNotFound. After another error some of the
// members may have been removed; the same call made again removes the
// rest.
func (s *Store) RemoveMembers(ctx context.Context, g *tilgang.Group, userIDs []string) ([]string, error) {
	ids := distinct(userIDs)
	if len(ids) == 0 {
		return nil, nil
	}
	if _, err := s.Group(ctx, g.OrgID, g.ID); err != nil {
		return nil, err
	}
	member, err := s.membersAmong(ctx, g, ids)
	if err != nil {
		return nil, fmt.Errorf("store: remove members: %w", err)
	}
	var removed []string
	for _, id := range ids {
		if member[id] {
			removed = append(removed, id)
		}
	}
	if len(removed) == 0 {
		return nil, nil
	}
	if err := s.batchWrite(ctx, memberDeletes(g, removed)); err != nil {
		return nil, fmt.Errorf("store: remove members: %w", err)
	}
	if err := s.touchGroup(ctx, g); err != nil {
		return nil, err
	}
	return removed, nil
}

// ReplaceMembers makes the users userIDs g's only members and returns the
// ids it added (in the order given) and those it removed (in id order). It
// reads all current members, as a full replace must. Like AddMembers it
// refuses ids that are no users of g's organisation, writing nothing, and
// moves the version once if anything changed.
//
// Errors: tilgang.ErrGroupNotFound, tilgang.ErrUnknownMember.
func (s *Store) ReplaceMembers(ctx context.Context, g *tilgang.Group, userIDs []string) (added, removed []string, err error) {
	ids := distinct(userIDs)
	gk := groupKey(g.OrgID, g.ID)
	keys := make([]map[string]types.AttributeValue, 0, 1+len(ids))
	got, err := s.batchGet(ctx, appendUserKeys(append(keys, gk), g.OrgID, ids))
	if err != nil {
		return nil, nil, fmt.Errorf("store: replace members: %w", err)
	}
	if !got.has(gk) {
		return nil, nil, tilgang.ErrGroupNotFound
	}
	if unknown := notUsers(got, g.OrgID, ids); len(unknown) > 0 {
		return nil, nil, tilgang.UnknownMembers(unknown)
	}
	current := map[string]bool{}
	err = s.eachMemberPage(ctx, g, func(page []string) error {
		for _, id := range page {
			current[id] = true
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store: replace members: %w", err)
	}
	wanted := make(map[string]bool, len(ids))
	for _, id := range ids {
		wanted[id] = true
		if !current[id] {
			added = append(added, id)
		}
	}
	for id := range current {
		if !wanted[id] {
			removed = append(removed, id)
		}
	}
	slices.Sort(removed)
	if len(added)+len(removed) == 0 {
		return nil, nil, nil
	}
	if err := s.batchWrite(ctx, append(memberPuts(g, added), memberDeletes(g, removed)...)); err != nil {
		return nil, nil, fmt.Errorf("store: replace members: %w", err)
	}
	if err := s.touchGroup(ctx, g); err != nil {
		return nil, nil, err
	}
	return added, removed, nil
}

// eachMemberPage reads the ids of all of g's memberships, a Query page at
// a time (strongly consistent, keys only), and hands each page to fn.
func (s *Store) eachMemberPage(ctx context.Context, g *tilgang.Group, fn func([]string) error) error {
	p := dynamodb.NewQueryPaginator(s.db, s.membersQuery(g, 0))
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		if err := fn(memberIDs(out.Items)); err != nil {
			return err
		}
	}
	return nil
}

// membersQuery reads g's memberships in user id order, limit at a time (0:
// as many as fit in a response), keys only.
func (s *Store) membersQuery(g *tilgang.Group, limit int) *dynamodb.QueryInput {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :member)"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#sk": attrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(groupPK(g.OrgID, g.ID)), ":member": str(skMemberPrefix)},
		ProjectionExpression:      aws.String("#sk"),
		ConsistentRead:            aws.Bool(true),
	}
	if limit > 0 {
		in.Limit = aws.Int32(int32(limit))
	}
	return in
}

// memberIDs are the user ids in the sort keys of membership items.
func memberIDs(items []map[string]types.AttributeValue) []string {
	ids := make([]string, 0, len(items))
	for _, it := range items {
		if sk, ok := it[attrSK].(*types.AttributeValueMemberS); ok {
			ids = append(ids, strings.TrimPrefix(sk.Value, skMemberPrefix))
		}
	}
	return ids
}

// Members lists a page of g's members, in user id order: one Query of the
// group's memberships, and one strongly consistent read of their users'
// keys (BatchGetItem, 100 per call). A membership may outlive its user for
// a moment, or after a failure (see DeleteUser); Members leaves those out,
// so a page may be shorter than limit and still have a next one.
//
// The cursor is the id of the last membership read; the group comes from
// the caller, so a cursor cannot reach another group.
func (s *Store) Members(ctx context.Context, g *tilgang.Group, limit int, cursor string) (tilgang.MemberPage, error) {
	if limit <= 0 || limit > tilgang.MaxPageSize {
		limit = tilgang.DefaultPageSize
	}
	in := s.membersQuery(g, limit)
	if cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil || !keyable(g.OrgID, string(b)) {
			return tilgang.MemberPage{}, tilgang.ErrBadCursor
		}
		in.ExclusiveStartKey = memberKey(g.OrgID, g.ID, string(b))
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return tilgang.MemberPage{}, fmt.Errorf("store: list members: %w", err)
	}
	ids := memberIDs(out.Items)
	var page tilgang.MemberPage
	if out.LastEvaluatedKey != nil && len(ids) > 0 {
		page.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(ids[len(ids)-1]))
	}
	got, err := s.batchGet(ctx, appendUserKeys(nil, g.OrgID, ids))
	if err != nil {
		return tilgang.MemberPage{}, fmt.Errorf("store: list members: %w", err)
	}
	page.UserIDs = make([]string, 0, len(ids))
	for _, id := range ids {
		if got.has(itemKey(userPK(g.OrgID, id), skUser)) {
			page.UserIDs = append(page.UserIDs, id)
		}
	}
	return page, nil
}

// HasMembers returns those of userIDs that are members of g (and users
// still), in the order given, for filters such as members[value eq "id"]:
// one strongly consistent read of their memberships and users, however
// large the group.
func (s *Store) HasMembers(ctx context.Context, g *tilgang.Group, userIDs []string) ([]string, error) {
	member, err := s.membersAmong(ctx, g, distinct(userIDs))
	if err != nil {
		return nil, fmt.Errorf("store: has members: %w", err)
	}
	var ids []string
	for _, id := range distinct(userIDs) {
		if member[id] {
			ids = append(ids, id)
		}
	}
	got, err := s.batchGet(ctx, appendUserKeys(nil, g.OrgID, ids))
	if err != nil {
		return nil, fmt.Errorf("store: has members: %w", err)
	}
	var out []string
	for _, id := range ids {
		if got.has(itemKey(userPK(g.OrgID, id), skUser)) {
			out = append(out, id)
		}
	}
	return out, nil
}

// GroupsOfUser returns the groups user userID of orgID is a member of, by
// folded displayName: a user's read-only groups attribute. It is one Query
// of the user's memberships on GSI2 and one strongly consistent read of
// their groups (BatchGetItem, 100 per call), which also leaves out a
// membership whose group is gone or not yet created (CreateGroup writes
// memberships first).
//
// GSI2 is read eventually consistent, as every index is: a membership
// shows here a moment (typically well under a second) after the change
// that made it.
func (s *Store) GroupsOfUser(ctx context.Context, orgID, userID string) ([]tilgang.GroupRef, error) {
	if !keyable(orgID, userID) {
		return nil, nil
	}
	groupIDs, err := s.userGroupIDs(ctx, orgID, userID)
	if err != nil || len(groupIDs) == 0 {
		return nil, err
	}
	keys := make([]map[string]types.AttributeValue, len(groupIDs))
	for i, id := range groupIDs {
		keys[i] = groupKey(orgID, id)
	}
	got, err := s.batchGet(ctx, keys, "id", "displayName")
	if err != nil {
		return nil, fmt.Errorf("store: groups of user: %w", err)
	}
	refs := make([]tilgang.GroupRef, 0, len(got))
	for _, it := range got {
		id, _ := it["id"].(*types.AttributeValueMemberS)
		name, _ := it["displayName"].(*types.AttributeValueMemberS)
		if id == nil || name == nil {
			return nil, fmt.Errorf("store: groups of user: group item %v lacks id or displayName", idOf(it))
		}
		refs = append(refs, tilgang.GroupRef{ID: id.Value, DisplayName: name.Value})
	}
	slices.SortFunc(refs, func(a, b tilgang.GroupRef) int {
		return cmp.Or(cmp.Compare(tilgang.FoldName(a.DisplayName), tilgang.FoldName(b.DisplayName)), cmp.Compare(a.ID, b.ID))
	})
	return refs, nil
}

// userGroupIDs reads the ids of the groups whose memberships name user
// userID, from GSI2.
func (s *Store) userGroupIDs(ctx context.Context, orgID, userID string) ([]string, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI2),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrGSI2PK, "#sk": attrGSI2SK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(userGroupsPK(orgID, userID))},
		ProjectionExpression:      aws.String("#sk"),
	})
	var ids []string
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("store: memberships of user: %w", err)
		}
		for _, it := range out.Items {
			if sk, ok := it[attrGSI2SK].(*types.AttributeValueMemberS); ok {
				ids = append(ids, sk.Value)
			}
		}
	}
	return ids, nil
}

// LeaveGroups ends every membership of user userID of orgID, in batches,
// and moves the version of each group it leaves. DeleteUser calls it after
// the user is deleted; it is safe to call again (for a user that is gone,
// to finish what a failed DeleteUser left), and then costs one Query.
func (s *Store) LeaveGroups(ctx context.Context, orgID, userID string) error {
	if !keyable(orgID, userID) {
		return nil
	}
	groupIDs, err := s.userGroupIDs(ctx, orgID, userID)
	if err != nil || len(groupIDs) == 0 {
		return err
	}
	dels := make([]types.WriteRequest, len(groupIDs))
	for i, id := range groupIDs {
		dels[i] = deleteRequest(memberKey(orgID, id, userID))
	}
	if err := s.batchWrite(ctx, dels); err != nil {
		return fmt.Errorf("store: leave groups: %w", err)
	}
	return inParallel(ctx, len(groupIDs), func(ctx context.Context, i int) error {
		err := s.touchGroup(ctx, &tilgang.Group{OrgID: orgID, ID: groupIDs[i]})
		if errors.Is(err, tilgang.ErrGroupNotFound) {
			return nil // deleted meanwhile: nothing to move
		}
		return err
	})
}
