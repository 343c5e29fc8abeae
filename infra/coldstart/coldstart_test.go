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

// BenchmarkColdStart starts each function b.N times (make bench: COLDSTARTS
// times) against the fake Runtime API, with its keys read from the fake
// Secrets Manager as in AWS, and with CPR_KEY as in local runs. It reports
// the stripped linux/arm64 size (MB, 10^6 bytes) and the median and 90th
// percentile init (exec to the first /next poll). ns/op also holds the
// process's end; read init-p50-ms.
func BenchmarkColdStart(b *testing.B) {
	rt, err := NewRuntime()
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Close()
	for _, bin := range buildAll(b) {
		for _, k := range []Keys{FromSecrets, FromEnv} {
			b.Run("fn="+bin.function+"/keys="+k.String(), func(b *testing.B) {
				env := rt.Env(bin.function, k)
				var inits []time.Duration
				for b.Loop() {
					d, err := rt.Start(context.Background(), bin.run, env)
					if err != nil {
						b.Fatal(err)
					}
					inits = append(inits, d)
				}
				slices.Sort(inits)
				b.ReportMetric(float64(bin.size)/1e6, "MB")
				b.ReportMetric(ms(inits[len(inits)/2]), "init-p50-ms")
				b.ReportMetric(ms(inits[len(inits)*9/10]), "init-p90-ms")
			})
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
