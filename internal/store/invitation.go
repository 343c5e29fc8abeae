package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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

var invitationKind = itemKind[invitationItem, *tilgang.Invitation]{name: "invitation", read: strongly,
	notFound: tilgang.ErrInvitationNotFound, as: (*invitationItem).invitation}

// errInvitationExists refuses a new invitation whose id is taken.
var errInvitationExists = &tilgang.Error{Kind: tilgang.KindConflict, Code: "invitation.exists", Message: "an invitation with this id exists"}

// holdInvitee takes the invitee guard of inv's address for inv until it
// expires: it is free if absent, inv's already, or held by an invitation
// that has expired at now. It also checks that no user of inv's
// organisation has the address as userName.
func (t *txn) holdInvitee(inv *tilgang.Invitation, now time.Time) {
	until := inv.ExpiresAt.Unix()
	if inv.ExpiresAt.After(time.Unix(until, 0)) {
		until++ // whole seconds, rounded up: never free before the invitation expires
	}
	t.put(map[string]types.AttributeValue{
		attrPK: str(inviteeGuardPK(inv.OrgID, inv.Email)), attrSK: str(skGuard), attrType: str(typeGuard),
		"invitationId": str(inv.ID), attrExpires: number(until),
	}, cond{
		expr:   "attribute_not_exists(PK) OR invitationId = :id OR #exp <= :now",
		names:  map[string]string{"#exp": attrExpires},
		values: map[string]types.AttributeValue{":id": str(inv.ID), ":now": number(now.Unix())},
	}, tilgang.ErrInvitationPending)
	t.check(itemKey(userNameGuardPK(inv.OrgID, inv.Email), skGuard), absent, tilgang.ErrInviteeIsUser)
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
	t := s.txn()
	t.put(toInvitationItem(inv), absent, errInvitationExists)
	t.holdInvitee(inv, now)
	t.putMail(m, now)
	if err := s.transact(ctx, "create invitation", t); err != nil {
		inv.Version = 0
		return err
	}
	return nil
}

// Invitation reads one invitation of an organisation, with its stored
// status (pending, never expired). An invitation of another organisation
// is not found.
func (s *Store) Invitation(ctx context.Context, orgID, id string) (*tilgang.Invitation, error) {
	return invitationKind.get(ctx, s, itemKey(invitationPK(orgID, id), skInvitation))
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
	t := s.txn()
	t.replaceInvitation(old, inv)
	if storedStatus(inv) == tilgang.InvitationPending {
		t.holdInvitee(inv, now)
	}
	for _, m := range mail {
		t.putMail(m, now)
	}
	if err := s.transact(ctx, "update invitation", t); err != nil {
		inv.Version = old.Version
		return err
	}
	return nil
}

// replaceInvitation adds the write of inv over old, and the release of the
// invitee guard if old held it and inv does not. It advances inv.Version;
// the caller puts it back if the transaction fails.
func (t *txn) replaceInvitation(old, inv *tilgang.Invitation) {
	inv.Version, inv.CreatedAt = old.Version+1, old.CreatedAt
	t.put(toInvitationItem(inv), atVersion(old.Version), nil)
	if holdsInvitee(old, inv.UpdatedAt) && storedStatus(inv) != tilgang.InvitationPending {
		t.delete(itemKey(inviteeGuardPK(old.OrgID, old.Email), skGuard), heldBy("invitationId", old.ID), nil)
	}
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
	u.InvitationID = inv.ID // so that deleting u erases inv's copy of its address
	t := s.txn()
	t.replaceInvitation(old, inv)
	t.createUser(u, c.MaxAdmins)
	t.change(u, c, now)
	if err := s.transact(ctx, "accept invitation", t); err != nil {
		inv.Version, u.Version = old.Version, 0
		return err
	}
	return nil
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
	t := s.txn()
	t.replaceInvitation(old, inv)
	t.replaceUser(oldUser, u, c.MaxAdmins, nil)
	t.change(u, c, now)
	if err := s.transact(ctx, "approve invitation", t); err != nil {
		inv.Version, u.Version = old.Version, oldUser.Version
		return err
	}
	return nil
}

// RejectInvitation replaces old with inv (rejected) and deletes the user u
// that the acceptance created, as DeleteUser deletes, in one transaction.
// The rejected invitation is stored erased (see eraseInvitation): it
// keeps no address and no user id, and inv shows that. u may be nil when
// the user is gone already; c's entry is then written to the history of
// inv.UserID, if the invitation still names it (an erased one names no
// one). inv.UpdatedAt is the time of the change. It advances inv.Version.
//
// Errors: tilgang.ErrStale (either changed).
func (s *Store) RejectInvitation(ctx context.Context, old, inv *tilgang.Invitation, u *tilgang.User, c tilgang.Change) error {
	now := inv.UpdatedAt
	ownerID := inv.UserID
	email := inv.Email
	inv.Email, inv.UserID = "", ""
	t := s.txn()
	t.replaceInvitation(old, inv)
	owner := u
	switch {
	case u != nil:
		gone := *u
		gone.InvitationID = "" // inv is erased by its own write above
		t.deleteUser(&gone)
	case ownerID != "":
		owner = &tilgang.User{ID: ownerID, OrgID: inv.OrgID}
		// The user must stay gone: a user of that id now would be
		// another's, and its history the wrong place.
		t.check(itemKey(userPK(inv.OrgID, ownerID), skUser), absent, nil)
	}
	if owner != nil {
		t.change(owner, c, now)
	}
	if err := s.transact(ctx, "reject invitation", t); err != nil {
		inv.Version, inv.Email, inv.UserID = old.Version, email, ownerID
		return err
	}
	if u != nil {
		// As DeleteUser: an identity provider may have put the user in
		// groups while it awaited approval.
		if err := s.LeaveGroups(ctx, u.OrgID, u.ID); err != nil {
			return fmt.Errorf("store: user deleted, but still in groups: %w", err)
		}
	}
	return nil
}

// eraseInvitation adds the erasure of invitation id of orgID, whose user is
// being deleted: its address and user id go, the rest (role, inviter,
// status, times) stays as the record of what an administrator did. Its
// version moves, so that a step on it that read it before fails as stale.
// The invitee guard is not touched: an invitation that has a user was
// accepted, which released the guard.
func (t *txn) eraseInvitation(orgID, id string) {
	t.update(&types.Update{
		TableName:                t.table,
		Key:                      itemKey(invitationPK(orgID, id), skInvitation),
		ConditionExpression:      aws.String("attribute_exists(PK)"),
		UpdateExpression:         aws.String("SET #email = :none, #v = #v + :one REMOVE #user"),
		ExpressionAttributeNames: map[string]string{"#email": "email", "#user": "userId", "#v": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":none": str(""), ":one": number(1),
		},
	}, errInvitationMissing)
	t.deleteMailState(invitationPK(orgID, id))
}

// errInvitationMissing means a user names an invitation that is not
// there; invitations are never deleted, so the store is damaged.
var errInvitationMissing = errors.New("store: the user's invitation does not exist")

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
