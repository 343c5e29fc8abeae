// Package faults is a fault-injecting proxy for the local stack: put in
// front of DynamoDB Local or the SES emulator, it answers a share of the
// requests with what AWS answers when it is busy or broken (throttling,
// 5xx, a dropped connection, a lost response, latency), so that tests see
// the product's retries, idempotency and outbox at work over real
// connections, through the AWS SDK's own retry logic.
package faults

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// Kind is one kind of fault.
type Kind int

// Kinds of fault. Every one is what a client of AWS must expect and
// retry; LostResponse is the hardest: the request took effect, and the
// client cannot know.
const (
	// Throttle answers the service's throttling error without forwarding.
	Throttle Kind = iota
	// ServerError answers 500 without forwarding.
	ServerError
	// Drop closes the connection before forwarding.
	Drop
	// LostResponse forwards the request and closes the connection instead
	// of answering.
	LostResponse
	// Slow forwards the request after Policy.Latency.
	Slow
	numKinds
)

func (k Kind) String() string {
	switch k {
	case Throttle:
		return "throttle"
	case ServerError:
		return "5xx"
	case Drop:
		return "drop"
	case LostResponse:
		return "lost-response"
	case Slow:
		return "slow"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Service says how the proxied service spells its errors.
type Service int

// Services.
const (
	DynamoDB Service = iota // JSON 1.0 protocol: 400 with __type
	SESv2                   // REST-JSON: 429 with x-amzn-ErrorType
)

// Policy says which requests get a fault. The zero Policy injects none.
type Policy struct {
	// Rate is the share of requests, 0 to 1, that get a fault.
	Rate float64
	// Kinds are the faults to choose from, each equally likely; none means
	// all of them.
	Kinds []Kind
	// Latency is how long a Slow request waits (default 200 ms).
	Latency time.Duration
	// Seed makes the choice of requests repeatable.
	Seed uint64
	// Match, if set, limits the faults to the requests it accepts: a test
	// that must break one step (an import's checkpoint, say) names it by
	// the operation (the X-Amz-Target header of DynamoDB) and the body.
	Match func(operation string, body []byte) bool
	// Limit, if above 0, is how many faults the policy injects in all;
	// after them every request goes through.
	Limit int
}

// Proxy forwards requests to one endpoint, injecting faults by its
// Policy. Build it with New; it is safe for concurrent use.
type Proxy struct {
	service Service
	forward *httputil.ReverseProxy

	mu       sync.Mutex
	policy   Policy
	rng      *rand.Rand
	counts   [numKinds]int
	total    int
	injected int // by the current policy, for Limit
}

// New returns a proxy to target (a base URL such as DynamoDB Local's).
func New(target *url.URL, service Service, p Policy) *Proxy {
	fp := &Proxy{service: service, forward: httputil.NewSingleHostReverseProxy(target)}
	fp.forward.ErrorLog = nil
	fp.SetPolicy(p)
	return fp
}

// SetPolicy changes the policy from the next request on: a test pauses a
// service with Policy{Rate: 1, Kinds: []Kind{Drop}} and resumes it with
// the zero Policy.
func (p *Proxy) SetPolicy(pol Policy) {
	if len(pol.Kinds) == 0 {
		for k := range numKinds {
			pol.Kinds = append(pol.Kinds, k)
		}
	}
	if pol.Latency == 0 {
		pol.Latency = 200 * time.Millisecond
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.policy, p.injected = pol, 0
	p.rng = rand.New(rand.NewPCG(pol.Seed, 0x7fa17))
}

// Counts returns how many requests the proxy saw and how many got each
// kind of fault.
func (p *Proxy) Counts() (total int, faults map[Kind]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	faults = make(map[Kind]int)
	for k, n := range p.counts {
		if n > 0 {
			faults[Kind(k)] = n
		}
	}
	return p.total, faults
}

// pick decides the fault of one request; ok is false for none.
func (p *Proxy) pick(r *http.Request) (k Kind, latency time.Duration, ok bool) {
	p.mu.Lock()
	match, limited := p.policy.Match, p.policy.Limit > 0 && p.injected >= p.policy.Limit
	p.total++
	p.mu.Unlock()
	if limited {
		return 0, 0, false
	}
	if match != nil {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return 0, 0, false
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !match(r.Header.Get("X-Amz-Target"), body) {
			return 0, 0, false
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.policy.Rate <= 0 || p.rng.Float64() >= p.policy.Rate || (p.policy.Limit > 0 && p.injected >= p.policy.Limit) {
		return 0, 0, false
	}
	k = p.policy.Kinds[p.rng.IntN(len(p.policy.Kinds))]
	p.counts[k]++
	p.injected++
	return k, p.policy.Latency, true
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k, latency, ok := p.pick(r)
	if !ok {
		p.forward.ServeHTTP(w, r)
		return
	}
	switch k {
	case Throttle:
		p.throttle(w)
	case ServerError:
		p.serverError(w)
	case Drop:
		_, _ = io.Copy(io.Discard, r.Body)
		hangUp(w)
	case LostResponse:
		p.forward.ServeHTTP(discard{header: http.Header{}}, r)
		hangUp(w)
	case Slow:
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
		p.forward.ServeHTTP(w, r)
	}
}

func (p *Proxy) throttle(w http.ResponseWriter) {
	if p.service == SESv2 {
		// SES v2 answers a sending rate above the account's quota so; the
		// SDK retries TooManyRequestsException as a throttle.
		writeError(w, http.StatusTooManyRequests, "application/json", "TooManyRequestsException", `{"message":"Maximum sending rate exceeded."}`)
		return
	}
	writeError(w, http.StatusBadRequest, "application/x-amz-json-1.0", "ThrottlingException",
		`{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Throughput exceeds the current capacity for one or more global secondary indexes."}`)
}

func (p *Proxy) serverError(w http.ResponseWriter) {
	if p.service == SESv2 {
		writeError(w, http.StatusInternalServerError, "application/json", "InternalFailure", `{"message":"An internal error occurred."}`)
		return
	}
	writeError(w, http.StatusInternalServerError, "application/x-amz-json-1.0", "InternalServerError",
		`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`)
}

func writeError(w http.ResponseWriter, status int, contentType, errorType, body string) {
	w.Header().Set("Content-Type", contentType)
	// DynamoDB signs every answer with the CRC32 of its body, which the SDK
	// checks; SES sends none.
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10))
	w.Header().Set("X-Amzn-ErrorType", errorType)
	w.Header().Set("X-Amzn-RequestId", "fault-injected")
	w.WriteHeader(status)
	_, _ = io.Copy(w, strings.NewReader(body))
}

// hangUp closes the client's connection without an answer, as a dropped
// connection or a load balancer timing out does.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // the server closes the connection
	}
	_ = conn.Close()
}

// discard is a ResponseWriter that forgets the answer: a response lost on
// the way back.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

// Retryer is the SDK's standard retryer with attempts attempts, short
// backoffs and no retry quota: what a test that injects many faults needs
// to finish quickly. Production keeps the SDK's defaults.
func Retryer(attempts int) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = attempts
		o.MaxBackoff = 50 * time.Millisecond
		o.RateLimiter = ratelimit.None
	})
}

// Endpoints returns cfg with the base endpoints of the services named by
// their SDK ids ("DynamoDB", "SESv2", "S3") set to urls, ahead of whatever
// cfg named before: the way to put a Proxy in front of one service.
func Endpoints(cfg aws.Config, urls map[string]string) aws.Config {
	cfg.ConfigSources = append([]any{endpoints(urls)}, cfg.ConfigSources...)
	return cfg
}

// endpoints is an aws.Config config source of service base endpoints.
type endpoints map[string]string

func (e endpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v, ok := e[sdkID]
	return v, ok, nil
}
