// Command benchratio reads `go test -bench` output on stdin, passes it
// through to stdout as it reads, and then prints, for every benchmark with a
// "raw" sub-benchmark, the ratio of each sibling's median ns/op over the raw
// one's, marking those above their target:
//
//	go test -run='^$' -bench=. -count=5 ./internal/store/ | go run ./infra/benchratio -target 1.3
//
// X/store, X/ours, X/handler … are all compared with X/raw. -targets sets
// per-benchmark targets, as Name=ratio pairs separated by commas; Name is
// the pair's name without "Benchmark" (CreateUser) or a sibling's full name
// (CreateUser/store), and the most specific one wins.
//
// It is a report: it exits 0 even when a ratio is over its target, and 1
// only when the input shows a failed test or benchmark.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

func main() {
	target := flag.Float64("target", 1.3, "default highest acceptable ratio of a sibling over the raw baseline")
	targets := flag.String("targets", "", "per-benchmark targets, e.g. 'Walk=2,Filter1k100k=1.2'")
	baseline := flag.String("baseline", "raw,users=1k", "names of baseline sub-benchmarks, comma-separated; each is the baseline of its siblings")
	quiet := flag.Bool("q", false, "do not echo the benchmark output, only the table")
	flag.Parse()
	overrides, err := parseTargets(*targets)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(2)
	}
	var echo io.Writer = os.Stdout
	if *quiet {
		echo = io.Discard
	}
	res, failed, err := read(os.Stdin, echo)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(2)
	}
	report(os.Stdout, res, *baseline, *target, overrides)
	if failed {
		fmt.Println("benchratio: the input shows a failure")
		os.Exit(1)
	}
}

// result is every run of one benchmark.
type result struct {
	pkg, name  string // name without "Benchmark" and the -GOMAXPROCS suffix
	procs      string // the suffix, "" if none
	ns, allocs []float64
}

func (r *result) parent() string { p, _ := split(r.name); return p }

func split(name string) (parent, leaf string) {
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return "", name
	}
	return name[:i], name[i+1:]
}

// read copies in to out line by line and collects the benchmark results in
// the order they first appear.
func read(in io.Reader, out io.Writer) ([]*result, bool, error) {
	var (
		res    []*result
		byKey  = map[string]*result{}
		pkg    string
		failed bool
	)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(out, line)
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		if strings.HasPrefix(line, "FAIL") || strings.HasPrefix(strings.TrimSpace(line), "--- FAIL") {
			failed = true
			continue
		}
		name, procs, ns, allocs, ok := parseLine(line)
		if !ok {
			continue
		}
		key := pkg + " " + name + "-" + procs
		r := byKey[key]
		if r == nil {
			r = &result{pkg: pkg, name: name, procs: procs}
			byKey[key] = r
			res = append(res, r)
		}
		r.ns = append(r.ns, ns)
		if allocs >= 0 {
			r.allocs = append(r.allocs, allocs)
		}
	}
	return res, failed, sc.Err()
}

// parseLine parses a line such as
//
//	BenchmarkCreateUser/store-8   200   1234567 ns/op   34567 B/op   456 allocs/op
//
// allocs is -1 when the line has no allocs/op.
func parseLine(line string) (name, procs string, ns, allocs float64, ok bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
		return "", "", 0, 0, false
	}
	if _, err := strconv.Atoi(f[1]); err != nil {
		return "", "", 0, 0, false
	}
	name = strings.TrimPrefix(f[0], "Benchmark")
	if i := strings.LastIndexByte(name, '-'); i >= 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			name, procs = name[:i], name[i+1:]
		}
	}
	ns, allocs = -1, -1
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			break
		}
		switch f[i+1] {
		case "ns/op":
			ns = v
		case "allocs/op":
			allocs = v
		}
	}
	return name, procs, ns, allocs, ns >= 0
}

func parseTargets(s string) (map[string]float64, error) {
	m := map[string]float64{}
	for kv := range strings.SplitSeq(s, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		t, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if !ok || err != nil || t <= 0 {
			return nil, fmt.Errorf("bad -targets entry %q, want Name=ratio", kv)
		}
		m[strings.TrimPrefix(strings.TrimSpace(k), "Benchmark")] = t
	}
	return m, nil
}

func targetFor(r *result, def float64, overrides map[string]float64) float64 {
	if t, ok := overrides[r.name]; ok {
		return t
	}
	if t, ok := overrides[r.parent()]; ok {
		return t
	}
	return def
}

func report(w io.Writer, res []*result, baseline string, def float64, overrides map[string]float64) {
	baselines := strings.Split(baseline, ",")
	isBase := func(leaf string) bool { return slices.Contains(baselines, leaf) }
	base := map[string]*result{}
	for _, r := range res {
		if p, leaf := split(r.name); p != "" && isBase(leaf) {
			base[r.pkg+" "+p+"-"+r.procs] = r
		}
	}
	fmt.Fprintln(w)
	if len(base) == 0 {
		fmt.Fprintf(w, "benchratio: no benchmark has a baseline sub-benchmark (%s)\n", baseline)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	pkg, over := "-", 0
	for _, r := range res {
		p, leaf := split(r.name)
		b := base[r.pkg+" "+p+"-"+r.procs]
		if b == nil || isBase(leaf) {
			continue
		}
		if r.pkg != pkg {
			if pkg = r.pkg; pkg != "" {
				fmt.Fprintf(tw, "pkg: %s\n", pkg)
			}
			fmt.Fprintf(tw, "benchmark\tns/op\tbaseline ns/op\tratio\ttarget\t\tallocs/op\tbaseline allocs/op\tn\n")
		}
		name := r.name
		if r.procs != "" {
			name += "-" + r.procs
		}
		ratio, t := median(r.ns)/median(b.ns), targetFor(r, def, overrides)
		mark := "ok"
		if ratio > t {
			mark, over = "OVER", over+1
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2fx\t%.2fx\t%s\t%s\t%s\t%d/%d\n", name,
			spread(r.ns), spread(b.ns), ratio, t, mark, num(r.allocs), num(b.allocs), len(r.ns), len(b.ns))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nratios are of medians; ± is half the range of the runs; %d over target\n", over)
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// spread formats the median and half the range as a percentage of it.
func spread(v []float64) string {
	m := median(v)
	if len(v) < 2 || m == 0 {
		return fmt.Sprintf("%.0f", m)
	}
	return fmt.Sprintf("%.0f ±%.0f%%", m, (slices.Max(v)-slices.Min(v))/2/m*100)
}

func num(v []float64) string {
	if len(v) == 0 {
		return "-"
	}
	return strconv.FormatFloat(median(v), 'f', -1, 64)
}
