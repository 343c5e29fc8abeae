package localstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/tilgang/tilgang/internal/store"
)

// batchLog is a stream handler that records every batch it is given and
// fails on command: failOnce maps a PK to the way its first delivery fails.
type batchLog struct {
	mu       sync.Mutex
	batches  []delivered
	failOnce map[string]string // PK → "item" (BatchItemFailure), "error" or "bogus" (unknown ItemIdentifier)
}

// delivered is one handler call: the PKs in order, how many of them the
// handler acknowledged, and the records themselves.
type delivered struct {
	pks  []string
	ok   int
	recs []events.DynamoDBEventRecord
}

func (l *batchLog) handle(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := delivered{ok: len(ev.Records), recs: ev.Records}
	var resp events.DynamoDBEventResponse
	var err error
	for i, r := range ev.Records {
		pk := r.Change.Keys["PK"].String()
		d.pks = append(d.pks, pk)
		if d.ok < len(ev.Records) {
			continue // already failing from an earlier record
		}
		switch l.failOnce[pk] {
		case "item":
			d.ok = i
			resp.BatchItemFailures = []events.DynamoDBBatchItemFailure{{ItemIdentifier: r.Change.SequenceNumber}}
		case "error":
			d.ok, err = 0, errors.New("handler failed")
		case "bogus":
			d.ok = 0
			resp.BatchItemFailures = []events.DynamoDBBatchItemFailure{{ItemIdentifier: "no-such-record"}}
		}
		delete(l.failOnce, pk)
	}
	l.batches = append(l.batches, d)
	return resp, err
}

// acked lists the acknowledged PKs in order, and the unacknowledged tail
// of the last batch.
func (l *batchLog) acked() (acked, pending []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, b := range l.batches {
		acked = append(acked, b.pks[:b.ok]...)
		pending = b.pks[b.ok:]
	}
	return acked, pending
}

func (l *batchLog) waitAcked(t *testing.T, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if acked, _ := l.acked(); len(acked) >= n {
			return
		}
	}
	acked, _ := l.acked()
	t.Fatalf("timed out waiting for %d acknowledged records; have %v", n, acked)
}

func (l *batchLog) pks() [][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out [][]string
	for _, b := range l.batches {
		out = append(out, b.pks)
	}
	return out
}

// checkRedelivery asserts that every batch that was not fully acknowledged
// is followed by a batch that starts with its unacknowledged records, and
// that every PK in want was acknowledged exactly once, in order.
func (l *batchLog) checkRedelivery(t *testing.T, want []string) {
	t.Helper()
	l.mu.Lock()
	var pending []string
	for i, b := range l.batches {
		if len(b.pks) < len(pending) || !slices.Equal(b.pks[:len(pending)], pending) {
			t.Errorf("batch %d = %v, want it to start with the failed records %v", i, b.pks, pending)
		}
		pending = b.pks[b.ok:]
	}
	l.mu.Unlock()
	acked, pending := l.acked()
	if len(pending) > 0 {
		t.Errorf("records %v failed and were never delivered again", pending)
	}
	if !slices.Equal(acked, want) {
		t.Errorf("acknowledged %v, want %v", acked, want)
	}
}

func TestPollStream(t *testing.T) {
	requireTools(t)
	s, err := startStack(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	cfg, err := s.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db := dynamodb.NewFromConfig(cfg)
	const table = "tilgang-streams"
	if _, err := db.CreateTable(ctx, store.TableDefinition(table)); err != nil {
		t.Fatal(err)
	}
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	str := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	key := func(pk string) map[string]ddbtypes.AttributeValue {
		return map[string]ddbtypes.AttributeValue{"PK": str(pk), "SK": str("item")}
	}
	put := func(pk, typ string, extra map[string]ddbtypes.AttributeValue) {
		t.Helper()
		item := key(pk)
		item["type"] = str(typ)
		for k, v := range extra {
			item[k] = v
		}
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	outbox := store.OutboxType
	begin := time.Now()

	// Written before polling starts: TRIM_HORIZON must still deliver them.
	put("o1", outbox, map[string]ddbtypes.AttributeValue{
		"s":    str("tekst ø"),
		"n":    &ddbtypes.AttributeValueMemberN{Value: "42.5"},
		"b":    &ddbtypes.AttributeValueMemberB{Value: []byte{0, 1, 2, 255}},
		"t":    &ddbtypes.AttributeValueMemberBOOL{Value: true},
		"null": &ddbtypes.AttributeValueMemberNULL{Value: true},
		"l": &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{
			str("a"), &ddbtypes.AttributeValueMemberN{Value: "1"},
			&ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{"f": &ddbtypes.AttributeValueMemberBOOL{Value: false}}},
		}},
		"m": &ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{
			"k":     str("v"),
			"inner": &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{&ddbtypes.AttributeValueMemberB{Value: []byte{9}}}},
		}},
		"ss": &ddbtypes.AttributeValueMemberSS{Value: []string{"x", "y"}},
		"ns": &ddbtypes.AttributeValueMemberNS{Value: []string{"1", "2.5"}},
		"bs": &ddbtypes.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}}},
	})
	put("u1", "user", nil)
	put("o2", outbox, nil)
	put("o3", outbox, nil)
	put("u2", "user", nil)
	put("o4", outbox, nil)
	put("o5", outbox, nil)

	h := &batchLog{failOnce: map[string]string{"o2": "item", "o7": "error"}}
	pollCtx, stop := context.WithCancel(ctx)
	defer stop()
	errc := make(chan error, 1)
	go func() {
		errc <- PollStream(pollCtx, cfg, StreamOptions{
			Table:     table,
			Filter:    InsertsOfType(outbox),
			BatchSize: 3,
			Interval:  10 * time.Millisecond,
			Log:       slog.New(slog.NewTextHandler(t.Output(), nil)),
		}, h.handle)
	}()

	// All five were in the first read, so the batches are deterministic:
	// o2 fails, and delivery resumes at o2, topped up to BatchSize.
	h.waitAcked(t, 5)
	want := [][]string{{"o1", "o2", "o3"}, {"o2", "o3", "o4"}, {"o5"}}
	if got := h.pks(); !reflect.DeepEqual(got, want) {
		t.Errorf("batches = %v, want %v", got, want)
	}

	// Written while polling: a modify and a remove (not INSERT), more
	// inserts of both types, and a record whose first delivery errors.
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(table), Key: key("o1"), UpdateExpression: aws.String("SET s = :s"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":s": str("changed")},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key("u1")}); err != nil {
		t.Fatal(err)
	}
	put("o6", outbox, nil)
	put("u3", "user", nil)
	put("o7", outbox, nil)
	put("o8", outbox, nil)
	h.waitAcked(t, 8)
	time.Sleep(100 * time.Millisecond) // time for stray extra deliveries

	stop()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("PollStream = %v, want nil after cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("PollStream did not return after its context was cancelled")
	}

	h.checkRedelivery(t, []string{"o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8"})
	if n := len(h.failOnce); n > 0 {
		t.Errorf("failures never triggered: %v", h.failOnce)
	}

	rec := h.batches[0].recs[0]
	if rec.EventName != "INSERT" || rec.EventSource != "aws:dynamodb" || rec.EventVersion != "1.1" ||
		rec.AWSRegion != Region || rec.EventSourceArn != aws.ToString(desc.Table.LatestStreamArn) || rec.EventID == "" {
		t.Errorf("record envelope = %+v", rec)
	}
	c := rec.Change
	if c.StreamViewType != "NEW_IMAGE" || c.SequenceNumber == "" || c.SizeBytes <= 0 || c.OldImage != nil {
		t.Errorf("change = %+v", c)
	}
	// The API rounds the creation time down to the minute.
	if at := c.ApproximateCreationDateTime.Time; at.Before(begin.Add(-time.Minute)) || at.After(time.Now()) {
		t.Errorf("ApproximateCreationDateTime = %v, begin %v", at, begin)
	}
	if want := map[string]events.DynamoDBAttributeValue{
		"PK": events.NewStringAttribute("o1"), "SK": events.NewStringAttribute("item"),
	}; !reflect.DeepEqual(c.Keys, want) {
		t.Errorf("Keys = %v, want %v", c.Keys, want)
	}
	img := c.NewImage
	sets := map[string][]string{}
	for _, name := range []string{"ss", "ns", "bs"} {
		switch v := img[name]; v.DataType() {
		case events.DataTypeStringSet:
			sets[name] = slices.Sorted(slices.Values(v.StringSet()))
		case events.DataTypeNumberSet:
			sets[name] = slices.Sorted(slices.Values(v.NumberSet()))
		case events.DataTypeBinarySet:
			for _, b := range v.BinarySet() {
				sets[name] = append(sets[name], fmt.Sprint(b))
			}
			slices.Sort(sets[name])
		}
		delete(img, name)
	}
	if want := map[string][]string{"ss": {"x", "y"}, "ns": {"1", "2.5"}, "bs": {"[1]", "[2 3]"}}; !reflect.DeepEqual(sets, want) {
		t.Errorf("sets = %v, want %v", sets, want)
	}
	wantImage := map[string]events.DynamoDBAttributeValue{
		"PK":   events.NewStringAttribute("o1"),
		"SK":   events.NewStringAttribute("item"),
		"type": events.NewStringAttribute(outbox),
		"s":    events.NewStringAttribute("tekst ø"),
		"n":    events.NewNumberAttribute("42.5"),
		"b":    events.NewBinaryAttribute([]byte{0, 1, 2, 255}),
		"t":    events.NewBooleanAttribute(true),
		"null": events.NewNullAttribute(),
		"l": events.NewListAttribute([]events.DynamoDBAttributeValue{
			events.NewStringAttribute("a"), events.NewNumberAttribute("1"),
			events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{"f": events.NewBooleanAttribute(false)}),
		}),
		"m": events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{
			"k":     events.NewStringAttribute("v"),
			"inner": events.NewListAttribute([]events.DynamoDBAttributeValue{events.NewBinaryAttribute([]byte{9})}),
		}),
	}
	if !reflect.DeepEqual(img, wantImage) {
		t.Errorf("NewImage =\n%v\nwant\n%v", img, wantImage)
	}
}

func TestInsertsOfType(t *testing.T) {
	rec := func(name string, img map[string]events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
		return events.DynamoDBEventRecord{EventName: name, Change: events.DynamoDBStreamRecord{NewImage: img}}
	}
	outbox := map[string]events.DynamoDBAttributeValue{"type": events.NewStringAttribute("outbox")}
	keep := InsertsOfType("outbox")
	for _, c := range []struct {
		rec  events.DynamoDBEventRecord
		want bool
	}{
		{rec("INSERT", outbox), true},
		{rec("MODIFY", outbox), false},
		{rec("REMOVE", nil), false},
		{rec("INSERT", map[string]events.DynamoDBAttributeValue{"type": events.NewStringAttribute("user")}), false},
		{rec("INSERT", map[string]events.DynamoDBAttributeValue{"type": events.NewNumberAttribute("1")}), false},
		{rec("INSERT", map[string]events.DynamoDBAttributeValue{}), false},
	} {
		if got := keep(c.rec); got != c.want {
			t.Errorf("%s %v: got %v, want %v", c.rec.EventName, c.rec.Change.NewImage, got, c.want)
		}
	}
}

func TestFirstFailure(t *testing.T) {
	batch := make([]events.DynamoDBEventRecord, 4)
	for i := range batch {
		batch[i].Change.SequenceNumber = strconv.Itoa(100 + i)
	}
	fail := func(ids ...string) []events.DynamoDBBatchItemFailure {
		var out []events.DynamoDBBatchItemFailure
		for _, id := range ids {
			out = append(out, events.DynamoDBBatchItemFailure{ItemIdentifier: id})
		}
		return out
	}
	for _, c := range []struct {
		ids  []string
		want int
	}{
		{[]string{"102"}, 2},
		{[]string{"103", "101"}, 1},  // earliest wins, whatever the order
		{[]string{"103", "nope"}, 0}, // unknown id fails the whole batch
		{[]string{""}, 0},
	} {
		if got := firstFailure(batch, fail(c.ids...)); got != c.want {
			t.Errorf("firstFailure(%v) = %d, want %d", c.ids, got, c.want)
		}
	}
}

// fakeStreams serves shards from memory, one shard per DescribeStream page,
// so shard lineage, closing and iterator expiry can be tested without
// waiting for DynamoDB Local's four-hour shard rollover.
type fakeStreams struct {
	mu        sync.Mutex
	shards    []*fakeShard
	expire    map[string]bool // shard → next GetRecords fails with ExpiredIteratorException
	iterators []string        // "shard type [sequence]" per GetShardIterator call
}

type fakeShard struct {
	id, parent string
	closed     bool
	recs       []streamtypes.Record
}

func (f *fakeStreams) find(id string) (int, *fakeShard) {
	for i, s := range f.shards {
		if s.id == id {
			return i, s
		}
	}
	return -1, nil
}

func (f *fakeStreams) DescribeStream(_ context.Context, in *dynamodbstreams.DescribeStreamInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := 0
	if in.ExclusiveStartShardId != nil {
		i, _ = f.find(*in.ExclusiveStartShardId)
		i++
	}
	d := &streamtypes.StreamDescription{StreamArn: in.StreamArn}
	if i < len(f.shards) {
		s := f.shards[i]
		d.Shards = []streamtypes.Shard{{ShardId: aws.String(s.id), ParentShardId: aws.String(s.parent)}}
		if s.parent == "" {
			d.Shards[0].ParentShardId = nil
		}
		if i+1 < len(f.shards) {
			d.LastEvaluatedShardId = aws.String(s.id)
		}
	}
	return &dynamodbstreams.DescribeStreamOutput{StreamDescription: d}, nil
}

func (f *fakeStreams) GetShardIterator(_ context.Context, in *dynamodbstreams.GetShardIteratorInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := aws.ToString(in.ShardId)
	f.iterators = append(f.iterators, strings.TrimSpace(fmt.Sprintf("%s %s %s", id, in.ShardIteratorType, aws.ToString(in.SequenceNumber))))
	_, s := f.find(id)
	pos := 0
	if in.ShardIteratorType == streamtypes.ShardIteratorTypeAfterSequenceNumber {
		pos = 1 + slices.IndexFunc(s.recs, func(r streamtypes.Record) bool { return *r.Dynamodb.SequenceNumber == *in.SequenceNumber })
	}
	return &dynamodbstreams.GetShardIteratorOutput{ShardIterator: aws.String(fmt.Sprintf("%s|%d", id, pos))}, nil
}

func (f *fakeStreams) GetRecords(_ context.Context, in *dynamodbstreams.GetRecordsInput, _ ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, p, _ := strings.Cut(*in.ShardIterator, "|")
	if f.expire[id] {
		delete(f.expire, id)
		return nil, &streamtypes.ExpiredIteratorException{}
	}
	pos, _ := strconv.Atoi(p)
	_, s := f.find(id)
	end := min(len(s.recs), pos+int(*in.Limit))
	out := &dynamodbstreams.GetRecordsOutput{Records: slices.Clone(s.recs[pos:end])}
	if !s.closed || end < len(s.recs) {
		out.NextShardIterator = aws.String(fmt.Sprintf("%s|%d", id, end))
	}
	return out, nil
}

func (f *fakeStreams) update(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

func fakeRecord(seq int, pk string) streamtypes.Record {
	return streamtypes.Record{
		EventID: aws.String("ev-" + pk), EventName: streamtypes.OperationTypeInsert,
		AwsRegion: aws.String("ddblocal"), EventSource: aws.String("aws:dynamodb"), EventVersion: aws.String("1.1"),
		Dynamodb: &streamtypes.StreamRecord{
			Keys:           map[string]streamtypes.AttributeValue{"PK": &streamtypes.AttributeValueMemberS{Value: pk}},
			SequenceNumber: aws.String(fmt.Sprintf("%021d", seq)),
			StreamViewType: streamtypes.StreamViewTypeNewImage,
		},
	}
}

// Shards: s1 (its parent s0 is trimmed already) is closed; its child s2 is
// listed first but must be read only after s1; s3 appears when s2 closes.
func TestPollerFollowsShards(t *testing.T) {
	f := &fakeStreams{
		shards: []*fakeShard{
			{id: "s2", parent: "s1", recs: []streamtypes.Record{fakeRecord(3, "b1")}},
			{id: "s1", parent: "s0", closed: true, recs: []streamtypes.Record{fakeRecord(1, "a1"), fakeRecord(2, "a2")}},
		},
		expire: map[string]bool{},
	}
	h := &batchLog{failOnce: map[string]string{"a2": "bogus"}}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	p := newPoller(f, "arn:stream", "eu-north-1", StreamOptions{Interval: time.Millisecond}, h.handle)
	errc := make(chan error, 1)
	go func() { errc <- stopped(ctx, p.run(ctx)) }()

	h.waitAcked(t, 3)
	f.update(func() {
		_, s2 := f.find("s2")
		s2.recs = append(s2.recs, fakeRecord(4, "b2"))
		f.expire["s2"] = true
	})
	h.waitAcked(t, 4)
	f.update(func() {
		_, s2 := f.find("s2")
		s2.closed = true
		f.shards = append(f.shards, &fakeShard{id: "s3", parent: "s2", recs: []streamtypes.Record{fakeRecord(5, "c1")}})
	})
	h.waitAcked(t, 5)
	time.Sleep(20 * time.Millisecond) // time for stray extra deliveries
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("run = %v", err)
	}

	want := [][]string{{"a1", "a2"}, {"a1", "a2"}, {"b1"}, {"b2"}, {"c1"}}
	if got := h.pks(); !reflect.DeepEqual(got, want) {
		t.Errorf("batches = %v, want %v", got, want)
	}
	h.checkRedelivery(t, []string{"a1", "a2", "b1", "b2", "c1"})
	wantIters := []string{"s1 TRIM_HORIZON", "s2 TRIM_HORIZON", "s2 AFTER_SEQUENCE_NUMBER 000000000000000000003", "s3 TRIM_HORIZON"}
	if !slices.Equal(f.iterators, wantIters) {
		t.Errorf("GetShardIterator calls = %v, want %v", f.iterators, wantIters)
	}
	if r := h.batches[0].recs[0]; r.AWSRegion != "eu-north-1" || r.EventSourceArn != "arn:stream" {
		t.Errorf("region %q, arn %q", r.AWSRegion, r.EventSourceArn)
	}
}

// TestDeliverGivesUpAfterMaxRetries: with MaxRetries, a batch's failed
// records are delivered 1+MaxRetries times and then discarded, the records
// before the failure kept, and delivery goes on with the next ones.
func TestDeliverGivesUpAfterMaxRetries(t *testing.T) {
	recs := make([]events.DynamoDBEventRecord, 5)
	for i := range recs {
		recs[i].Change.SequenceNumber = strconv.Itoa(100 + i)
	}
	seen := map[string]int{}
	p := &poller{
		opts: StreamOptions{BatchSize: 3, Interval: time.Microsecond, MaxRetries: 2, Log: slog.New(slog.NewTextHandler(io.Discard, nil))},
		handle: func(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			var resp events.DynamoDBEventResponse
			for _, r := range ev.Records {
				seen[r.Change.SequenceNumber]++
				if r.Change.SequenceNumber == "101" && len(resp.BatchItemFailures) == 0 {
					resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: "101"})
				}
			}
			return resp, nil
		},
	}
	if err := p.deliver(t.Context(), recs); err != nil {
		t.Fatal(err)
	}
	// 100 succeeds once. The retries start at 101 and are topped up to
	// BatchSize, as Lambda's are, so 103 rides along and is dropped with
	// 101 and 102 after the second retry (as Lambda drops a whole batch);
	// 104 goes through once.
	want := map[string]int{"100": 1, "101": 3, "102": 3, "103": 2, "104": 1}
	if !reflect.DeepEqual(seen, want) {
		t.Fatalf("deliveries = %v, want %v", seen, want)
	}
}
