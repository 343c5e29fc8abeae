// Package store keeps tilgang's data in one DynamoDB table.
//
// See README.md beside this file for the key design and every access pattern
// with the key or index that serves it. No access pattern is a Scan.
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
)

// Store reads and writes tilgang's table. Its methods are safe for
// concurrent use. Build it with New.
type Store struct {
	db    dynamo // the client's operations (dynamo.go)
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
	s := &Store{db: newDynamo(db), table: table, now: time.Now}
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

// consistency is how itemKind.get reads an item.
type consistency bool

const (
	// eventually reads at half the cost, and may miss a write of the last
	// second: for items that change rarely and by hand (organisations,
	// tokens).
	eventually consistency = false
	// strongly reads every write that succeeded before the read.
	strongly consistency = true
)

// An itemKind says how one kind of item is read: decoded into its item
// type T and handed out as R (the domain type, mostly) by as. Each kind is
// declared once, beside its item type.
type itemKind[T, R any] struct {
	name     string      // in errors: "user"
	read     consistency // of get
	notFound error       // get's error for a missing item; nil: the zero R and no error
	as       func(*T) R
}

// get reads the item at key with one GetItem.
func (k itemKind[T, R]) get(ctx context.Context, s *Store, key map[string]types.AttributeValue) (R, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            key,
		ConsistentRead: aws.Bool(bool(k.read)),
	})
	if err != nil {
		var zero R
		return zero, fmt.Errorf("store: get %s: %w", k.name, err)
	}
	if out.Item == nil {
		var zero R
		return zero, k.notFound
	}
	return k.decode(out.Item)
}

// decode unmarshals an item, however it was read.
func (k itemKind[T, R]) decode(av map[string]types.AttributeValue) (R, error) {
	var it T
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		var zero R
		return zero, fmt.Errorf("store: unmarshal %s: %w", k.name, err)
	}
	return k.as(&it), nil
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}
