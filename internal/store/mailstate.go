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

// A mail state (tilgang.MailState) is an item of its own in the user's or
// the invitation's item collection, SK "MAILSTATE", not an attribute of the
// user: the SES events that write it then never move the user's version
// (its ETag), and no user write can lose it. Deleting the user, or erasing
// its invitation, deletes it with the rest.

const (
	typeMailState = "mailState"
	skMailState   = "MAILSTATE"
)

type mailStateItem struct {
	PK      string `dynamodbav:"PK"`
	SK      string `dynamodbav:"SK"`
	Type    string `dynamodbav:"type"`
	State   string `dynamodbav:"state"`
	At      string `dynamodbav:"at"` // sortableTime: later reports win by string order
	Reason  string `dynamodbav:"reason,omitempty"`
	Address string `dynamodbav:"address"` // tilgang.AddressHash
}

var mailStateKind = itemKind[mailStateItem, *tilgang.MailState]{name: "mail state", read: eventually, as: (*mailStateItem).mailState}

func (it *mailStateItem) mailState() *tilgang.MailState {
	at, _ := time.Parse(sortableLayout, it.At)
	return &tilgang.MailState{State: it.State, At: at, Reason: it.Reason, Address: it.Address}
}

// ErrMailTargetGone means the user or invitation of a mail state is not
// there (deleted since the mail went).
var ErrMailTargetGone = errors.New("store: the user or invitation of the mail is gone")

// ErrMailStateNewer means a mail state was not recorded because a later one
// is (SES events come in any order).
var ErrMailStateNewer = errors.New("store: a later mail state is recorded")

// ownerKey is the key of target's user or invitation item.
func ownerKey(target tilgang.MailTarget) (pk, sk string, err error) {
	switch {
	case target.OrgID == "":
		return "", "", errors.New("store: a mail state's target names no organisation")
	case target.UserID != "":
		return userPK(target.OrgID, target.UserID), skUser, nil
	case target.InvitationID != "":
		return invitationPK(target.OrgID, target.InvitationID), skInvitation, nil
	}
	return "", "", errors.New("store: a mail state's target names neither a user nor an invitation")
}

// MailState returns the mail state of target, nil if none is recorded.
// Read eventually consistent: a report from SES is seconds old anyway.
func (s *Store) MailState(ctx context.Context, target tilgang.MailTarget) (*tilgang.MailState, error) {
	pk, _, err := ownerKey(target)
	if err != nil {
		return nil, err
	}
	return mailStateKind.get(ctx, s, itemKey(pk, skMailState))
}

// MailStates reads the mail states of targets at once (BatchGetItem), as
// the mailer does for a chunk of mail: the result holds every target it
// read, nil where none is recorded. Targets that name no user or invitation
// are left out.
func (s *Store) MailStates(ctx context.Context, targets []tilgang.MailTarget) (map[tilgang.MailTarget]*tilgang.MailState, error) {
	out := make(map[tilgang.MailTarget]*tilgang.MailState, len(targets))
	at := make(map[itemID]tilgang.MailTarget, len(targets))
	var keys []map[string]types.AttributeValue
	for _, t := range targets {
		pk, _, err := ownerKey(t)
		if _, seen := out[t]; err != nil || seen {
			continue
		}
		out[t] = nil
		at[itemID{pk, skMailState}] = t
		keys = append(keys, itemKey(pk, skMailState))
	}
	items, err := s.batchGet(ctx, keys, "type", "state", "at", "reason", "address")
	if err != nil {
		return nil, fmt.Errorf("store: get %d mail states: %w", len(keys), err)
	}
	for id, av := range items {
		st, err := mailStateKind.decode(av)
		if err != nil {
			return nil, err
		}
		out[at[id]] = st
	}
	return out, nil
}

// RecordMailState records st as target's mail state, unless a later state
// is recorded (ErrMailStateNewer) or target is gone (ErrMailTargetGone:
// nothing of a deleted user may be written back).
func (s *Store) RecordMailState(ctx context.Context, target tilgang.MailTarget, st tilgang.MailState) error {
	pk, sk, err := ownerKey(target)
	if err != nil {
		return err
	}
	t := s.txn()
	t.check(itemKey(pk, sk), present, ErrMailTargetGone)
	t.update(&types.Update{
		TableName:           t.table,
		Key:                 itemKey(pk, skMailState),
		ConditionExpression: aws.String("attribute_not_exists(PK) OR #at <= :at"),
		UpdateExpression:    aws.String("SET #type = :type, #st = :st, #at = :at, #why = :why, #addr = :addr"),
		ExpressionAttributeNames: map[string]string{
			"#type": attrType, "#st": "state", "#at": "at", "#why": "reason", "#addr": "address",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":type": str(typeMailState), ":st": str(st.State), ":at": str(sortableTime(st.At)),
			":why": str(st.Reason), ":addr": str(st.Address),
		},
	}, ErrMailStateNewer)
	return s.transact(ctx, "record mail state", t)
}

// deleteMailState adds the deletion of the mail state in the collection pk,
// if there is one.
func (t *txn) deleteMailState(pk string) {
	t.delete(itemKey(pk, skMailState), cond{}, nil)
}
