package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// An item that does not decode whole (SPEC §14: one unreadable record
// never fails more than itself) is salvaged: each attribute is decoded on
// its own, and those that do not decode are left out and named. Lists show
// such items as unavailable; a single user is handed out as
// tilgang.UnreadableUser, which can be shown and deleted but not stored.

// salvage decodes what it can of av into T: every attribute that decodes
// on its own. It returns the names of those that do not, sorted; none
// means av decodes whole.
func salvage[T any](av map[string]types.AttributeValue) (T, []string) {
	var it T
	good := make(map[string]types.AttributeValue, len(av))
	var bad []string
	for name, v := range av {
		var one T
		if err := attributevalue.UnmarshalMap(map[string]types.AttributeValue{name: v}, &one); err != nil {
			bad = append(bad, name)
			continue
		}
		good[name] = v
	}
	if err := attributevalue.UnmarshalMap(good, &it); err != nil {
		// Attributes that decode alone but not together: keep none.
		var zero T
		return zero, slices.Sorted(maps.Keys(av))
	}
	slices.Sort(bad)
	return it, bad
}

// User reads one user of an organisation. A user of another organisation is
// not found. A user whose item does not decode whole is returned as a
// *tilgang.UnreadableUser error holding what could be read.
func (s *Store) User(ctx context.Context, orgID, id string) (*tilgang.User, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: itemKey(userPK(orgID, id), skUser), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("store: get user: %w", err)
	}
	if out.Item == nil {
		return nil, tilgang.ErrUserNotFound
	}
	return readUser(orgID, out.Item)
}

// readUser decodes a user item of orgID, or salvages it (see User).
func readUser(orgID string, av map[string]types.AttributeValue) (*tilgang.User, error) {
	if u, err := userKind.decode(av); err == nil {
		return u, nil
	}
	it, bad := salvage[userItem](av)
	u := it.user()
	if len(bad) == 0 {
		return u, nil
	}
	// The key says whose item it is, whatever its attributes say.
	if id := keyUserID(av); id != "" {
		u.ID = id
	}
	u.OrgID, u.Unreadable = orgID, bad
	return nil, &tilgang.UnreadableUser{User: u}
}

// keyUserID is the user id in a user item's key, or "".
func keyUserID(av map[string]types.AttributeValue) string {
	if v, ok := av[attrPK].(*types.AttributeValueMemberS); ok {
		if _, id, found := strings.Cut(v.Value, "#USER#"); found {
			return id
		}
	}
	return ""
}

// deleteUnreadableUser adds the writes that erase u, a user salvaged from
// an item that does not decode whole, as deleteUser does with what could
// be read: the item whatever its version (no door can change it, so no
// write races this one but another delete); the guards of the values that
// could be read, each if it is still there; the admin count if its roles
// were read and hold an admin role; the user count, and its status's if
// that was read; its schedule, as far as its status, deactivation and
// activation were read; and the address on its invitation. What could not
// be read stays where it was: a guard of an unreadable userName, externalId
// or CPR look-up (which the operator removes by hand, see SECURITY.md), a
// count one too high, or a schedule entry, which the scheduler skips once
// the user is gone.
func (t *txn) deleteUnreadableUser(u *tilgang.User) {
	t.delete(itemKey(userPK(u.OrgID, u.ID), skUser), present, nil)
	for _, g := range guards(u) {
		if g.pk == userNameGuardPK(u.OrgID, "") {
			continue // the userName did not decode
		}
		t.delete(itemKey(g.pk, skGuard), heldByOrGone("userId", u.ID), nil)
	}
	if u.IsAdmin() {
		t.countAdmins(u.OrgID, -1, 0)
	}
	t.countUser(u.OrgID, u.Status, -1) // Status "" moves the total only
	t.moveSchedule(u, nil, nil)
	if u.InvitationID != "" {
		t.eraseInvitation(u.OrgID, u.InvitationID)
	}
}

// heldByOrGone holds when the item's attribute attr is id, or the item is
// not there.
func heldByOrGone(attr, id string) cond {
	return cond{expr: "attribute_not_exists(PK) OR " + attr + " = :id", values: map[string]types.AttributeValue{":id": str(id)}}
}

// keyID is the id at the end of an item's partition key, after prefix
// (e.g. groupPK(orgID, "")), or "" if the key does not start so.
func keyID(av map[string]types.AttributeValue, prefix string) string {
	if v, ok := av[attrPK].(*types.AttributeValueMemberS); ok {
		if id, found := strings.CutPrefix(v.Value, prefix); found {
			return id
		}
	}
	return ""
}
