package localstack

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// dispatcher runs the OnS3Object callback off the request path: one
// goroutine per key that has pending events, so events for one key arrive in
// write order (as S3 promises via the sequencer) while different keys, e.g.
// two organisations' imports, are handled in parallel.
type dispatcher struct {
	fn     func(context.Context, events.S3Event)
	ctx    context.Context // handed to callbacks; cancelled by drain
	cancel context.CancelFunc

	mu      sync.Mutex
	idle    *sync.Cond                  // signalled when running drops to 0
	queues  map[string][]events.S3Event // bucket/key → events not yet delivered
	running int                         // goroutines delivering
}

func newDispatcher(fn func(context.Context, events.S3Event)) *dispatcher {
	ctx, cancel := context.WithCancel(context.Background())
	d := &dispatcher{fn: fn, ctx: ctx, cancel: cancel, queues: map[string][]events.S3Event{}}
	d.idle = sync.NewCond(&d.mu)
	return d
}

func (d *dispatcher) enqueue(id string, ev events.S3Event) {
	if d.fn == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	q, busy := d.queues[id] // present while a goroutine owns this key
	d.queues[id] = append(q, ev)
	if !busy {
		d.running++
		go d.deliver(id)
	}
}

func (d *dispatcher) deliver(id string) {
	for {
		d.mu.Lock()
		q := d.queues[id]
		if len(q) == 0 {
			delete(d.queues, id)
			d.running--
			if d.running == 0 {
				d.idle.Broadcast()
			}
			d.mu.Unlock()
			return
		}
		ev := q[0]
		d.queues[id] = q[1:]
		d.mu.Unlock()
		d.fn(d.ctx, ev)
	}
}

// drain waits until no callback is running or queued. If that takes longer
// than grace, the callbacks' context is cancelled so well-behaved ones stop;
// drain keeps waiting either way. grace 0 cancels at once.
func (d *dispatcher) drain(grace time.Duration) {
	stop := time.AfterFunc(grace, d.cancel)
	defer stop.Stop()
	d.mu.Lock()
	defer d.mu.Unlock()
	for d.running > 0 {
		d.idle.Wait()
	}
}

// s3Write describes one stored object, for newS3Event.
type s3Write struct {
	name, region    string
	at              time.Time
	bucket, key     string
	size            int64
	etag, versionID string
	seq             uint64
}

// newS3Event builds the record S3 would send to Lambda for this write.
func newS3Event(w s3Write) events.S3Event {
	requestID := fmt.Sprintf("%016X", w.seq)
	return events.S3Event{Records: []events.S3EventRecord{{
		EventVersion:      "2.1",
		EventSource:       "aws:s3",
		AWSRegion:         w.region,
		EventTime:         w.at.UTC(),
		EventName:         w.name,
		PrincipalID:       events.S3UserIdentity{PrincipalID: "AWS:LOCAL"},
		RequestParameters: events.S3RequestParameters{SourceIPAddress: "127.0.0.1"},
		ResponseElements:  map[string]string{"x-amz-request-id": requestID, "x-amz-id-2": "local/" + requestID},
		S3: events.S3Entity{
			SchemaVersion:   "1.0",
			ConfigurationID: "tilgang-local",
			Bucket: events.S3Bucket{
				Name:          w.bucket,
				OwnerIdentity: events.S3UserIdentity{PrincipalID: "LOCAL"},
				Arn:           "arn:aws:s3:::" + w.bucket,
			},
			Object: events.S3Object{
				Key:           eventKey(w.key),
				URLDecodedKey: w.key, // what events.S3Object's UnmarshalJSON fills in
				Size:          w.size,
				ETag:          w.etag, // hex MD5, no quotes, as in real events
				VersionID:     w.versionID,
				Sequencer:     fmt.Sprintf("%016X", w.seq),
			},
		},
	}}}
}

// eventKey encodes an object key the way S3 does in event notifications:
// form encoding (space → '+', '+' → "%2B", ':' → "%3A") but with '/' kept.
// url.QueryUnescape, which events.S3Object uses, reverses it.
func eventKey(key string) string {
	return strings.ReplaceAll(url.QueryEscape(key), "%2F", "/")
}
