package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Invitations (SPEC §8). An invitation item is keyed by organisation and
// id. GSI1 lists an organisation's invitations newest first; GSI2 lists
// them by stored status. A pending invitation's GSI2 sort key starts with
// its expiry, so that "pending" (not expired) and "expired" are the two
// sides of one key condition on the same partition: expiry is judged when
// reading, and nothing needs to rewrite an invitation when it expires.
//
// An invitee guard per (organisation, folded address) is held by the
// address's pending invitation until that expires (its expiresAt is also
// the TTL), so that an address is never invited twice at once, also by
// concurrent requests.

const (
	typeInvitation = "invitation"
	skInvitation   = "INVITATION"
)

func invitationPK(orgID, id string) string { return "ORG#" + orgID + "#INVITATION#" + id }

func orgInvitationsPK(orgID string) string { return "ORG#" + orgID + "#INVITATIONS" }

func invitationStatusPK(orgID string, st tilgang.InvitationStatus) string {
	return "ORG#" + orgID + "#INVSTATUS#" + string(st)
}

func inviteeGuardPK(orgID, email string) string {
	return "ORG#" + orgID + "#INVITEE#" + tilgang.FoldUserName(email)
}

type invitationItem struct {
	PK         string     `dynamodbav:"PK"`
	SK         string     `dynamodbav:"SK"`
	GSI1PK     string     `dynamodbav:"GSI1PK"`
	GSI1SK     string     `dynamodbav:"GSI1SK"`
	GSI2PK     string     `dynamodbav:"GSI2PK"`
	GSI2SK     string     `dynamodbav:"GSI2SK"`
	Type       string     `dynamodbav:"type"`
	ID         string     `dynamodbav:"id"`
	OrgID      string     `dynamodbav:"orgId"`
	Email      string     `dynamodbav:"email"`
	Role       string     `dynamodbav:"role"`
	OrgUnit    string     `dynamodbav:"orgUnit,omitempty"`
	Language   string     `dynamodbav:"language"`
	Inviter    string     `dynamodbav:"inviter"`
	Status     string     `dynamodbav:"status"`
	LinkID     string     `dynamodbav:"linkId"`
	CreatedAt  time.Time  `dynamodbav:"createdAt"`
	UpdatedAt  time.Time  `dynamodbav:"updatedAt"`
	ValidUntil time.Time  `dynamodbav:"validUntil"` // not expiresAt: that is the TTL attribute
	AcceptedAt *time.Time `dynamodbav:"acceptedAt,omitempty"`
	UserID     string     `dynamodbav:"userId,omitempty"`
	Version    int64      `dynamodbav:"version"`
}

// storedStatus is the status an invitation is stored with: expired is
// pending whose time has passed.
func storedStatus(inv *tilgang.Invitation) tilgang.InvitationStatus {
	if inv.Status == tilgang.InvitationExpired {
		return tilgang.InvitationPending
	}
	return inv.Status
}

// invitationStatusSK orders a status partition: pending invitations by
// expiry, the others by the time they reached their status.
func invitationStatusSK(inv *tilgang.Invitation) string {
	if storedStatus(inv) == tilgang.InvitationPending {
		return sortableTime(inv.ExpiresAt) + "#" + inv.ID
	}
	return sortableTime(inv.UpdatedAt) + "#" + inv.ID
}

// expiryBound is the GSI2 sort key that parts expired pending invitations
// (below) from live ones (above) at now: "~" sorts after the "#id" of an
// invitation that expires exactly at now, which is expired then.
func expiryBound(now time.Time) string { return sortableTime(now) + "~" }

func toInvitationItem(inv *tilgang.Invitation) invitationItem {
	it := invitationItem{
		PK: invitationPK(inv.OrgID, inv.ID), SK: skInvitation,
		GSI1PK: orgInvitationsPK(inv.OrgID), GSI1SK: sortableTime(inv.CreatedAt) + "#" + inv.ID,
		GSI2PK: invitationStatusPK(inv.OrgID, storedStatus(inv)), GSI2SK: invitationStatusSK(inv),
		Type: typeInvitation,
		ID:   inv.ID, OrgID: inv.OrgID, Email: inv.Email, Role: inv.Role, OrgUnit: inv.OrgUnit,
		Language: inv.Language, Inviter: inv.InviterName, Status: string(storedStatus(inv)), LinkID: inv.LinkID,
		CreatedAt: inv.CreatedAt, UpdatedAt: inv.UpdatedAt, ValidUntil: inv.ExpiresAt,
		UserID: inv.UserID, Version: inv.Version,
	}
	if !inv.AcceptedAt.IsZero() {
		at := inv.AcceptedAt
		it.AcceptedAt = &at
	}
	return it
}

func (it *invitationItem) invitation() *tilgang.Invitation {
	inv := &tilgang.Invitation{
		ID: it.ID, OrgID: it.OrgID, Email: it.Email, Role: it.Role, OrgUnit: it.OrgUnit,
		Language: it.Language, InviterName: it.Inviter, Status: tilgang.InvitationStatus(it.Status), LinkID: it.LinkID,
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, ExpiresAt: it.ValidUntil, UserID: it.UserID, Version: it.Version,
	}
	if it.AcceptedAt != nil {
		inv.AcceptedAt = *it.AcceptedAt
	}
	return inv
}

func unmarshalInvitation(av map[string]types.AttributeValue) (*tilgang.Invitation, error) {
	var it invitationItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return nil, fmt.Errorf("store: unmarshal invitation: %w", err)
	}
	return it.invitation(), nil
}

// txn collects the items of one transaction and what a failed condition
// on each means; an item without a meaning of its own means ErrStale.
type txn struct {
	items []types.TransactWriteItem
	errs  map[int]error
}

func (t *txn) add(item types.TransactWriteItem, onFail error) {
	if onFail != nil {
		if t.errs == nil {
			t.errs = map[int]error{}
		}
		t.errs[len(t.items)] = onFail
	}
	t.items = append(t.items, item)
}

func (s *Store) run(ctx context.Context, op string, t *txn) error {
	err := s.write(ctx, t.items, func(i int) error {
		if e, ok := t.errs[i]; ok {
			return e
		}
		return tilgang.ErrStale
	})
	return wrapWrite(op, err)
}

// putInvitation writes inv: new (version 0) or replacing version old.
func (s *Store) putInvitation(inv *tilgang.Invitation, old int64) (types.TransactWriteItem, error) {
	item, err := attributevalue.MarshalMap(toInvitationItem(inv))
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("store: marshal invitation: %w", err)
	}
	put := &types.Put{TableName: aws.String(s.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}
	if old > 0 {
		put.ConditionExpression = aws.String("version = :v")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": number(old)}
	}
	return types.TransactWriteItem{Put: put}, nil
}

// holdInvitee takes the invitee guard of inv's address for inv until it
// expires: it is free if absent, inv's already, or held by an invitation
// that has expired at now.
func (s *Store) holdInvitee(inv *tilgang.Invitation, now time.Time) types.TransactWriteItem {
	until := inv.ExpiresAt.Unix()
	if inv.ExpiresAt.After(time.Unix(until, 0)) {
		until++ // whole seconds, rounded up: never free before the invitation expires
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			attrPK: str(inviteeGuardPK(inv.OrgID, inv.Email)), attrSK: str(skGuard), attrType: str(typeGuard),
			"invitationId": str(inv.ID), attrExpires: number(until),
		},
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR invitationId = :id OR #exp <= :now"),
		ExpressionAttributeNames:  map[string]string{"#exp": attrExpires},
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(inv.ID), ":now": number(now.Unix())},
	}}
}

// releaseInvitee frees the invitee guard that inv holds.
func (s *Store) releaseInvitee(inv *tilgang.Invitation) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{
		TableName:                 aws.String(s.table),
		Key:                       itemKey(inviteeGuardPK(inv.OrgID, inv.Email), skGuard),
		ConditionExpression:       aws.String("invitationId = :id"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(inv.ID)},
	}}
}

// noUser checks that no user of inv's organisation has its address as
// userName.
func (s *Store) noUser(inv *tilgang.Invitation) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName:           aws.String(s.table),
		Key:                 itemKey(userNameGuardPK(inv.OrgID, inv.Email), skGuard),
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}
}

// putMail is an outbox item of mail that no user's change carries (see
// appendChange for those).
func (s *Store) putMail(m tilgang.Mail, now time.Time) (types.TransactWriteItem, error) {
	out, err := attributevalue.MarshalMap(outboxItem{
		PK: outboxPK(m.ID), SK: skOutbox, Type: typeOutbox,
		ID: m.ID, OrgID: m.OrgID, UserID: m.UserID, InvitationID: m.InvitationID, Kind: m.Kind, To: m.To,
		Language: m.Language, CreatedAt: now, ExpiresAt: now.Add(outboxRetention).Unix(),
	})
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("store: marshal outbox mail: %w", err)
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.table), Item: out, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}, nil
}

// holdsInvitee reports whether inv, as stored, holds its invitee guard at
// now: it is pending and has not expired.
func holdsInvitee(inv *tilgang.Invitation, now time.Time) bool {
	return storedStatus(inv) == tilgang.InvitationPending && now.Before(inv.ExpiresAt)
}

// CreateInvitation stores the new invitation inv (pending, Version 0) with
// its invitation mail m, in one transaction that takes the invitee guard
// of its address and checks that the address is no user's userName.
// inv.CreatedAt is the time of the change. It sets Version 1.
//
// Errors: tilgang.ErrInvitationPending, tilgang.ErrInviteeIsUser.
func (s *Store) CreateInvitation(ctx context.Context, inv *tilgang.Invitation, m tilgang.Mail) error {
	now := inv.CreatedAt
	inv.UpdatedAt, inv.Version = now, 1
	var t txn
	put, err := s.putInvitation(inv, 0)
	if err != nil {
		return err
	}
	t.add(put, &tilgang.Error{Kind: tilgang.KindConflict, Code: "invitation.exists", Message: "an invitation with this id exists"})
	t.add(s.holdInvitee(inv, now), tilgang.ErrInvitationPending)
	t.add(s.noUser(inv), tilgang.ErrInviteeIsUser)
	mail, err := s.putMail(m, now)
	if err != nil {
		return err
	}
	t.add(mail, nil)
	if err := s.run(ctx, "create invitation", &t); err != nil {
		inv.Version = 0
		return err
	}
	return nil
}

// Invitation reads one invitation of an organisation, with its stored
// status (pending, never expired). An invitation of another organisation
// is not found.
func (s *Store) Invitation(ctx context.Context, orgID, id string) (*tilgang.Invitation, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            itemKey(invitationPK(orgID, id), skInvitation),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("store: get invitation: %w", err)
	}
	if out.Item == nil {
		return nil, tilgang.ErrInvitationNotFound
	}
	return unmarshalInvitation(out.Item)
}

// UpdateInvitation replaces old with inv if old is still the stored
// version, with mail, in one transaction: it is how an invitation is
// revoked or resent. An invitation that becomes pending takes its invitee
// guard (and checks again that the address is no user's); one that stops
// being pending releases it. inv.UpdatedAt is the time of the change. It
// advances inv.Version.
//
// Errors: tilgang.ErrStale, tilgang.ErrInvitationPending (another
// invitation of the address is pending), tilgang.ErrInviteeIsUser.
func (s *Store) UpdateInvitation(ctx context.Context, old, inv *tilgang.Invitation, mail []tilgang.Mail) error {
	now := inv.UpdatedAt
	var t txn
	if err := s.replaceInvitation(&t, old, inv); err != nil {
		return err
	}
	if storedStatus(inv) == tilgang.InvitationPending {
		t.add(s.holdInvitee(inv, now), tilgang.ErrInvitationPending)
		t.add(s.noUser(inv), tilgang.ErrInviteeIsUser)
	}
	for _, m := range mail {
		item, err := s.putMail(m, now)
		if err != nil {
			return err
		}
		t.add(item, nil)
	}
	if err := s.run(ctx, "update invitation", &t); err != nil {
		inv.Version = old.Version
		return err
	}
	return nil
}

// replaceInvitation adds the write of inv over old to t, and the release
// of the invitee guard if old held it and inv does not.
func (s *Store) replaceInvitation(t *txn, old, inv *tilgang.Invitation) error {
	inv.Version, inv.CreatedAt = old.Version+1, old.CreatedAt
	put, err := s.putInvitation(inv, old.Version)
	if err != nil {
		inv.Version = old.Version
		return err
	}
	t.add(put, nil)
	if holdsInvitee(old, inv.UpdatedAt) && storedStatus(inv) != tilgang.InvitationPending {
		t.add(s.releaseInvitee(old), nil)
	}
	return nil
}

// AcceptInvitation replaces old with inv (accepted) and creates the user u
// it names, with u's guards and c's history entry and mail, in one
// transaction. inv.UpdatedAt is the time of the change. It advances
// inv.Version and sets u's times and Version 1.
//
// Errors: tilgang.ErrStale (the invitation changed), tilgang.ErrUserNameTaken
// and the other uniqueness errors, tilgang.ErrMaxAdmins.
func (s *Store) AcceptInvitation(ctx context.Context, old, inv *tilgang.Invitation, u *tilgang.User, c tilgang.Change) error {
	now := inv.UpdatedAt
	u.CreatedAt, u.UpdatedAt, u.Version = now, now, 1
	var t txn
	if err := s.replaceInvitation(&t, old, inv); err != nil {
		return err
	}
	item, err := attributevalue.MarshalMap(toUserItem(u))
	if err != nil {
		inv.Version = old.Version
		return fmt.Errorf("store: marshal user: %w", err)
	}
	t.add(types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.table), Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}, &tilgang.Error{Kind: tilgang.KindConflict, Code: "user.exists", Field: "id", Message: "a user with this id exists"})
	for _, g := range guards(u) {
		t.add(s.putGuard(g, u), g.err)
	}
	if u.IsAdmin() {
		t.add(s.countAdmins(u.OrgID, +1, c.MaxAdmins), tilgang.ErrMaxAdmins)
	}
	err = s.finishUserChange(ctx, "accept invitation", &t, nil, u, u, c, now)
	if err != nil {
		inv.Version, u.Version = old.Version, 0
	}
	return err
}

// ApproveInvitation replaces old with inv (approved) and oldUser with u
// (the invitee, now active with the invitation's role), with c's history
// entry and mail, in one transaction that counts a new admin against
// c.MaxAdmins. The approval changes no value that a guard keeps.
// inv.UpdatedAt is the time of the change. It advances both versions.
//
// Errors: tilgang.ErrStale (either changed), tilgang.ErrMaxAdmins.
func (s *Store) ApproveInvitation(ctx context.Context, old, inv *tilgang.Invitation, oldUser, u *tilgang.User, c tilgang.Change) error {
	if !sameGuards(guards(oldUser), guards(u)) {
		return errors.New("store: approve invitation: an approval must not change userName, externalId or CPR")
	}
	now := inv.UpdatedAt
	u.Version, u.UpdatedAt, u.CreatedAt = oldUser.Version+1, now, oldUser.CreatedAt
	var t txn
	if err := s.replaceInvitation(&t, old, inv); err != nil {
		u.Version = oldUser.Version
		return err
	}
	item, err := attributevalue.MarshalMap(toUserItem(u))
	if err != nil {
		inv.Version, u.Version = old.Version, oldUser.Version
		return fmt.Errorf("store: marshal user: %w", err)
	}
	t.add(types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.table), Item: item,
		ConditionExpression:       aws.String("attribute_exists(PK) AND version = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": number(oldUser.Version)},
	}}, nil)
	switch {
	case u.IsAdmin() && !oldUser.IsAdmin():
		t.add(s.countAdmins(u.OrgID, +1, c.MaxAdmins), tilgang.ErrMaxAdmins)
	case oldUser.IsAdmin() && !u.IsAdmin():
		t.add(s.countAdmins(u.OrgID, -1, 0), nil)
	}
	err = s.finishUserChange(ctx, "approve invitation", &t, oldUser, u, u, c, now)
	if err != nil {
		inv.Version, u.Version = old.Version, oldUser.Version
	}
	return err
}

// RejectInvitation replaces old with inv (rejected) and deletes the user u
// that the acceptance created, as SPEC §4 deletes (its guards go, the
// history keeps c's entry, which holds no personal data), in one
// transaction. u may be nil when the user is gone already; c's entry is
// then written to the history of inv.UserID. inv.UpdatedAt is the time of
// the change. It advances inv.Version.
//
// Errors: tilgang.ErrStale (either changed).
func (s *Store) RejectInvitation(ctx context.Context, old, inv *tilgang.Invitation, u *tilgang.User, c tilgang.Change) error {
	now := inv.UpdatedAt
	var t txn
	if err := s.replaceInvitation(&t, old, inv); err != nil {
		return err
	}
	owner := u
	if u != nil {
		t.add(types.TransactWriteItem{Delete: &types.Delete{
			TableName:                 aws.String(s.table),
			Key:                       itemKey(userPK(u.OrgID, u.ID), skUser),
			ConditionExpression:       aws.String("attribute_exists(PK) AND version = :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": number(u.Version)},
		}}, nil)
		for _, g := range guards(u) {
			t.add(s.deleteGuard(g, u), nil)
		}
		if u.IsAdmin() {
			t.add(s.countAdmins(u.OrgID, -1, 0), nil)
		}
	} else {
		owner = &tilgang.User{ID: inv.UserID, OrgID: inv.OrgID}
		// The user must stay gone: a user of that id now would be
		// another's, and its history the wrong place.
		t.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName:           aws.String(s.table),
			Key:                 itemKey(userPK(inv.OrgID, inv.UserID), skUser),
			ConditionExpression: aws.String("attribute_not_exists(PK)"),
		}}, nil)
	}
	err := s.finishUserChange(ctx, "reject invitation", &t, u, nil, owner, c, now)
	if err != nil {
		inv.Version = old.Version
	}
	return err
}

func sameGuards(a, b []guard) bool {
	if len(a) != len(b) {
		return false
	}
	for _, g := range b {
		if !containsGuard(a, g.pk) {
			return false
		}
	}
	return true
}

// finishUserChange adds the schedule moves from old to u (either may be
// nil) and c's history entry and mail on owner, the user that changes, and
// runs the transaction.
func (s *Store) finishUserChange(ctx context.Context, op string, t *txn, old, u, owner *tilgang.User, c tilgang.Change, now time.Time) error {
	for _, item := range s.scheduleWrites(old, u, nil) {
		t.add(item, nil)
	}
	items, err := s.appendChange(t.items, owner, c, now)
	if err != nil {
		return err
	}
	t.items = items
	return s.run(ctx, op, t)
}
