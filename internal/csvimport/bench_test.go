package csvimport_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// benchRows is the size of the file BenchmarkImport imports: 100,000 rows,
// the default limit, unless IMPORT_BENCH_ROWS says otherwise.
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("IMPORT_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// BenchmarkImport imports a file of C rows (import) and, as the baseline,
// writes the same items with one guarded TransactWriteItems per row from
// as many goroutines as the import has workers (raw): the user, its
// userName and CPR guards, its history entry and the row's result, captured
// from a real import and given new unique values per row. ns/op is per
// file; rows/s and the peak heap during the import are reported too.
func BenchmarkImport(b *testing.B) {
	n := benchRows()
	f := newFixture(b, nil, csvimport.Options{})
	// Unpaced, so that the ratio to the raw calls measures the work.
	f.h = csvimport.New(f.s3, f.st, f.svc, nil, slog.New(slog.NewJSONHandler(io.Discard, nil)), csvimport.Options{RowsPerSecond: -1})
	tmpl := captureRow(b, f)
	var rawBase atomic.Int64

	b.Run("import", func(b *testing.B) {
		var peak uint64
		for b.Loop() {
			b.StopTimer()
			org := &tilgang.Organisation{Name: "bench", IAL: 3}
			if _, err := tenants.New(f.st).Provision(context.Background(), org); err != nil {
				b.Fatal(err)
			}
			f.org = org
			// The file lives in S3 only, and the memory of making and
			// sending it is given back, so the peaks are the import's.
			ev := f.put("bench.csv", generate(n))
			debug.FreeOSMemory()
			resetPeakRSS()
			stop := sampleHeap(&peak)
			b.StartTimer()
			f.handle(ev)
			b.StopTimer()
			stop()
			if r, _ := f.receipt("bench"); r.Created != n {
				b.Fatalf("created %d of %d", r.Created, n)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		b.ReportMetric(peakRSS()/(1<<20), "peak-rss-MB")
	})
	b.Run("raw", func(b *testing.B) {
		for b.Loop() {
			base := rawBase.Add(int64(n)) - int64(n)
			writeRaw(b, f, tmpl, base, n, csvimport.DefaultWorkers)
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// rowItems are the items one imported C row writes, and the unique values
// in them.
type rowItems struct {
	items                               []map[string]types.AttributeValue
	userID, email, lookup, importID, sk string
}

// captureRow imports one row and reads back every item it wrote.
func captureRow(b *testing.B, f *fixture) rowItems {
	b.Helper()
	f.handle(f.put("one.csv", generate(1)))
	u := f.users()[0]
	imps, err := f.st.Imports(context.Background(), f.org.ID, 1, "")
	if err != nil {
		b.Fatal(err)
	}
	t := rowItems{userID: u.ID, email: u.Email, lookup: u.CPR.Lookup, importID: imps.Imports[0].ID, sk: "ROW#000000002"}
	out, err := f.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(f.table)})
	if err != nil {
		b.Fatal(err)
	}
	for _, it := range out.Items {
		pk := it["PK"].(*types.AttributeValueMemberS).Value
		switch typ := it["type"].(*types.AttributeValueMemberS).Value; {
		case typ == "user", typ == "activity", typ == "importRow",
			typ == "guard" && (strings.HasSuffix(pk, t.email) || strings.HasSuffix(pk, t.lookup)):
			t.items = append(t.items, it)
		}
	}
	if len(t.items) != 5 {
		b.Fatalf("captured %d items; want user, 2 guards, history and row", len(t.items))
	}
	return t
}

// writeRaw writes n rows' items, numbered from base, one transaction per
// row, on workers goroutines.
func writeRaw(b *testing.B, f *fixture, t rowItems, base int64, n, workers int) {
	rows := make(chan int64)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range rows {
				r := strings.NewReplacer(t.userID, fmt.Sprintf("%08d-0000-4000-8000-%012d", i, i),
					t.email, fmt.Sprintf("raw%d@example.dk", i), t.lookup, fmt.Sprintf("%064d", i),
					t.importID, fmt.Sprintf("%08d-0000-5000-8000-000000000000", i), t.sk, fmt.Sprintf("ROW#%09d", i))
				tx := make([]types.TransactWriteItem, len(t.items))
				for j, it := range t.items {
					tx[j] = types.TransactWriteItem{Put: &types.Put{
						TableName: aws.String(f.table), Item: replaced(it, r),
						ConditionExpression: aws.String("attribute_not_exists(PK)"),
					}}
				}
				if _, err := f.db.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: tx}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	for i := range int64(n) {
		rows <- base + i
	}
	close(rows)
	wg.Wait()
}

func replaced(item map[string]types.AttributeValue, r *strings.Replacer) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(item))
	for k, v := range item {
		if s, ok := v.(*types.AttributeValueMemberS); ok {
			v = &types.AttributeValueMemberS{Value: r.Replace(s.Value)}
		}
		out[k] = v
	}
	return out
}

// sampleHeap records the peak of heap objects (live and not yet swept)
// every 5 ms until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			*peak = max(*peak, s[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// resetPeakRSS starts a new peak resident set (Linux: clear_refs 5), so
// that peakRSS covers the import and not the set-up before it.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is the process's peak resident set (VmHWM) since resetPeakRSS,
// in bytes: the whole test process, the file it uploaded included.
func peakRSS() float64 {
	fh, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb * 1024
		}
	}
	return 0
}
