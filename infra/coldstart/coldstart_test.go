package coldstart

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/config"
)

// root is the module's root, where make build runs.
const root = "../.."

// binaries builds every function: stripped linux/arm64 as make build does
// (its size is the one Lambda loads), and, if this machine is not arm64,
// the same for its own architecture, which is what runs here. Init is
// then measured on this machine's architecture; the README says which.
type binary struct {
	function string
	size     int64  // bytes of the linux/arm64 build
	run      string // the build that runs here
}

func buildAll(tb testing.TB) []binary {
	tb.Helper()
	if runtime.GOOS != "linux" {
		tb.Skip("the function binaries are linux binaries")
	}
	dir := tb.TempDir()
	ctx := context.Background()
	var bins []binary
	for _, fn := range slices.Sorted(maps.Keys(config.Functions)) {
		arm := filepath.Join(dir, fn+".arm64")
		if err := Build(ctx, root, fn, "arm64", arm); err != nil {
			tb.Fatal(err)
		}
		st, err := os.Stat(arm)
		if err != nil {
			tb.Fatal(err)
		}
		run := arm
		if runtime.GOARCH != "arm64" {
			run = filepath.Join(dir, fn+"."+runtime.GOARCH)
			if err := Build(ctx, root, fn, runtime.GOARCH, run); err != nil {
				tb.Fatal(err)
			}
		}
		bins = append(bins, binary{function: fn, size: st.Size(), run: run})
	}
	return bins
}

// TestFunctionsStart builds every function as make build does, holds each
// stripped arm64 binary to TargetBytes, and starts each against the fake
// Runtime API both ways it finds its keys: it must reach its first poll
// for an invocation, having read exactly the secrets its configuration
// names. (Init time is the benchmark's, never a bound here: the machine may
// be loaded.)
func TestFunctionsStart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every function")
	}
	rt, err := NewRuntime()
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for _, b := range buildAll(t) {
		if b.size > TargetBytes {
			t.Errorf("functions/%s: %d bytes stripped linux/arm64, over the target of %d", b.function, b.size, TargetBytes)
		}
		for _, k := range []Keys{FromSecrets, FromEnv} {
			before := rt.SecretReads()
			if _, err := rt.Start(context.Background(), b.run, rt.Env(b.function, k)); err != nil {
				t.Errorf("functions/%s, keys from %s: %v", b.function, k, err)
				continue
			}
			want := 0
			if k == FromSecrets {
				want = len(config.Functions[b.function].Vars()) - countPlain(b.function)
			}
			if got := rt.SecretReads() - before; got != want {
				t.Errorf("functions/%s, keys from %s: read %d secrets, want %d", b.function, k, got, want)
			}
		}
	}
}

// countPlain is how many of function's variables are not key secrets.
func countPlain(function string) int {
	n := 0
	for _, v := range config.Functions[function].Vars() {
		if _, ok := secretNames[v]; !ok {
			n++
		}
	}
	return n
}

// BenchmarkColdStart starts each function b.N times (make bench:
// COLDSTARTS times) against the fake Runtime API, with its keys read from
// the fake Secrets Manager as in AWS, and with CPR_KEY as in local runs.
// The starts are interleaved, one of each function and way per round in a
// turning order, so that a burst of load on a shared machine falls on all
// alike. It reports, per function, the stripped linux/arm64 size
// (<fn>-MB, 10^6 bytes) and the median and 90th percentile init, exec to
// the first /next poll (<fn>-<keys>-init-p50-ms, -p90-ms). ns/op is a
// round of starts with the processes' ends.
func BenchmarkColdStart(b *testing.B) {
	rt, err := NewRuntime()
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	type run struct {
		bin   binary
		keys  Keys
		env   []string
		inits []time.Duration
	}
	var runs []*run
	for _, bin := range buildAll(b) {
		for _, k := range []Keys{FromSecrets, FromEnv} {
			runs = append(runs, &run{bin: bin, keys: k, env: rt.Env(bin.function, k)})
		}
	}
	round := 0
	for b.Loop() {
		for i := range runs {
			r := runs[(i+round)%len(runs)]
			d, err := rt.Start(context.Background(), r.bin.run, r.env)
			if err != nil {
				b.Fatal(err)
			}
			r.inits = append(r.inits, d)
		}
		round++
	}
	for _, r := range runs {
		slices.Sort(r.inits)
		b.ReportMetric(float64(r.bin.size)/1e6, r.bin.function+"-MB")
		name := r.bin.function + "-" + r.keys.String()
		b.ReportMetric(ms(r.inits[len(r.inits)/2]), name+"-init-p50-ms")
		b.ReportMetric(ms(r.inits[len(r.inits)*9/10]), name+"-init-p90-ms")
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
