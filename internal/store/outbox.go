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

	"github.com/tilgang/tilgang/internal/tilgang"
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
	// Origin is when the first item of this mail was written, if this one
	// re-drives it (RedriveOutbox); zero for the first. Redrives counts
	// the re-drives.
	Origin   time.Time
	Redrives int
}

// FirstWritten is when the first item of o's mail was written.
func (o *Outbox) FirstWritten() time.Time {
	if o.Origin.IsZero() {
		return o.CreatedAt
	}
	return o.Origin
}

// Errors of the outbox methods.
var (
	ErrOutboxNotFound = errors.New("store: no such outbox item")
	// ErrOutboxTaken means the item is done, or claimed by someone else
	// whose claim has not expired. ClaimOutboxes returns the item as it is.
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
	"#ipk": attrGSI2PK, "#isk": attrGSI2SK,
}

// claimUpdate is the conditional update that claims item id for sending, as
// claim, until until: only a pending item, or one whose earlier claim
// expired before now, can be claimed, so at most one caller holds a live
// claim.
func (s *Store) claimUpdate(id, claim string, now, until time.Time) *types.Update {
	return &types.Update{
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
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
}

// notClaimed is how a claim ended whose condition failed on old, the item
// as it was (nil: there is none).
func notClaimed(old map[string]types.AttributeValue) (*Outbox, error) {
	if old == nil {
		return nil, ErrOutboxNotFound
	}
	o, err := outboxKind.decode(old)
	if err != nil {
		return nil, err
	}
	return o, ErrOutboxTaken
}

// MaxOutboxBatch is the most items that ClaimOutboxes, MarkOutboxesSent,
// OutboxItems and MailUsers take at once: DynamoDB's limit of items in
// one transaction.
const MaxOutboxBatch = 100

// OutboxClaim is how claiming one item of ClaimOutboxes ended: Err is nil
// when the item is claimed, and otherwise ErrOutboxNotFound, or
// ErrOutboxTaken with Item as it is, so that the caller can tell done from
// claimed.
type OutboxClaim struct {
	Item *Outbox
	Err  error
}

// ClaimOutboxes claims the outbox items ids for sending (see claimUpdate), in
// one transaction when every item can be claimed. When some cannot (done,
// claimed by someone else, or gone), DynamoDB cancels the transaction and
// it claims the others in another, so one item never holds up the rest.
// A transaction returns no values: read the claimed items with
// OutboxItems. ids must be distinct, at most MaxOutboxBatch. On an error
// the last transaction may have been written or not: release the items.
func (s *Store) ClaimOutboxes(ctx context.Context, ids []string, claim string, now, until time.Time) ([]OutboxClaim, error) {
	t := s.txn()
	for _, id := range ids {
		t.update(s.claimUpdate(id, claim, now, until), nil)
	}
	failed, err := s.transactEach(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("store: claim %d outbox items: %w", len(ids), err)
	}
	out := make([]OutboxClaim, len(ids))
	for i, r := range failed {
		if r != nil {
			out[i].Item, out[i].Err = notClaimed(r.Item)
		}
	}
	return out, nil
}

// SentOutbox is an outbox item that SES took: its id, the claim that holds
// it and SES's message id.
type SentOutbox struct {
	ID, Claim, MessageID string
}

// MarkOutboxesSent marks the items sent as MarkOutboxSent marks each, in
// one transaction when every claim still holds its item; the items whose
// claim was lost are left out and get ErrClaimLost, in the same order as
// sent. At most MaxOutboxBatch items, distinct.
func (s *Store) MarkOutboxesSent(ctx context.Context, sent []SentOutbox, at time.Time) ([]error, error) {
	t := s.txn()
	for _, o := range sent {
		t.update(sentUpdate(s.finishOutbox(o.ID, o.Claim, OutboxSent, at), o.MessageID), nil)
	}
	failed, err := s.transactEach(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("store: mark %d outbox items sent: %w", len(sent), err)
	}
	errs := make([]error, len(sent))
	for i, r := range failed {
		if r != nil {
			errs[i] = ErrClaimLost
		}
	}
	return errs, nil
}

// OutboxItems reads the outbox items ids in one strongly consistent
// transaction, in the same order; an item that does not exist is nil. ids
// must be distinct, at most MaxOutboxBatch.
func (s *Store) OutboxItems(ctx context.Context, ids []string) ([]*Outbox, error) {
	keys := make([]map[string]types.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = itemKey(outboxPK(id), skOutbox)
	}
	avs, err := s.transactGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("store: get %d outbox items: %w", len(ids), err)
	}
	out := make([]*Outbox, len(ids))
	for i, av := range avs {
		if av != nil {
			if out[i], err = outboxKind.decode(av); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// MailUsers reads the users that mails are to (Mail.OrgID and UserID) in
// one strongly consistent transaction, each once, in the order of mails;
// it is nil for a mail to no user and for a user that does not exist. At
// most MaxOutboxBatch mails.
func (s *Store) MailUsers(ctx context.Context, mails []tilgang.Mail) ([]*tilgang.User, error) {
	at := make(map[string]int, len(mails)) // user key → index in keys
	var keys []map[string]types.AttributeValue
	for _, m := range mails {
		pk := userPK(m.OrgID, m.UserID)
		if _, ok := at[pk]; m.UserID == "" || ok {
			continue
		}
		at[pk] = len(keys)
		keys = append(keys, itemKey(pk, skUser))
	}
	avs, err := s.transactGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("store: get %d users: %w", len(keys), err)
	}
	read := make([]*tilgang.User, len(keys))
	for i, av := range avs {
		if av != nil {
			if read[i], err = userKind.decode(av); err != nil {
				return nil, err
			}
		}
	}
	out := make([]*tilgang.User, len(mails))
	for i, m := range mails {
		if m.UserID != "" {
			out[i] = read[at[userPK(m.OrgID, m.UserID)]]
		}
	}
	return out, nil
}

// transactGet reads the items of keys in one TransactGetItems, which reads
// strongly consistent, in the same order; an item that does not exist is
// nil. keys must be distinct, at most MaxOutboxBatch. A conflict with a
// transaction that writes one of the items is retried with backoff.
func (s *Store) transactGet(ctx context.Context, keys []map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	if len(keys) > MaxOutboxBatch {
		return nil, fmt.Errorf("%d items in one transaction, at most %d", len(keys), MaxOutboxBatch)
	}
	in := &dynamodb.TransactGetItemsInput{TransactItems: make([]types.TransactGetItem, len(keys))}
	for i, k := range keys {
		in.TransactItems[i] = types.TransactGetItem{Get: &types.Get{TableName: aws.String(s.table), Key: k}}
	}
	var out *dynamodb.TransactGetItemsOutput
	err := retryConflicts(ctx, func() (err error) {
		out, err = s.db.TransactGetItems(ctx, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(out.Responses) != len(keys) {
		return nil, fmt.Errorf("%d responses to %d reads", len(out.Responses), len(keys))
	}
	items := make([]map[string]types.AttributeValue, len(keys))
	for i, r := range out.Responses {
		items[i] = r.Item
	}
	return items, nil
}

// MarkOutboxSent records that SES accepted the item as messageID, if claim
// still holds it (or already marked it sent: a repeated mark succeeds).
func (s *Store) MarkOutboxSent(ctx context.Context, id, claim, messageID string, at time.Time) error {
	return s.updateOutbox(ctx, "mark outbox item sent", sentUpdate(s.finishOutbox(id, claim, OutboxSent, at), messageID))
}

// sentUpdate makes u, the update that moves an item to sent, record SES's
// message id. It also succeeds when the same claim marked the item sent
// already, so that a mark whose answer was lost can be written again: the
// claim is that of the one delivery that sent the mail.
func sentUpdate(u *types.Update, messageID string) *types.Update {
	u.ConditionExpression = aws.String("#cl = :claim AND (#st = :sending OR #st = :to)")
	*u.UpdateExpression += ", #msg = :msg"
	u.ExpressionAttributeNames["#msg"] = outboxNames["#msg"]
	u.ExpressionAttributeValues[":msg"] = str(messageID)
	return u
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
	hist := historyEntry(m.OrgID, m.UserID, *entry, at)
	av, err := attributevalue.MarshalMap(hist)
	if err != nil {
		return fmt.Errorf("store: marshal activity: %w", err)
	}
	t := s.txn()
	t.update(u, ErrClaimLost)
	t.update(s.create(av), fmt.Errorf("store: mark outbox item %s failed: history entry %s exists", m.ID, hist.SK))
	return s.transact(ctx, "mark outbox item "+m.ID+" failed", t)
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
// A sent or skipped item leaves the undelivered index; a failed one moves
// to its failed partition, where an operator's re-drive finds it
// (outbox_redrive.go).
func (s *Store) finishOutbox(id, claim string, to OutboxStatus, at time.Time) *types.Update {
	u := &types.Update{
		TableName:                aws.String(s.table),
		Key:                      itemKey(outboxPK(id), skOutbox),
		ConditionExpression:      aws.String("#st = :sending AND #cl = :claim"),
		UpdateExpression:         aws.String("REMOVE #cu, #ipk, #isk SET #st = :to, #done = :at"),
		ExpressionAttributeNames: pick(outboxNames, "#st", "#cl", "#cu", "#done", "#ipk", "#isk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":sending": str(string(OutboxSending)), ":claim": str(claim),
			":to": str(string(to)), ":at": str(at.UTC().Format(time.RFC3339Nano)),
		},
	}
	if to == OutboxFailed {
		u.UpdateExpression = aws.String("REMOVE #cu SET #st = :to, #done = :at, #ipk = :ipk")
		delete(u.ExpressionAttributeNames, "#isk")
		u.ExpressionAttributeValues[":ipk"] = str(undeliveredPK(id, true))
	}
	return u
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

var outboxKind = itemKind[outboxItem, *Outbox]{name: "outbox item", read: strongly, notFound: ErrOutboxNotFound, as: (*outboxItem).outbox}

func (it *outboxItem) outbox() *Outbox {
	o := &Outbox{
		Mail: tilgang.Mail{
			ID: it.ID, OrgID: it.OrgID, UserID: it.UserID, InvitationID: it.InvitationID,
			Kind: it.Kind, To: it.To, Language: it.Language,
		},
		Status: OutboxStatus(it.Status), Attempts: it.Attempts,
		DoneAt: it.DoneAt, MessageID: it.MessageID, Reason: it.Reason, CreatedAt: it.CreatedAt,
		Origin: it.Origin, Redrives: it.Redrives,
	}
	if o.Status == "" {
		o.Status = OutboxPending
	}
	if it.ClaimUntil != 0 {
		o.ClaimUntil = time.UnixMilli(it.ClaimUntil).UTC()
	}
	return o
}
