package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// A txn is one TransactWriteItems being built: its items, and for each the
// error that a failed condition on it means. Its methods add items; the
// first error in building one (a value that does not marshal) is kept and
// returned by Store.transact, so that building reads as a list of items.
// Make it with Store.txn.
type txn struct {
	table  *string
	items  []types.TransactWriteItem
	onFail []error // by item; nil means tilgang.ErrStale
	err    error
	counts map[string]map[string]int // user count deltas by organisation, see countUser
}

func (s *Store) txn() *txn { return &txn{table: aws.String(s.table)} }

// cond is a condition expression with the names and values of its
// placeholders. The zero value is no condition.
type cond struct {
	expr   string
	names  map[string]string
	values map[string]types.AttributeValue
}

// absent holds when there is no item at the key.
var absent = cond{expr: "attribute_not_exists(PK)"}

// present holds when there is an item at the key.
var present = cond{expr: "attribute_exists(PK)"}

// atVersion holds when the item is there at version v: the optimistic lock
// of users, organisations and invitations.
func atVersion(v int64) cond {
	return cond{expr: "attribute_exists(PK) AND version = :v", values: map[string]types.AttributeValue{":v": number(v)}}
}

// heldBy holds when the item's attribute attr is id: a guard is deleted
// only by its holder.
func heldBy(attr, id string) cond {
	return cond{expr: attr + " = :id", values: map[string]types.AttributeValue{":id": str(id)}}
}

func (c cond) expression() *string {
	if c.expr == "" {
		return nil
	}
	return aws.String(c.expr)
}

func (t *txn) add(item types.TransactWriteItem, onFail error) {
	t.items = append(t.items, item)
	t.onFail = append(t.onFail, onFail)
}

// put adds a Put of v, an item struct or the item's attribute map.
func (t *txn) put(v any, c cond, onFail error) {
	item, ok := v.(map[string]types.AttributeValue)
	if !ok {
		var err error
		if item, err = attributevalue.MarshalMap(v); err != nil {
			if t.err == nil {
				t.err = fmt.Errorf("store: marshal %T: %w", v, err)
			}
			return
		}
	}
	t.add(types.TransactWriteItem{Put: &types.Put{
		TableName: t.table, Item: item,
		ConditionExpression: c.expression(), ExpressionAttributeNames: c.names, ExpressionAttributeValues: c.values,
	}}, onFail)
}

// delete adds a Delete of the item at key.
func (t *txn) delete(key map[string]types.AttributeValue, c cond, onFail error) {
	t.add(types.TransactWriteItem{Delete: &types.Delete{
		TableName: t.table, Key: key,
		ConditionExpression: c.expression(), ExpressionAttributeNames: c.names, ExpressionAttributeValues: c.values,
	}}, onFail)
}

// check adds a ConditionCheck of the item at key.
func (t *txn) check(key map[string]types.AttributeValue, c cond, onFail error) {
	t.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: t.table, Key: key,
		ConditionExpression: c.expression(), ExpressionAttributeNames: c.names, ExpressionAttributeValues: c.values,
	}}, onFail)
}

// update adds u, whose table the caller has set (the same update may also
// go out as an UpdateItem).
func (t *txn) update(u *types.Update, onFail error) {
	t.add(types.TransactWriteItem{Update: u}, onFail)
}

// failed is the error of a transaction that DynamoDB cancelled for
// reasons: that of the first item whose condition failed, except that
// tilgang.ErrRowApplied wins, since an import row recorded before means the
// row is applied, whatever else failed with it. nil if no condition failed.
func (t *txn) failed(reasons []types.CancellationReason) error {
	var first error
	for i, r := range reasons {
		if aws.ToString(r.Code) != reasonConditionFailed || i >= len(t.onFail) {
			continue
		}
		e := t.onFail[i]
		if e == nil {
			e = tilgang.ErrStale
		}
		if errors.Is(e, tilgang.ErrRowApplied) {
			return e
		}
		if first == nil {
			first = e
		}
	}
	return first
}

// Cancellation reason codes of TransactWriteItems and TransactGetItems.
const (
	reasonConditionFailed = "ConditionalCheckFailed"
	reasonConflict        = "TransactionConflict"
)

// transact writes t in one TransactWriteItems. When a condition failed it
// returns that item's error as it is (see failed); other errors are wrapped
// with op.
func (s *Store) transact(ctx context.Context, op string, t *txn) error {
	if t.err != nil {
		return t.err
	}
	t.flushCounts()
	reasons, err := s.send(ctx, t.items)
	if err == nil {
		return nil
	}
	if e := t.failed(reasons); e != nil {
		return e
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// transactEach writes the items of t in one transaction. When DynamoDB
// cancels it because conditions failed, it writes the other items again in
// a new one, until they are written; it returns the cancellation reason of
// each item it left out, and nil for the written ones. Each round leaves
// out at least one item, so there are at most as many rounds as items, and
// mostly two. The items' errors are not used.
func (s *Store) transactEach(ctx context.Context, t *txn) ([]*types.CancellationReason, error) {
	if t.err != nil {
		return nil, t.err
	}
	t.flushCounts()
	if len(t.items) > MaxOutboxBatch {
		return nil, fmt.Errorf("%d items in one transaction, at most %d", len(t.items), MaxOutboxBatch)
	}
	failed := make([]*types.CancellationReason, len(t.items))
	left := make([]int, len(t.items)) // indexes of the items still to write
	for i := range left {
		left[i] = i
	}
	for len(left) > 0 {
		items := make([]types.TransactWriteItem, len(left))
		for j, i := range left {
			items[j] = t.items[i]
		}
		reasons, err := s.send(ctx, items)
		if err == nil || len(reasons) != len(left) {
			return failed, err
		}
		rest := left[:0:0]
		for j := range reasons {
			if aws.ToString(reasons[j].Code) == reasonConditionFailed {
				failed[left[j]] = &reasons[j]
			} else {
				rest = append(rest, left[j])
			}
		}
		if len(rest) == len(left) { // no condition failed: conflicts beyond the retries, or worse
			return failed, err
		}
		left = rest
	}
	return failed, nil
}

// transactRetries bounds the retries of a transaction that lost a race
// (TransactionConflict). Retrying lets the loser see the winner's guard
// items and fail with a clear uniqueness error instead of a 5xx.
const transactRetries = 8

// send makes one TransactWriteItems of items and returns its cancellation
// reasons, if DynamoDB cancelled it, with the error. A transaction that was
// cancelled only for conflicts with others in flight is sent again (see
// retryConflicts).
func (s *Store) send(ctx context.Context, items []types.TransactWriteItem) ([]types.CancellationReason, error) {
	err := retryConflicts(ctx, func() error {
		// A new input for each attempt: the SDK sets the idempotency token
		// of the input it is given, and reusing it could replay the
		// cancelled attempt's outcome.
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		return err
	})
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) {
		return canceled.CancellationReasons, err
	}
	return nil, err
}

// retryConflicts runs a transaction, call, again while DynamoDB cancels it
// for a conflict with another transaction on the same items
// (TransactionConflict) and for no failed condition, at most
// transactRetries times, with exponential backoff and jitter: unlike a
// failed condition, a conflict says nothing about the data, and the other
// transaction is done a moment later.
func retryConflicts(ctx context.Context, call func() error) error {
	for attempt := 0; ; attempt++ {
		err := call()
		if attempt == transactRetries || !onlyConflicts(err) {
			return err
		}
		if err := backoff(ctx, attempt); err != nil {
			return err
		}
	}
}

// onlyConflicts reports whether err is a cancelled transaction with a
// conflict among its reasons and no failed condition.
func onlyConflicts(err error) bool {
	var canceled *types.TransactionCanceledException
	if !errors.As(err, &canceled) {
		return false
	}
	conflict := false
	for _, r := range canceled.CancellationReasons {
		switch aws.ToString(r.Code) {
		case reasonConditionFailed:
			return false
		case reasonConflict:
			conflict = true
		}
	}
	return conflict
}
