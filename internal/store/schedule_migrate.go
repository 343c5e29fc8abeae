package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// The schedule migration: entries written before the schedule was sharded
// are in SCHED#<day>; MigrateSchedule moves an organisation's to their
// shards, SCHED#<day>#<shard>. Until it has, nothing is lost: DueOn reads
// the legacy partition of every day too, and the scheduler deletes a
// legacy entry where it read it (Due.Legacy). A user write made before
// the move that no longer needs an entry leaves the legacy one behind;
// it is stale, and the scheduler drops it (it decides by the user).

// ScheduleReport is what MigrateSchedule did in one organisation.
type ScheduleReport struct {
	Users   int // users read
	Moved   int // entries moved from the legacy partition to their shard
	Entries int // entries the users' states need, moved or not
	// Retries counts moves that met a change of the user and read it
	// again.
	Retries int
}

// errScheduleMoved fails a move whose legacy entry is gone: the scheduler
// did its work, or another run moved it.
var errScheduleMoved = errors.New("store: legacy schedule entry gone")

// MigrateSchedule moves the schedule entries of an organisation's users
// from the legacy partitions to their shards. It reads the users (GSI1,
// as RecountUsers does, never a scan), computes the entries each user's
// state needs, and moves each that is still in the legacy partition with
// one transaction: the user's version checked, the shard's entry put,
// the legacy entry deleted on the condition that it exists. So a user
// who changed meanwhile is read again (its new state decides), an entry
// the scheduler took meanwhile is not written back, and no entry is ever
// in both places. Entries due today or tomorrow (as the store's clock
// says in Europe/Copenhagen) stay where they are: the sweep reads them
// there, and moving one under a sweep that read it would make the sweep
// think its work done. A second run is a no-op.
//
// The operator command `tilgang migrate schedule` calls it once per
// organisation after the release with the sharded schedule is deployed.
func (s *Store) MigrateSchedule(ctx context.Context, orgID string) (ScheduleReport, error) {
	var rep ScheduleReport
	keep := NextDay(tilgang.Today(s.now()))
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrGSI1PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(orgUsersPK(orgID))},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return rep, fmt.Errorf("store: migrate schedule: %w", err)
		}
		for _, av := range page.Items {
			u, err := userKind.decode(av)
			if err != nil {
				continue // an unreadable user has no schedule the migration can know; DueOn still reads its legacy entries
			}
			rep.Users++
			if err := s.migrateUserSchedule(ctx, u, keep, &rep); err != nil {
				return rep, err
			}
		}
	}
	return rep, nil
}

// migrateUserSchedule moves u's entries due after keep, reading u again
// whenever it changed under a move.
func (s *Store) migrateUserSchedule(ctx context.Context, u *tilgang.User, keep string, rep *ScheduleReport) error {
	for attempt := 0; ; attempt++ {
		moved, err := s.moveUserSchedule(ctx, u, keep)
		rep.Moved += moved
		if !errors.Is(err, tilgang.ErrStale) {
			if err == nil {
				rep.Entries += len(dueWork(u))
			}
			return err
		}
		if attempt == 8 {
			return fmt.Errorf("store: migrate schedule of user %s: %w", u.ID, err)
		}
		rep.Retries++
		if u, err = s.User(ctx, u.OrgID, u.ID); errors.Is(err, tilgang.ErrUserNotFound) {
			return nil // deleted: its deletion removed the shard entries, and legacy ones are stale
		} else if err != nil {
			return err
		}
	}
}

// moveUserSchedule moves u's legacy entries due after keep, one
// transaction each, and returns how many it moved. tilgang.ErrStale says
// that u changed.
func (s *Store) moveUserSchedule(ctx context.Context, u *tilgang.User, keep string) (int, error) {
	moved := 0
	for _, d := range dueWork(u) {
		if d.Day <= keep {
			continue
		}
		legacy := d
		legacy.Legacy = true
		there, err := dueKind.get(ctx, s, dueKey(legacy))
		if err != nil {
			return moved, err
		}
		if !there {
			continue
		}
		t := s.txn()
		t.check(itemKey(userPK(u.OrgID, u.ID), skUser), atVersion(u.Version), tilgang.ErrStale)
		t.put(scheduleItem{
			PK: SchedulePK(d.Day, d.OrgID, d.UserID), SK: scheduleSK(d), Type: typeSchedule, OrgID: d.OrgID, UserID: d.UserID, Work: d.Work,
		}, cond{}, nil)
		t.delete(dueKey(legacy), present, errScheduleMoved)
		switch err := s.transact(ctx, "migrate schedule", t); {
		case errors.Is(err, errScheduleMoved):
			// taken by another run, or the user's entry is done
		case err != nil:
			return moved, err
		default:
			moved++
		}
	}
	return moved, nil
}
