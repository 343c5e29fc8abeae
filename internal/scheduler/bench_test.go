package scheduler_test

// BenchmarkIdleSweep measures what every tick costs when nothing is due,
// against the raw SDK calls such a sweep needs at least: read the sweep
// mark, query today's schedule partitions (its shards and the legacy
// one, at once), write the mark. It shows that an
// idle sweep does not grow with the table: no Scan, no reads of users.

import (
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/scheduler"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

func BenchmarkIdleSweep(b *testing.B) {
	db, table := testenv.Table(b)
	st := store.New(db, table)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, tilgang.Copenhagen())
	sched := scheduler.New(st, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	ours := func(b *testing.B) {
		if _, err := sched.Sweep(ctx, now); err != nil {
			b.Fatal(err)
		}
	}
	raw := func(b *testing.B) {
		key := map[string]types.AttributeValue{"PK": s("SCHEDULE"), "SK": s("SWEPT")}
		if _, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)}); err != nil {
			b.Fatal(err)
		}
		// The day's 16 shards and its legacy partition, at once.
		var wg sync.WaitGroup
		errs := make(chan error, 17)
		for shard := -1; shard < 16; shard++ {
			pk := "SCHED#" + tilgang.Today(now)
			if shard >= 0 {
				pk += "#" + strconv.Itoa(shard)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := db.Query(ctx, &dynamodb.QueryInput{
					TableName: aws.String(table), KeyConditionExpression: aws.String("PK = :pk"), ConsistentRead: aws.Bool(true),
					ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(pk)},
				})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
		item := map[string]types.AttributeValue{"PK": s("SCHEDULE"), "SK": s("SWEPT"), "type": s("sweep"), "day": s(tilgang.Today(now))}
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
			b.Fatal(err)
		}
	}
	ours(b) // the first sweep reads its look-back once
	for range 50 {
		ours(b)
		raw(b)
	}
	b.Run("ours", func(b *testing.B) {
		for b.Loop() {
			ours(b)
		}
	})
	b.Run("raw", func(b *testing.B) {
		for b.Loop() {
			raw(b)
		}
	})
}
