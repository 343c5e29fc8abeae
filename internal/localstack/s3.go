package localstack

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// s3Server is the in-process S3 stand-in: gofakes3 over a memory backend,
// path-style, on its own loopback listener.
type s3Server struct {
	url     string
	backend *notifyingBackend
	srv     *http.Server
	served  chan struct{} // closed when Serve has returned
}

func startS3(region string, disp *dispatcher) (*s3Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	backend := &notifyingBackend{Backend: s3mem.New(), region: region, disp: disp}
	faker := gofakes3.New(backend)
	s := &s3Server{
		url:     "http://" + ln.Addr().String(),
		backend: backend,
		srv:     &http.Server{Handler: formUploads(presigned(faker.Server(), region, time.Now), backend, region, time.Now), ReadHeaderTimeout: 10 * time.Second},
		served:  make(chan struct{}),
	}
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// close lets in-flight requests finish (briefly), then drops the rest.
func (s *s3Server) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.srv.Close()
	}
	<-s.served
	return err
}

// notifyingBackend reports every object written to the memory backend.
// Embedding the concrete *s3mem.Backend (not the gofakes3.Backend
// interface) keeps its optional VersionedBackend methods visible to
// gofakes3. s3mem has no MultipartBackend, so gofakes3's own uploader
// assembles multipart uploads and stores them through PutObject here.
type notifyingBackend struct {
	*s3mem.Backend
	region string
	disp   *dispatcher

	// mu makes "store the object" and "queue its event" one step, so the
	// events for a key are queued in the order the writes landed.
	mu  sync.Mutex
	seq uint64 // last sequencer value handed out
}

func (b *notifyingBackend) PutObject(bucket, key string, meta map[string]string, input io.Reader,
	size int64, conditions *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	res, _, err := b.put("ObjectCreated:Put", bucket, key, meta, input, size, conditions)
	return res, err
}

// CopyObject is what s3mem does (read, then put) but through b.put, so the
// copy is reported as ObjectCreated:Copy like S3 does.
func (b *notifyingBackend) CopyObject(srcBucket, srcKey, dstBucket, dstKey string,
	meta map[string]string) (gofakes3.CopyObjectResult, error) {
	src, err := b.Backend.GetObject(srcBucket, srcKey, nil)
	if err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	defer src.Contents.Close()
	_, etag, err := b.put("ObjectCreated:Copy", dstBucket, dstKey, meta, src.Contents, src.Size, nil)
	if err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	return gofakes3.CopyObjectResult{
		ETag:         `"` + etag + `"`,
		LastModified: gofakes3.NewContentTime(time.Now()),
	}, nil
}

func (b *notifyingBackend) put(eventName, bucket, key string, meta map[string]string, input io.Reader,
	size int64, conditions *gofakes3.PutConditions) (gofakes3.PutObjectResult, string, error) {
	// Read the body before taking the lock so a slow upload does not hold
	// up everyone else; s3mem buffers it in memory anyway.
	body, err := gofakes3.ReadAll(input, size)
	if err != nil {
		return gofakes3.PutObjectResult{}, "", err
	}
	etag := md5Hex(body) // what s3mem stores as the ETag

	b.mu.Lock()
	defer b.mu.Unlock()
	res, err := b.Backend.PutObject(bucket, key, meta, bytes.NewReader(body), int64(len(body)), conditions)
	if err != nil {
		return res, "", err
	}
	now := time.Now()
	// Sequencers only need to grow per key; a clock-based counter that never
	// repeats does that and looks like S3's hex values.
	b.seq = max(b.seq+1, uint64(now.UnixNano()))
	b.disp.enqueue(bucket+"/"+key, newS3Event(s3Write{
		name: eventName, region: b.region, at: now, bucket: bucket, key: key,
		size: int64(len(body)), etag: etag, versionID: string(res.VersionID), seq: b.seq,
	}))
	return res, etag, nil
}

// CreateBucket checks the name the way the HTTP API would before creating.
func (b *notifyingBackend) CreateBucket(name string) error {
	if err := gofakes3.ValidateBucketName(name); err != nil {
		return err
	}
	return b.Backend.CreateBucket(name)
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}
