package scim_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/scim"
)

// BenchmarkLoad offers SCIM traffic of an identity provider's sync (70 %
// GET of a user, 20 % userName filter, 10 % PATCH of active) to the 10k
// organisation at fixed rates, open loop: each request starts at its
// planned time whether or not the earlier ones have answered, and its
// latency counts from that time, so a slow server shows as latency rather
// than as a lower rate offered. Each rate reports the throughput it got
// and the p50 and p99 latency; make bench prints them as a table. Against
// DynamoDB Local on one machine the numbers say where this machine
// saturates, not what AWS does.
func BenchmarkLoad(b *testing.B) {
	f := getFixture(b)
	o := f.orgs["10k"]
	for _, rate := range []int{25, 50, 100, 200, 400} {
		b.Run(fmt.Sprintf("rate=%d", rate), func(b *testing.B) {
			interval := time.Second / time.Duration(rate)
			rng := rand.New(rand.NewPCG(uint64(rate), 1))
			latencies := make([]time.Duration, b.N)
			failed := make([]bool, b.N)
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				planned := start.Add(time.Duration(i) * interval)
				time.Sleep(time.Until(planned))
				method, target, body := loadRequest(rng, o)
				wg.Go(func() {
					req := httptest.NewRequest(method, target, strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+o.token)
					if body != "" {
						req.Header.Set("Content-Type", "application/scim+json")
					}
					rec := httptest.NewRecorder()
					f.handler.ServeHTTP(rec, req)
					latencies[i] = time.Since(planned)
					// A 409 is a PATCH that met another one of the same user:
					// a client's answer to retry, not a failure.
					failed[i] = rec.Code >= 300 && rec.Code != http.StatusConflict
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			if n := len(slices.DeleteFunc(slices.Clone(failed), func(f bool) bool { return !f })); n > 0 {
				b.Fatalf("%d of %d requests failed", n, b.N)
			}
			slices.Sort(latencies)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
			b.ReportMetric(float64(latencies[b.N/2])/float64(time.Millisecond), "p50-ms")
			b.ReportMetric(float64(latencies[min(b.N-1, b.N*99/100)])/float64(time.Millisecond), "p99-ms")
		})
	}
}

// loadRequest picks one request of the mix.
func loadRequest(rng *rand.Rand, o benchOrg) (method, target, body string) {
	i := rng.IntN(len(o.userIDs))
	switch p := rng.IntN(10); {
	case p < 7:
		return "GET", scim.Prefix + "/Users/" + o.userIDs[i], ""
	case p < 9:
		return "GET", scim.Prefix + "/Users?filter=userName%20eq%20%22" + seededUserName(i) + "%22", ""
	default:
		return "PATCH", scim.Prefix + "/Users/" + o.userIDs[i],
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":true}]}`
	}
}
