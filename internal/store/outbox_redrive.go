package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The undelivered index (SPEC §13, "mail that cannot go silently").
//
// The mailer is fed by the table's stream, which gives up on a record after
// its retries (the on-failure queue holds only shard pointers, not the
// mail) and after six hours. So that no mail is lost when SES is paused for
// longer, every outbox item is written with GSI2 keys that put it in a
// sparse index of mail not sent yet: partition undeliveredPK, sorted by
// creation time. Marking it sent or skipped removes the keys; marking it
// failed moves it to the failed partitions. Finding old pending items is
// then one Query per shard of the items that are actually stuck, never a
// scan, and costs nothing while every mail goes out.
//
// The index is spread over undeliveredShards partitions, by a hash of the
// item id, so that a burst of mail (a bulk activation) does not write one
// GSI partition only. Each mail writes its shard three times (written,
// claimed: with projection ALL any update rewrites the index entry, sent:
// removed), so at the target workload's 08:00 imports 8 shards ran at
// about 80 % of a partition's write limit in the capacity simulator; 32
// keep each under 25 %. Shards 0–7, where items were written before,
// are among the 32, so nothing moves.
const undeliveredShards = 32

func undeliveredShard(id string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return int(h.Sum32() % undeliveredShards)
}

func undeliveredPartition(shard int, failed bool) string {
	if failed {
		return "MAILFAILED#" + strconv.Itoa(shard)
	}
	return "MAILQ#" + strconv.Itoa(shard)
}

// undeliveredPK is the index partition of item id: pending (and sending),
// or failed.
func undeliveredPK(id string, failed bool) string {
	return undeliveredPartition(undeliveredShard(id), failed)
}

// undeliveredSK orders an item by when it was written; the id keeps two of
// the same instant apart.
func undeliveredSK(created time.Time, id string) string { return sortableTime(created) + "#" + id }

// Redriven is the reason of an item that RedriveOutbox replaced by a new
// one; the new item's id follows it, after a colon.
const Redriven = "redriven"

// UndeliveredOutboxes returns up to limit outbox items written before
// before that are not sent: pending ones (also those claimed, whose claim
// may have expired), or, with failed, those marked failed. Oldest first
// within each shard; limit ≤ 0 means no limit. The index is eventually
// consistent: an item just marked may still be listed, so every caller acts
// only on a condition (RedriveOutbox).
func (s *Store) UndeliveredOutboxes(ctx context.Context, before time.Time, failed bool, limit int) ([]*Outbox, error) {
	var out []*Outbox
	for shard := range undeliveredShards {
		in := &dynamodb.QueryInput{
			TableName:                 aws.String(s.table),
			IndexName:                 aws.String(indexGSI2),
			KeyConditionExpression:    aws.String("#pk = :pk AND #sk < :before"),
			ExpressionAttributeNames:  map[string]string{"#pk": attrGSI2PK, "#sk": attrGSI2SK},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(undeliveredPartition(shard, failed)), ":before": str(sortableTime(before))},
		}
		p := dynamodb.NewQueryPaginator(s.db, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return out, fmt.Errorf("store: list undelivered mail: %w", err)
			}
			for _, av := range page.Items {
				o, err := outboxKind.decode(av)
				if err != nil {
					return out, err
				}
				out = append(out, o)
				if limit > 0 && len(out) >= limit {
					return out, nil
				}
			}
		}
	}
	return out, nil
}

// RedriveOutbox replaces the outbox item o, which is pending (or claimed
// with a claim that expired before now), or failed when failed is set, by
// a new item newID of the same mail, in one transaction: the old item
// becomes skipped with reason "redriven:<newID>" and leaves the index, and
// the new item's insert reaches the mailer through the stream like any new
// mail. The mailer's claim on each item makes this exactly once: a late
// delivery of the old item's record finds it done, and a delivery that
// holds the old item keeps it from being replaced (ErrOutboxTaken). The new
// item keeps the mail's first creation time (Outbox.Origin) and counts the
// re-drives.
func (s *Store) RedriveOutbox(ctx context.Context, o *Outbox, newID string, failed bool, now time.Time) error {
	cond := "attribute_exists(PK) AND (attribute_not_exists(#st) OR #st = :pending OR (#st = :sending AND #cu < :now))"
	values := map[string]types.AttributeValue{
		":pending": str(string(OutboxPending)), ":sending": str(string(OutboxSending)),
		":now": number(now.UnixMilli()), ":skipped": str(string(OutboxSkipped)),
		":at": str(now.UTC().Format(time.RFC3339Nano)), ":why": str(Redriven + ":" + newID),
	}
	if failed {
		cond = "attribute_exists(PK) AND #st = :failed"
		values = map[string]types.AttributeValue{
			":failed": str(string(OutboxFailed)), ":skipped": values[":skipped"], ":at": values[":at"], ":why": values[":why"],
		}
	}
	names := pick(outboxNames, "#st", "#cl", "#cu", "#done", "#why", "#ipk", "#isk")
	if failed {
		delete(names, "#cu")
		delete(names, "#cl")
	}
	update := "SET #st = :skipped, #done = :at, #why = :why REMOVE #ipk, #isk"
	if !failed {
		update += ", #cl, #cu"
	}
	next := newOutboxItem(o.Mail, now)
	next.ID, next.PK = newID, outboxPK(newID)
	next.GSI2PK, next.GSI2SK = undeliveredPK(newID, false), undeliveredSK(now, newID)
	next.Origin, next.Redrives = o.Origin, o.Redrives+1
	if next.Origin.IsZero() {
		next.Origin = o.CreatedAt
	}
	t := s.txn()
	t.update(&types.Update{
		TableName: aws.String(s.table), Key: itemKey(outboxPK(o.Mail.ID), skOutbox),
		ConditionExpression: aws.String(cond), UpdateExpression: aws.String(update),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}, ErrOutboxTaken)
	t.put(next, absent, fmt.Errorf("store: re-drive of outbox item %s: item %s exists", o.Mail.ID, newID))
	err := s.transact(ctx, "re-drive outbox item "+o.Mail.ID, t)
	if errors.Is(err, ErrOutboxTaken) {
		return ErrOutboxTaken
	}
	return err
}
