package localstack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// StreamOptions configure PollStream.
type StreamOptions struct {
	Table     string
	Filter    func(events.DynamoDBEventRecord) bool // nil = all records; e.g. InsertsOfType(store.OutboxType)
	BatchSize int                                   // default 10
	Interval  time.Duration                         // idle poll interval, default 200ms
	Log       *slog.Logger                          // may be nil
	// MaxRetries, if above 0, discards a batch's failed records after that
	// many retries, as a Lambda event source mapping's
	// MaximumRetryAttempts does (its on-failure destination keeps only
	// shard pointers): a test of what must survive a stream giving up sets
	// it. 0 retries for as long as ctx lives.
	MaxRetries int
}

const (
	maxGetRecords  = 1000            // the API's (and DynamoDB Local's) upper limit
	maxRetryDelay  = 5 * time.Second // backoff cap for a failing handler
	rediscoverTime = 1 * time.Second // how often to look for new shards while idle
	eventSource    = "aws:dynamodb"  // events.DynamoDBEventRecord.EventSource
)

// InsertsOfType is a StreamOptions.Filter that keeps INSERT records whose
// NewImage has the string attribute type == typ: the local twin of the
// mailer's FilterCriteria pattern in template.yaml.
func InsertsOfType(typ string) func(events.DynamoDBEventRecord) bool {
	return func(r events.DynamoDBEventRecord) bool {
		v, ok := r.Change.NewImage["type"]
		return r.EventName == string(events.DynamoDBOperationTypeInsert) && ok &&
			v.DataType() == events.DataTypeString && v.String() == typ
	}
}

// PollStream delivers the table's stream to handle until ctx ends, the way
// a Lambda event source mapping with ReportBatchItemFailures would: records
// are converted to events.DynamoDBEventRecord, filtered, and handed over in
// batches of up to BatchSize, in stream order per shard. If handle returns
// an error the whole batch is delivered again; if it reports
// BatchItemFailures, delivery resumes at the earliest failed record (an
// unknown or empty ItemIdentifier counts as the first record, as in Lambda).
// Failed records are retried with backoff for as long as ctx lives, or
// until MaxRetries.
//
// Every shard is read from TRIM_HORIZON, not LATEST: the poller usually
// starts after the table was created and written to (seed data, a test's
// first items), and LATEST would silently drop those records. Locally the
// stream only ever holds this run's writes, since DynamoDB Local runs
// in memory. A child shard is read only after its parent has been read to
// the end, so records for one item stay in order across shard rollovers.
//
// PollStream returns nil once ctx is done, or an error if the table has no
// stream or a stream call fails (after the SDK's own retries).
func PollStream(ctx context.Context, cfg aws.Config, opts StreamOptions,
	handle func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)) error {
	db := dynamodb.NewFromConfig(cfg)
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(opts.Table)})
	if err != nil {
		return stopped(ctx, fmt.Errorf("stream of %s: %w", opts.Table, err))
	}
	arn := aws.ToString(out.Table.LatestStreamArn)
	if arn == "" {
		return fmt.Errorf("stream of %s: the table has no stream", opts.Table)
	}
	// DynamoDB Local serves streams on its DynamoDB endpoint, but
	// Stack.AWSConfig (like AWS_ENDPOINT_URL_DYNAMODB) only names the latter.
	api := dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) {
		if o.BaseEndpoint == nil {
			o.BaseEndpoint = db.Options().BaseEndpoint
		}
	})
	return stopped(ctx, newPoller(api, arn, cfg.Region, opts, handle).run(ctx))
}

// stopped turns the error of a call cut short by ctx into a clean stop.
func stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// streamsAPI is the part of *dynamodbstreams.Client the poller uses.
type streamsAPI interface {
	DescribeStream(context.Context, *dynamodbstreams.DescribeStreamInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(context.Context, *dynamodbstreams.GetShardIteratorInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(context.Context, *dynamodbstreams.GetRecordsInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

type poller struct {
	api    streamsAPI
	arn    string
	region string
	opts   StreamOptions
	handle func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

	open []*shard        // being read, parents before children
	done map[string]bool // read to the end
}

// shard is one shard being read.
type shard struct {
	id   string
	iter *string // nil once the shard is closed and read to the end
	last string  // sequence number of the last record read, to renew iter
}

func newPoller(api streamsAPI, arn, region string, opts StreamOptions,
	handle func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)) *poller {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 10
	}
	if opts.Interval <= 0 {
		opts.Interval = 200 * time.Millisecond
	}
	if opts.Filter == nil {
		opts.Filter = func(events.DynamoDBEventRecord) bool { return true }
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return &poller{api: api, arn: arn, region: region, opts: opts, handle: handle, done: map[string]bool{}}
}

func (p *poller) run(ctx context.Context) error {
	var discovered time.Time
	rediscover := true
	for {
		if rediscover || len(p.open) == 0 || time.Since(discovered) >= rediscoverTime {
			if err := p.discover(ctx); err != nil {
				return err
			}
			discovered, rediscover = time.Now(), false
		}
		busy := false
		for _, s := range p.open {
			n, err := p.read(ctx, s)
			if err != nil {
				return err
			}
			if s.iter == nil { // closed and drained: its children may start
				p.done[s.id] = true
				rediscover = true
			}
			busy = busy || n > 0 || s.iter == nil
		}
		p.open = slices.DeleteFunc(p.open, func(s *shard) bool { return s.iter == nil })
		if !busy {
			if err := sleep(ctx, p.opts.Interval); err != nil {
				return err
			}
		}
	}
}

// discover lists the stream's shards and starts reading every shard that
// is new and whose parent, if still listed, has been read to the end.
func (p *poller) discover(ctx context.Context) error {
	var shards []types.Shard
	in := &dynamodbstreams.DescribeStreamInput{StreamArn: &p.arn}
	for {
		out, err := p.api.DescribeStream(ctx, in)
		if err != nil {
			return fmt.Errorf("describe stream %s: %w", p.arn, err)
		}
		shards = append(shards, out.StreamDescription.Shards...)
		if in.ExclusiveStartShardId = out.StreamDescription.LastEvaluatedShardId; in.ExclusiveStartShardId == nil {
			break
		}
	}
	listed := map[string]bool{}
	for _, s := range shards {
		listed[aws.ToString(s.ShardId)] = true
	}
	for id := range p.done {
		if !listed[id] { // trimmed: forget it
			delete(p.done, id)
		}
	}
	for _, s := range shards {
		id, parent := aws.ToString(s.ShardId), aws.ToString(s.ParentShardId)
		reading := slices.ContainsFunc(p.open, func(o *shard) bool { return o.id == id })
		if reading || p.done[id] || (listed[parent] && !p.done[parent]) {
			continue
		}
		iter, err := p.iterator(ctx, id, "")
		if err != nil {
			return err
		}
		p.opts.Log.DebugContext(ctx, "reading stream shard", slog.String("shard", id), slog.String("parent", parent))
		p.open = append(p.open, &shard{id: id, iter: iter})
	}
	return nil
}

// iterator returns an iterator at the start of the shard, or after the
// sequence number after if that is set.
func (p *poller) iterator(ctx context.Context, shardID, after string) (*string, error) {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: &p.arn, ShardId: &shardID,
		ShardIteratorType: types.ShardIteratorTypeTrimHorizon}
	if after != "" {
		in.ShardIteratorType, in.SequenceNumber = types.ShardIteratorTypeAfterSequenceNumber, &after
	}
	out, err := p.api.GetShardIterator(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("shard iterator for %s: %w", shardID, err)
	}
	return out.ShardIterator, nil
}

// read fetches the shard's next records and delivers those that pass the
// filter. It returns how many records it read.
func (p *poller) read(ctx context.Context, s *shard) (int, error) {
	out, err := p.api.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: s.iter, Limit: aws.Int32(maxGetRecords)})
	if expired := (*types.ExpiredIteratorException)(nil); errors.As(err, &expired) {
		// Iterators live 15 minutes; a handler can fail for longer.
		s.iter, err = p.iterator(ctx, s.id, s.last)
		return 0, err
	}
	if trimmed := (*types.TrimmedDataAccessException)(nil); errors.As(err, &trimmed) {
		// DynamoDB Local sometimes answers this for an iterator it handed
		// out moments before. Start again from the oldest record: the
		// handlers are idempotent, as Lambda's at-least-once delivery
		// requires anyway.
		p.opts.Log.WarnContext(ctx, "stream shard trimmed under its iterator; reading it again from the oldest record", slog.String("shard", s.id))
		s.iter, err = p.iterator(ctx, s.id, "")
		return 0, err
	}
	if err != nil {
		return 0, fmt.Errorf("get records from %s: %w", s.id, err)
	}
	var recs []events.DynamoDBEventRecord
	for _, r := range out.Records {
		rec, err := p.event(r)
		if err != nil {
			return 0, err
		}
		if p.opts.Filter(rec) {
			recs = append(recs, rec)
		}
	}
	if err := p.deliver(ctx, recs); err != nil {
		return 0, err
	}
	if n := len(out.Records); n > 0 {
		s.last = aws.ToString(out.Records[n-1].Dynamodb.SequenceNumber)
	}
	s.iter = out.NextShardIterator
	return len(out.Records), nil
}

// deliver hands recs to the handler in batches, starting again at the first
// failed record until every record has succeeded or ctx ends.
func (p *poller) deliver(ctx context.Context, recs []events.DynamoDBEventRecord) error {
	for attempt := 0; len(recs) > 0; {
		batch := recs[:min(len(recs), p.opts.BatchSize)]
		resp, err := p.handle(ctx, events.DynamoDBEvent{Records: slices.Clone(batch)})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		ok := len(batch)
		if err != nil {
			ok = 0
		} else if len(resp.BatchItemFailures) > 0 {
			ok = firstFailure(batch, resp.BatchItemFailures)
		}
		recs = recs[ok:]
		if ok == len(batch) {
			attempt = 0
			continue
		}
		attempt++
		if p.opts.MaxRetries > 0 && attempt > p.opts.MaxRetries {
			failed := len(batch) - ok
			p.opts.Log.WarnContext(ctx, "stream batch discarded after its retries", slog.Int("records", failed),
				slog.String("from_sequence", recs[0].Change.SequenceNumber), slog.Int("retries", p.opts.MaxRetries))
			recs, attempt = recs[failed:], 0
			continue
		}
		delay := min(p.opts.Interval<<min(attempt-1, 10), maxRetryDelay)
		why := slog.Int("failed_items", len(resp.BatchItemFailures))
		if err != nil {
			why = slog.Any("error", err)
		}
		p.opts.Log.WarnContext(ctx, "stream batch failed; retrying from the first failed record", why,
			slog.String("from_sequence", recs[0].Change.SequenceNumber),
			slog.Int("attempt", attempt), slog.Duration("retry_in", delay))
		if err := sleep(ctx, delay); err != nil {
			return err
		}
	}
	return nil
}

// firstFailure is the index of the earliest record named in failures.
// Lambda treats an ItemIdentifier that names no record in the batch
// (including an empty one) as a failure of the whole batch.
func firstFailure(batch []events.DynamoDBEventRecord, failures []events.DynamoDBBatchItemFailure) int {
	first := len(batch)
	for _, f := range failures {
		i := slices.IndexFunc(batch, func(r events.DynamoDBEventRecord) bool {
			return r.Change.SequenceNumber == f.ItemIdentifier
		})
		if i < 0 {
			return 0
		}
		first = min(first, i)
	}
	return first
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// event converts a stream record into the record Lambda would deliver.
// DynamoDB Local reports its region as "ddblocal"; the configured region is
// what a real event would carry.
func (p *poller) event(r types.Record) (events.DynamoDBEventRecord, error) {
	d := r.Dynamodb
	if d == nil {
		d = &types.StreamRecord{}
	}
	keys, err1 := attrMap(d.Keys)
	newImage, err2 := attrMap(d.NewImage)
	oldImage, err3 := attrMap(d.OldImage)
	if err := errors.Join(err1, err2, err3); err != nil {
		return events.DynamoDBEventRecord{}, fmt.Errorf("stream record %s: %w", aws.ToString(d.SequenceNumber), err)
	}
	rec := events.DynamoDBEventRecord{
		AWSRegion:      cmp.Or(p.region, aws.ToString(r.AwsRegion)),
		EventID:        aws.ToString(r.EventID),
		EventName:      string(r.EventName),
		EventSource:    eventSource,
		EventVersion:   aws.ToString(r.EventVersion),
		EventSourceArn: p.arn,
		Change: events.DynamoDBStreamRecord{
			ApproximateCreationDateTime: events.SecondsEpochTime{Time: aws.ToTime(d.ApproximateCreationDateTime)},
			Keys:                        keys,
			NewImage:                    newImage,
			OldImage:                    oldImage,
			SequenceNumber:              aws.ToString(d.SequenceNumber),
			SizeBytes:                   aws.ToInt64(d.SizeBytes),
			StreamViewType:              string(d.StreamViewType),
		},
	}
	if id := r.UserIdentity; id != nil { // TTL deletions
		rec.UserIdentity = &events.DynamoDBUserIdentity{Type: aws.ToString(id.Type), PrincipalID: aws.ToString(id.PrincipalId)}
	}
	return rec, nil
}

func attrMap(m map[string]types.AttributeValue) (map[string]events.DynamoDBAttributeValue, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		av, err := attr(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func attr(v types.AttributeValue) (events.DynamoDBAttributeValue, error) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value), nil
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value), nil
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value), nil
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value), nil
	case *types.AttributeValueMemberNULL:
		return events.NewNullAttribute(), nil
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value), nil
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value), nil
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value), nil
	case *types.AttributeValueMemberL:
		list := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			av, err := attr(e)
			if err != nil {
				return av, fmt.Errorf("[%d]: %w", i, err)
			}
			list[i] = av
		}
		return events.NewListAttribute(list), nil
	case *types.AttributeValueMemberM:
		m, err := attrMap(v.Value)
		return events.NewMapAttribute(m), err
	default:
		return events.DynamoDBAttributeValue{}, fmt.Errorf("unsupported attribute value %T", v)
	}
}
