// Package store keeps tilgang's data in one DynamoDB table.
//
// See README.md beside this file for the key design and every access pattern
// with the key or index that serves it. No access pattern is a Scan.
package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Store reads and writes tilgang's table. Its methods are safe for
// concurrent use. Build it with New.
type Store struct {
	db    *dynamodb.Client
	table string
	now   func() time.Time
}

// Option configures a Store.
type Option func(*Store)

// WithClock makes the store read time from now instead of time.Now, for
// tests that need fixed timestamps.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// New returns a store on the named table.
func New(db *dynamodb.Client, table string, opts ...Option) *Store {
	s := &Store{db: db, table: table, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// CreateTable creates the table from TableDefinition and waits until it is
// active. make dev and the tests use it; production tables come from
// template.yaml.
func (s *Store) CreateTable(ctx context.Context) error {
	if _, err := s.db.CreateTable(ctx, TableDefinition(s.table)); err != nil {
		return fmt.Errorf("store: create table %s: %w", s.table, err)
	}
	w := dynamodb.NewTableExistsWaiter(s.db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 50 * time.Millisecond
		o.MaxDelay = time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)}, time.Minute); err != nil {
		return fmt.Errorf("store: wait for table %s: %w", s.table, err)
	}
	return nil
}

// transactRetries bounds the retries of a transaction that lost a race
// (TransactionConflict). Retrying lets the loser see the winner's guard
// items and fail with a clear uniqueness error instead of a 5xx.
const transactRetries = 8

// write runs a transaction. On a failed condition it returns the typed error
// that onCondition gives for the failed item's index.
func (s *Store) write(ctx context.Context, items []types.TransactWriteItem, onCondition func(i int) error) error {
	in := &dynamodb.TransactWriteItemsInput{TransactItems: items}
	for attempt := 0; ; attempt++ {
		_, err := s.db.TransactWriteItems(ctx, in)
		if err == nil {
			return nil
		}
		var canceled *types.TransactionCanceledException
		if !errors.As(err, &canceled) {
			return err
		}
		if rowApplied(items, canceled.CancellationReasons) {
			return tilgang.ErrRowApplied
		}
		conflict := false
		for i, r := range canceled.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "ConditionalCheckFailed":
				return onCondition(i)
			case "TransactionConflict":
				conflict = true
			}
		}
		if !conflict || attempt == transactRetries {
			return err
		}
		// A new attempt is a new request: the SDK set the idempotency token
		// of the canceled one, and reusing it could replay that outcome.
		in.ClientRequestToken = nil
		backoff := time.Duration(5<<attempt)*time.Millisecond + time.Duration(rand.IntN(10))*time.Millisecond
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}
