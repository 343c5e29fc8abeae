package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	tilgang "github.com/tilgang/tilgang/internal"
)

// OutboxStatus is where an outbox item is on its way to SES.
//
//	pending ──claim──▶ sending ──▶ sent | failed | skipped
//	                      └──release / claim expires──▶ pending
type OutboxStatus string

// The statuses of an outbox item. An item is written without a status,
// which reads as OutboxPending.
const (
	OutboxPending OutboxStatus = "pending"
	OutboxSending OutboxStatus = "sending" // claimed until Outbox.ClaimUntil
	OutboxSent    OutboxStatus = "sent"
	OutboxFailed  OutboxStatus = "failed"  // permanently; Reason says why
	OutboxSkipped OutboxStatus = "skipped" // nothing to send any more; Reason says why
)

// Done reports whether the status is final.
func (s OutboxStatus) Done() bool {
	return s == OutboxSent || s == OutboxFailed || s == OutboxSkipped
}

// Outbox is an outbox item as the mailer sees it.
type Outbox struct {
	Mail       tilgang.Mail
	Status     OutboxStatus
	Attempts   int       // claims so far
	ClaimUntil time.Time // when a sending claim expires
	DoneAt     time.Time // when it became sent, failed or skipped
	MessageID  string    // SES's message id, once sent
	Reason     string    // why it failed or was skipped
	CreatedAt  time.Time
}

// Errors of the outbox methods.
var (
	ErrOutboxNotFound = errors.New("store: no such outbox item")
	// ErrOutboxTaken means the item is done, or claimed by someone else
	// whose claim has not expired. ClaimOutbox returns the item as it is.
	ErrOutboxTaken = errors.New("store: outbox item is done or claimed")
	// ErrClaimLost means the caller's claim is no longer the item's:
	// it expired and another caller claimed the item.
	ErrClaimLost = errors.New("store: the claim on the outbox item was lost")
)

// Attribute names of the outbox bookkeeping; status is a reserved word,
// so every expression uses placeholders.
var outboxNames = map[string]string{
	"#st": "status", "#att": "attempts", "#cl": "claim", "#cu": "claimUntil",
	"#done": "doneAt", "#msg": "messageId", "#why": "reason",
}

// ClaimOutbox claims the outbox item id for sending, as claim, until until:
// only a pending item, or one whose earlier claim expired before now, can be
// claimed. A conditional write decides between concurrent callers, so at
// most one holds a live claim. On ErrOutboxTaken it returns the item as it
// is, so that the caller can tell done from claimed.
func (s *Store) ClaimOutbox(ctx context.Context, id, claim string, now, until time.Time) (*Outbox, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table),
		Key:       itemKey(outboxPK(id), skOutbox),
		ConditionExpression: aws.String("attribute_exists(PK) AND " +
			"(attribute_not_exists(#st) OR #st = :pending OR (#st = :sending AND #cu < :now))"),
		UpdateExpression:         aws.String("SET #st = :sending, #cl = :claim, #cu = :until ADD #att :one"),
		ExpressionAttributeNames: pick(outboxNames, "#st", "#cl", "#cu", "#att"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pending": str(string(OutboxPending)), ":sending": str(string(OutboxSending)),
			":now": number(now.UnixMilli()), ":until": number(until.UnixMilli()),
			":claim": str(claim), ":one": number(1),
		},
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if ccf.Item == nil {
			return nil, ErrOutboxNotFound
		}
		o, err := unmarshalOutbox(ccf.Item)
		if err != nil {
			return nil, err
		}
		return o, ErrOutboxTaken
	}
	if err != nil {
		return nil, fmt.Errorf("store: claim outbox item %s: %w", id, err)
	}
	return unmarshalOutbox(out.Attributes)
}

// OutboxItem reads one outbox item.
func (s *Store) OutboxItem(ctx context.Context, id string) (*Outbox, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            itemKey(outboxPK(id), skOutbox),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("store: get outbox item %s: %w", id, err)
	}
	if out.Item == nil {
		return nil, ErrOutboxNotFound
	}
	return unmarshalOutbox(out.Item)
}

// MarkOutboxSent records that SES accepted the item as messageID, if claim
// still holds it.
func (s *Store) MarkOutboxSent(ctx context.Context, id, claim, messageID string, at time.Time) error {
	u := s.finishOutbox(id, claim, OutboxSent, at)
	*u.UpdateExpression += ", #msg = :msg"
	u.ExpressionAttributeNames["#msg"] = outboxNames["#msg"]
	u.ExpressionAttributeValues[":msg"] = str(messageID)
	return s.updateOutbox(ctx, "mark outbox item sent", u)
}

// MarkOutboxSkipped records that there is nothing to send any more, for
// reason (e.g. the user is gone), if claim still holds the item.
func (s *Store) MarkOutboxSkipped(ctx context.Context, id, claim, reason string, at time.Time) error {
	return s.updateOutbox(ctx, "mark outbox item skipped", withReason(s.finishOutbox(id, claim, OutboxSkipped, at), reason))
}

// MarkOutboxFailed records a permanent failure for reason, if claim still
// holds the item. When the mail is to a user, the user's history gets
// entry, in the same transaction: the entry outlives the outbox item, and
// holds the mail's kind but never its address.
func (s *Store) MarkOutboxFailed(ctx context.Context, m tilgang.Mail, claim, reason string, entry *tilgang.Activity, at time.Time) error {
	u := withReason(s.finishOutbox(m.ID, claim, OutboxFailed, at), reason)
	if entry == nil || m.UserID == "" {
		return s.updateOutbox(ctx, "mark outbox item failed", u)
	}
	a := *entry
	if a.At.IsZero() {
		a.At = at
	}
	// The same entry as appendChange writes for a change of the user.
	sk := historySK(a.At)
	hist, err := attributevalue.MarshalMap(activityItem{
		PK: userPK(m.OrgID, m.UserID), SK: sk, GSI1PK: orgHistoryPK(m.OrgID), GSI1SK: sk, Type: typeActivity, UserID: m.UserID,
		At: a.At, Actor: a.Actor, Action: a.Action, Fields: a.Fields, Source: a.Source, Search: historySearch(a),
	})
	if err != nil {
		return fmt.Errorf("store: marshal activity: %w", err)
	}
	items := []types.TransactWriteItem{{Update: u}, {Update: s.create(hist)}}
	err = s.write(ctx, items, func(i int) error {
		if i == 0 {
			return ErrClaimLost
		}
		return fmt.Errorf("store: history entry %s exists", *hist[attrSK].(*types.AttributeValueMemberS))
	})
	if err != nil && !errors.Is(err, ErrClaimLost) {
		return fmt.Errorf("store: mark outbox item %s failed: %w", m.ID, err)
	}
	return err
}

// ReleaseOutbox gives a claimed item back: it is pending again, for the
// next delivery of its stream record. Only for a send that SES certainly
// did not take.
func (s *Store) ReleaseOutbox(ctx context.Context, id, claim string) error {
	return s.updateOutbox(ctx, "release outbox item", &types.Update{
		TableName:                aws.String(s.table),
		Key:                      itemKey(outboxPK(id), skOutbox),
		ConditionExpression:      aws.String("#st = :sending AND #cl = :claim"),
		UpdateExpression:         aws.String("SET #st = :pending REMOVE #cl, #cu"),
		ExpressionAttributeNames: pick(outboxNames, "#st", "#cl", "#cu"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":sending": str(string(OutboxSending)), ":pending": str(string(OutboxPending)), ":claim": str(claim),
		},
	})
}

// finishOutbox is the update that moves a claimed item to a final status.
func (s *Store) finishOutbox(id, claim string, to OutboxStatus, at time.Time) *types.Update {
	return &types.Update{
		TableName:                aws.String(s.table),
		Key:                      itemKey(outboxPK(id), skOutbox),
		ConditionExpression:      aws.String("#st = :sending AND #cl = :claim"),
		UpdateExpression:         aws.String("REMOVE #cu SET #st = :to, #done = :at"),
		ExpressionAttributeNames: pick(outboxNames, "#st", "#cl", "#cu", "#done"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":sending": str(string(OutboxSending)), ":claim": str(claim),
			":to": str(string(to)), ":at": str(at.UTC().Format(time.RFC3339Nano)),
		},
	}
}

func withReason(u *types.Update, reason string) *types.Update {
	*u.UpdateExpression += ", #why = :why"
	u.ExpressionAttributeNames["#why"] = outboxNames["#why"]
	u.ExpressionAttributeValues[":why"] = str(reason)
	return u
}

func (s *Store) updateOutbox(ctx context.Context, op string, u *types.Update) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: u.TableName, Key: u.Key,
		ConditionExpression: u.ConditionExpression, UpdateExpression: u.UpdateExpression,
		ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
	})
	if isConditionFailed(err) {
		return ErrClaimLost
	}
	if err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	return nil
}

// create is an Update that writes a new item with every attribute of item.
// An Update rather than a Put, so that the mailer needs no PutItem grant.
func (s *Store) create(item map[string]types.AttributeValue) *types.Update {
	names := make([]string, 0, len(item))
	for k := range item {
		if k != attrPK && k != attrSK {
			names = append(names, k)
		}
	}
	sort.Strings(names) // a stable expression, for reading logs
	u := &types.Update{
		TableName:                 aws.String(s.table),
		Key:                       itemKey(item[attrPK].(*types.AttributeValueMemberS).Value, item[attrSK].(*types.AttributeValueMemberS).Value),
		ConditionExpression:       aws.String("attribute_not_exists(PK)"),
		ExpressionAttributeNames:  map[string]string{},
		ExpressionAttributeValues: map[string]types.AttributeValue{},
	}
	expr := "SET "
	for i, k := range names {
		n, v := "#a"+strconv.Itoa(i), ":a"+strconv.Itoa(i)
		if i > 0 {
			expr += ", "
		}
		expr += n + " = " + v
		u.ExpressionAttributeNames[n], u.ExpressionAttributeValues[v] = k, item[k]
	}
	u.UpdateExpression = aws.String(expr)
	return u
}

func pick(m map[string]string, keys ...string) map[string]string {
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}

func unmarshalOutbox(av map[string]types.AttributeValue) (*Outbox, error) {
	var it outboxItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return nil, fmt.Errorf("store: unmarshal outbox item: %w", err)
	}
	o := &Outbox{
		Mail: tilgang.Mail{
			ID: it.ID, OrgID: it.OrgID, UserID: it.UserID, InvitationID: it.InvitationID,
			Kind: it.Kind, To: it.To, Language: it.Language,
		},
		Status: OutboxStatus(it.Status), Attempts: it.Attempts,
		DoneAt: it.DoneAt, MessageID: it.MessageID, Reason: it.Reason, CreatedAt: it.CreatedAt,
	}
	if o.Status == "" {
		o.Status = OutboxPending
	}
	if it.ClaimUntil != 0 {
		o.ClaimUntil = time.UnixMilli(it.ClaimUntil).UTC()
	}
	return o, nil
}
