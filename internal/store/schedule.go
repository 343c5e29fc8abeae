package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// The schedule is a sparse index of work that falls due on a date: a
// deactivation window that starts or ends, an activation link that
// expires. Every user write puts the entries its new state needs and
// deletes those its old state needed, in the same transaction, so the
// scheduler finds due work with one Query per day and never reads users it
// has nothing to do for. An entry is only a hint: the scheduler reads the
// user and decides by its state, so an entry that a later change made
// stale does nothing.

// Kinds of scheduled work.
const (
	WorkStart  = "start"  // a deactivation window starts (on its From)
	WorkEnd    = "end"    // a window has ended (on the day after its To)
	WorkExpire = "expire" // an activation link expires (on its ExpiresAt date)
)

// Due is one entry of the schedule.
type Due struct {
	Day    string // YYYY-MM-DD in Europe/Copenhagen
	OrgID  string
	UserID string
	Work   string // WorkStart, WorkEnd or WorkExpire
	// Legacy says that DueOn read the entry from the day's unsharded
	// partition, where entries were written before the schedule was
	// sharded (MigrateSchedule moves them); its key is there.
	Legacy bool
}

// ErrDueDone means a scheduled entry is gone: another run did its work.
var ErrDueDone = errors.New("store: the scheduled work is done")

const (
	typeSchedule = "schedule"
	typeSweep    = "sweep"
	// sweepPK/skSweep hold the day up to which the scheduler has swept.
	sweepPK = "SCHEDULE"
	skSweep = "SWEPT"
)

// A day's entries are spread over scheduleShards partitions by a hash of
// the organisation and user: every user transaction that sets a link or a
// window writes an entry of its day, so at 08:00 on a Monday every
// organisation's imports would meet on one partition key (the capacity
// simulator measured about 4,400 write units a second at the target
// workload, over four times what a partition serves; sharded, about 280
// each). The scheduler reads a day with one Query per shard.
const scheduleShards = 16

// ScheduleShard is the shard of a day's schedule that holds the entries of
// a user.
func ScheduleShard(orgID, userID string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(orgID))
	_, _ = h.Write([]byte{'#'})
	_, _ = h.Write([]byte(userID))
	return int(h.Sum32() % scheduleShards)
}

// SchedulePK is the partition key of a user's schedule entries on day:
// SCHED#<day>#<shard>.
func SchedulePK(day, orgID, userID string) string {
	return scheduleShardPK(day, ScheduleShard(orgID, userID))
}

func scheduleShardPK(day string, shard int) string { return "SCHED#" + day + "#" + strconv.Itoa(shard) }

// legacySchedulePK is the partition of a day's entries written before the
// schedule was sharded.
func legacySchedulePK(day string) string { return "SCHED#" + day }

func scheduleSK(d Due) string { return d.OrgID + "#" + d.UserID + "#" + d.Work }

type scheduleItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Type   string `dynamodbav:"type"`
	OrgID  string `dynamodbav:"orgId"`
	UserID string `dynamodbav:"userId"`
	Work   string `dynamodbav:"work"`
}

// dueKind reads whether an entry is there.
var dueKind = itemKind[scheduleItem, bool]{name: "scheduled work", read: strongly, as: func(*scheduleItem) bool { return true }}

// dueWork is the schedule that u's state needs.
func dueWork(u *tilgang.User) []Due {
	if u == nil {
		return nil
	}
	var out []Due
	add := func(day, work string) {
		out = append(out, Due{Day: day, OrgID: u.OrgID, UserID: u.ID, Work: work})
	}
	if w := u.Deactivation; w != nil {
		if u.Status != tilgang.StatusDeactivated {
			add(w.From, WorkStart)
		}
		if w.To != "" {
			add(NextDay(w.To), WorkEnd)
		}
	}
	if a := u.Activation; a != nil {
		add(tilgang.Today(a.ExpiresAt), WorkExpire)
	}
	return out
}

// NextDay returns the date after day (YYYY-MM-DD). Dates are counted as
// dates, not as 24 hours, so daylight saving time does not move them.
func NextDay(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day // validated before it is stored; never reached
	}
	return t.AddDate(0, 0, 1).Format(time.DateOnly)
}

// moveSchedule adds the writes that move the schedule from what old needs to
// what u needs (either may be nil), leaving out the entry skip, which the
// caller's transaction handles itself.
func (t *txn) moveSchedule(old, u *tilgang.User, skip *Due) {
	before, after := dueWork(old), dueWork(u)
	for _, d := range before {
		if !containsDue(after, d) && (skip == nil || !sameWork(d, *skip)) {
			t.delete(dueKey(d), cond{}, nil)
		}
	}
	for _, d := range after {
		if !containsDue(before, d) && (skip == nil || !sameWork(d, *skip)) {
			t.put(scheduleItem{
				PK: SchedulePK(d.Day, d.OrgID, d.UserID), SK: scheduleSK(d), Type: typeSchedule, OrgID: d.OrgID, UserID: d.UserID, Work: d.Work,
			}, cond{}, nil)
		}
	}
}

// dueKey is where entry d is: its shard, or the legacy partition it was
// read from.
func dueKey(d Due) map[string]types.AttributeValue {
	if d.Legacy {
		return itemKey(legacySchedulePK(d.Day), scheduleSK(d))
	}
	return itemKey(SchedulePK(d.Day, d.OrgID, d.UserID), scheduleSK(d))
}

// sameWork reports whether a and b are the same work, wherever they are
// stored.
func sameWork(a, b Due) bool {
	return a.Day == b.Day && a.OrgID == b.OrgID && a.UserID == b.UserID && a.Work == b.Work
}

func containsDue(ds []Due, d Due) bool {
	for _, e := range ds {
		if sameWork(e, d) {
			return true
		}
	}
	return false
}

// DueOn reads the schedule of one day: one Query (paged) per shard, and
// one of the day's legacy partition, which holds the entries written
// before the schedule was sharded until MigrateSchedule moves them (and
// stale ones, which the scheduler drops). The queries run at once, so a
// day costs the time of one.
func (s *Store) DueOn(ctx context.Context, day string) ([]Due, error) {
	parts := make([][]Due, scheduleShards+1)
	errs := make([]error, scheduleShards+1)
	var wg sync.WaitGroup
	for i := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == scheduleShards {
				parts[i], errs[i] = s.dueIn(ctx, day, legacySchedulePK(day), true)
			} else {
				parts[i], errs[i] = s.dueIn(ctx, day, scheduleShardPK(day, i), false)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []Due
	for _, p := range parts {
		out = append(out, p...)
	}
	return out, nil
}

// dueIn reads one partition of a day's schedule.
func (s *Store) dueIn(ctx context.Context, day, pk string, legacy bool) ([]Due, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		ConsistentRead:            aws.Bool(true),
	})
	var out []Due
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("store: schedule of %s: %w", day, err)
		}
		var items []scheduleItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, fmt.Errorf("store: unmarshal schedule: %w", err)
		}
		for _, it := range items {
			out = append(out, Due{Day: day, OrgID: it.OrgID, UserID: it.UserID, Work: it.Work, Legacy: legacy})
		}
	}
	return out, nil
}

// IsDue reports whether the entry d is still in the schedule.
func (s *Store) IsDue(ctx context.Context, d Due) (bool, error) {
	return dueKind.get(ctx, s, dueKey(d))
}

// DropDue removes an entry that turned out to have nothing to do.
func (s *Store) DropDue(ctx context.Context, d Due) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: dueKey(d)})
	if err != nil {
		return fmt.Errorf("store: drop scheduled work: %w", err)
	}
	return nil
}

// ApplyDue does the scheduled work d: it replaces old with u (if old is
// still the stored version) and removes d (if it is still there), with the
// change's history entry, in one transaction. Of two runs that do the same
// work at once, one succeeds and the other gets tilgang.ErrStale or
// ErrDueDone. Scheduled work changes status, windows and activations only,
// so the transaction has no guard or admin count to move.
func (s *Store) ApplyDue(ctx context.Context, old, u *tilgang.User, c tilgang.Change, d Due) error {
	now := s.now().UTC()
	u.Version, u.UpdatedAt, u.CreatedAt = old.Version+1, now, old.CreatedAt
	t := s.txn()
	t.replaceUser(old, u, 0, &d)
	t.delete(dueKey(d), present, ErrDueDone)
	t.change(u, c, now)
	if err := s.transact(ctx, "apply scheduled work", t); err != nil {
		u.Version = old.Version
		return err
	}
	return nil
}

// SweptThrough returns the last day the scheduler has swept, or "" if it
// never has.
func (s *Store) SweptThrough(ctx context.Context) (string, error) {
	return sweepKind.get(ctx, s, itemKey(sweepPK, skSweep))
}

// sweepItem is the sweep mark.
type sweepItem struct {
	Day string `dynamodbav:"day"`
}

// sweepKind reads the sweep mark's day, "" when there is none.
var sweepKind = itemKind[sweepItem, string]{name: "the sweep mark", read: strongly, as: func(it *sweepItem) string { return it.Day }}

// SetSweptThrough moves the sweep mark from read, the day SweptThrough
// returned to the sweep ("" for none), to day, and reports whether it did.
// The next sweep reads the schedule from the mark on, so a day with work
// left undone (an error, or a link that expires later in the day) must be
// the one a sweep passes.
//
// The mark moves only forward, and only if it still holds read: the sweep
// that moves it from read to day swept every day from read to day itself
// without an error. A sweep that another one overtook leaves the mark
// alone, so it can neither overwrite a lower mark that one wrote after an
// error nor move the mark back.
func (s *Store) SetSweptThrough(ctx context.Context, read, day string) (bool, error) {
	if read != "" && day <= read {
		return false, nil
	}
	in := &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			attrPK: str(sweepPK), attrSK: str(skSweep), attrType: str(typeSweep), "day": str(day),
		},
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}
	if read != "" {
		in.ConditionExpression = aws.String("#day = :read")
		in.ExpressionAttributeNames = map[string]string{"#day": "day"} // DAY is a reserved word
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":read": str(read)}
	}
	_, err := s.db.PutItem(ctx, in)
	if isConditionFailed(err) {
		return false, nil // another sweep moved it since read
	}
	if err != nil {
		return false, fmt.Errorf("store: write the sweep mark: %w", err)
	}
	return true, nil
}
