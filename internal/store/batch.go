package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Batches read and write many independent items at the cost of the items
// alone: no transaction (which costs twice and holds 100 items at most),
// no conditions. Group memberships use them, and are designed so that they
// need neither (README.md, "Group memberships").

// DynamoDB's limits on one BatchGetItem and one BatchWriteItem.
const (
	maxBatchGet   = 100
	maxBatchWrite = 25
)

// batchWorkers bounds the batch calls one store call has in flight at once.
// The batches of a call touch distinct items, so running them side by side
// changes only the time: a 1,000-member add writes 40 batches, and one
// after the other their round trips would add up.
const batchWorkers = 8

// batchRetries bounds the attempts at keys or writes that DynamoDB left
// unprocessed (throttled, or beyond a response's size limit), with
// backoff between them; the last waits about 5 s.
const batchRetries = 10

// itemID is an item's table key as a comparable value.
type itemID struct{ pk, sk string }

func idOf(item map[string]types.AttributeValue) itemID {
	pk, _ := item[attrPK].(*types.AttributeValueMemberS)
	sk, _ := item[attrSK].(*types.AttributeValueMemberS)
	if pk == nil || sk == nil {
		return itemID{}
	}
	return itemID{pk.Value, sk.Value}
}

// found holds the items a batchGet found, by key.
type found map[itemID]map[string]types.AttributeValue

func (f found) has(key map[string]types.AttributeValue) bool {
	_, ok := f[idOf(key)]
	return ok
}

// batchGet reads the items at keys, which must be distinct, strongly
// consistent, in BatchGetItem calls of up to 100 keys, several at once. It
// returns the items it found, each with its key and attrs only: a read that
// only asks whether items exist sends back no more than their keys.
func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue, attrs ...string) (found, error) {
	names := map[string]string{"#pk": attrPK, "#sk": attrSK}
	proj := []string{"#pk", "#sk"}
	for i, a := range attrs {
		n := fmt.Sprintf("#a%d", i)
		names[n] = a
		proj = append(proj, n)
	}
	projection := aws.String(strings.Join(proj, ", "))
	var mu sync.Mutex
	items := make(found, len(keys))
	err := inParallel(ctx, chunks(len(keys), maxBatchGet), func(ctx context.Context, i int) error {
		req := types.KeysAndAttributes{
			Keys:           keys[i*maxBatchGet : min(len(keys), (i+1)*maxBatchGet)],
			ConsistentRead: aws.Bool(true), ProjectionExpression: projection, ExpressionAttributeNames: names,
		}
		for attempt := 0; ; attempt++ {
			out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{s.table: req}})
			if err != nil {
				return fmt.Errorf("store: batch get: %w", err)
			}
			mu.Lock()
			for _, it := range out.Responses[s.table] {
				items[idOf(it)] = it
			}
			mu.Unlock()
			left := out.UnprocessedKeys[s.table]
			if len(left.Keys) == 0 {
				return nil
			}
			if attempt == batchRetries {
				return fmt.Errorf("store: batch get: %d keys unprocessed after %d attempts", len(left.Keys), attempt+1)
			}
			if err := backoff(ctx, attempt); err != nil {
				return err
			}
			req = left
		}
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

// batchWrite makes the puts and deletes of reqs, which must touch distinct
// items, in BatchWriteItem calls of up to 25, several at once. When it
// fails, some of them may have been made.
func (s *Store) batchWrite(ctx context.Context, reqs []types.WriteRequest) error {
	return inParallel(ctx, chunks(len(reqs), maxBatchWrite), func(ctx context.Context, i int) error {
		left := reqs[i*maxBatchWrite : min(len(reqs), (i+1)*maxBatchWrite)]
		for attempt := 0; ; attempt++ {
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{s.table: left}})
			if err != nil {
				return fmt.Errorf("store: batch write: %w", err)
			}
			left = out.UnprocessedItems[s.table]
			if len(left) == 0 {
				return nil
			}
			if attempt == batchRetries {
				return fmt.Errorf("store: batch write: %d writes unprocessed after %d attempts", len(left), attempt+1)
			}
			if err := backoff(ctx, attempt); err != nil {
				return err
			}
		}
	})
}

func putRequest(item map[string]types.AttributeValue) types.WriteRequest {
	return types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}
}

func deleteRequest(key map[string]types.AttributeValue) types.WriteRequest {
	return types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key}}
}

// chunks is the number of chunks of at most size that n things make.
func chunks(n, size int) int { return (n + size - 1) / size }

// inParallel runs do for 0 … n-1 on at most batchWorkers goroutines and
// returns the first error. After an error, or when ctx ends, it starts no
// more; the ctx it hands to do is cancelled then, so calls in flight stop
// early too.
func inParallel(ctx context.Context, n int, do func(ctx context.Context, i int) error) error {
	if n == 1 {
		return do(ctx, 0)
	}
	inner, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		slots = make(chan struct{}, batchWorkers)
	)
	for i := range n {
		select {
		case slots <- struct{}{}:
		case <-inner.Done():
		}
		if inner.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := do(inner, i); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// backoff waits before retry number attempt+1: exponentially longer each
// time, from 5 ms, with jitter so that retries that met do not meet again.
func backoff(ctx context.Context, attempt int) error {
	t := time.NewTimer(time.Duration(5<<attempt)*time.Millisecond + time.Duration(rand.IntN(10))*time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
