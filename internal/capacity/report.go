package capacity

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Peak is one partition key's busiest second, for writes and for reads
// (which may be different seconds).
type Peak struct {
	Key
	WCU, RCU float64
}

// Share is the peak's fraction of a partition's limits: the larger of
// writes and reads.
func (p Peak) Share() float64 { return max(p.WCU/PartitionWCU, p.RCU/PartitionRCU) }

// Report is what a run billed.
type Report struct {
	Peaks   []Peak          // every partition key, the busiest first
	Totals  map[string]Peak // per table or index: its busiest second in all
	Seconds int64           // simulated seconds billed
	WRU     float64         // request units billed over the run,
	RRU     float64         // table and indexes together
	Calls   map[string]int  // requests by operation
	Ops     map[string]Op   // units by kind of work (OpRow, …), filled by the simulator
}

// Report ends the current second and returns the peaks so far.
func (m *Meter) Report() *Report {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fold()
	r := &Report{Totals: map[string]Peak{}, Seconds: m.seconds, WRU: m.billed.w, RRU: m.billed.r, Calls: map[string]int{}}
	for k, u := range m.peak {
		r.Peaks = append(r.Peaks, Peak{Key: k, WCU: u.w, RCU: u.r})
	}
	sort.Slice(r.Peaks, func(i, j int) bool {
		a, b := r.Peaks[i], r.Peaks[j]
		if a.Share() != b.Share() {
			return a.Share() > b.Share()
		}
		if a.Index != b.Index {
			return a.Index < b.Index
		}
		return a.PK < b.PK
	})
	for ix, u := range m.peakTotal {
		r.Totals[ix] = Peak{Key: Key{Index: ix}, WCU: u.w, RCU: u.r}
	}
	for op, n := range m.requests {
		r.Calls[op] = n
	}
	return r
}

// Over returns the keys whose peak passes share of a partition's limits.
func (r *Report) Over(share float64) []Peak {
	var out []Peak
	for _, p := range r.Peaks {
		if p.Share() > share {
			out = append(out, p)
		}
	}
	return out
}

// Kinds returns the busiest key of each kind (index and Shape), the
// busiest first, with the key shown as its shape.
func (r *Report) Kinds() []Peak {
	var out []Peak
	seen := map[Key]bool{}
	for _, p := range r.Peaks {
		k := Key{p.Index, Shape(p.PK)}
		if !seen[k] {
			seen[k] = true
			out = append(out, Peak{Key: k, WCU: p.WCU, RCU: p.RCU})
		}
	}
	return out
}

// Top returns the n busiest keys.
func (r *Report) Top(n int) []Peak { return r.Peaks[:min(n, len(r.Peaks))] }

// Op is what one kind of work cost in all: N operations, their units.
type Op struct {
	N        int
	WRU, RRU float64
}

// Kinds of work the simulator bills separately.
const (
	OpRow        = "import row"
	OpSCIM       = "SCIM step"
	OpActivation = "activation"
	OpInvitation = "invitation"
	OpSweep      = "sweep entry"
	OpMail       = "mail sent"
	OpOther      = "other"
)

// Shape is a key with its variable parts replaced by what they are, so
// that keys of the same kind read alike: ORG#<id>#USERS, MAILQ#<n>,
// SCHED#<day>#<n>.
func Shape(pk string) string {
	parts := strings.Split(pk, "#")
	for i, p := range parts {
		switch {
		case i == 0:
		case p != "" && strings.Trim(p, "0123456789") == "":
			parts[i] = "<n>"
		case len(p) == len("2006-01-02") && strings.Trim(p, "0123456789-") == "":
			parts[i] = "<day>"
		case strings.HasPrefix(p, "org") || strings.Contains(p, "-0"):
			parts[i] = "<id>"
		}
	}
	return strings.Join(parts, "#")
}

// WriteTable writes peaks as a table: key, index, peak units and their
// share of a partition's limits.
func WriteTable(w io.Writer, peaks []Peak) {
	fmt.Fprintf(w, "%-6s  %-48s  %10s  %7s  %10s  %7s\n", "index", "partition key", "peak WCU/s", "% limit", "peak RCU/s", "% limit")
	for _, p := range peaks {
		pk := p.PK
		if len(pk) > 48 {
			pk = pk[:45] + "..."
		}
		fmt.Fprintf(w, "%-6s  %-48s  %10.1f  %6.1f%%  %10.1f  %6.1f%%\n",
			p.Index, pk, p.WCU, 100*p.WCU/PartitionWCU, p.RCU, 100*p.RCU/PartitionRCU)
	}
}

// Prices are on-demand prices in USD per million request units.
type Prices struct{ WRU, RRU float64 }

// USEast1 is the on-demand list price in us-east-1 (standard table class)
// since AWS halved it on 1 November 2024: $0.625 per million write request
// units, $0.125 per million read request units.
var USEast1 = Prices{WRU: 0.625, RRU: 0.125}

// Month is the work of the month the product is sized for: every user of
// the target imported once and activated once, the largest
// organisation's identity provider syncing all its users every week,
// invitations, and the schedule's expiries; each with its mail.
type Month struct {
	Rows, SCIM, Activations, Invitations, Sweeps float64
}

// TargetMonth is Month for Target.
func TargetMonth(w Workload) Month {
	return Month{
		Rows: float64(w.Users), SCIM: 4.35 * float64(w.Largest), Activations: float64(w.Users),
		Invitations: 100_000, Sweeps: 0.1 * float64(w.Users),
	}
}

// Cost is what a month of m costs at p, from the units the run billed per
// operation.
func (r *Report) Cost(m Month, p Prices) (wru, rru, usd float64) {
	add := func(kind string, n float64) {
		op := r.Ops[kind]
		if op.N == 0 {
			return
		}
		wru += n * op.WRU / float64(op.N)
		rru += n * op.RRU / float64(op.N)
	}
	add(OpRow, m.Rows)
	add(OpSCIM, m.SCIM)
	add(OpActivation, m.Activations)
	add(OpInvitation, m.Invitations)
	add(OpSweep, m.Sweeps)
	// Every row, SCIM create, activation mail and invitation sends one mail.
	add(OpMail, m.Rows+m.SCIM/10+m.Invitations)
	return wru, rru, wru/1e6*p.WRU + rru/1e6*p.RRU
}

// Grow runs w at 1, 2, 3, … times its load, up to limit, and returns the
// first multiple at which a key passes 50 % of a partition's limits, with
// that run's report (nil if none does). each, if not nil, sees every run.
func Grow(ctx context.Context, w Workload, limit int, each func(n int, r *Report)) (int, *Report, error) {
	for n := 1; n <= limit; n++ {
		g := w
		g.Scale = w.Scale * float64(n)
		r, err := Run(ctx, g)
		if err != nil {
			return n, nil, err
		}
		if each != nil {
			each(n, r)
		}
		if len(r.Over(0.5)) > 0 {
			return n, r, nil
		}
	}
	return limit, nil, nil
}

// WriteSummary prints a run: the keys over 50 %, the busiest keys, each
// table's and index's busiest second, units per operation and the cost of
// a month.
func WriteSummary(w io.Writer, wl Workload, r *Report, p Prices, top int) {
	fmt.Fprintf(w, "workload: %d organisations, %d users (largest %d); %d importing (largest %d rows), %d at once at %.0f rows/s; SCIM %.0f/s, activations %.0f/s, invitations %.0f/s, sweep %.0f/s; scale %g; %d s simulated\n\n",
		wl.Orgs, wl.Users, wl.Largest, wl.Importing, wl.LargestRows, wl.Concurrent, wl.RowsPerSecond,
		wl.SCIMPerSecond, wl.ActivationsPerSecond, wl.InvitationsPerSecond, wl.SweepPerSecond, wl.Scale, r.Seconds)
	over := r.Over(0.5)
	if len(over) == 0 {
		fmt.Fprintf(w, "keys over 50 %% of a partition's limits (%d WCU/s, %d RCU/s): none\n\n", PartitionWCU, PartitionRCU)
	} else {
		fmt.Fprintf(w, "keys over 50 %% of a partition's limits (%d WCU/s, %d RCU/s): %d\n", PartitionWCU, PartitionRCU, len(over))
		WriteTable(w, over)
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "busiest %d keys:\n", top)
	WriteTable(w, r.Top(top))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "busiest key of each kind (<id>, <n>, <day>: every such key is a partition of its own):")
	WriteTable(w, r.Kinds())
	fmt.Fprintln(w)
	fmt.Fprintf(w, "busiest second of each (on-demand quota %d WRU/s and RRU/s per table by default):\n", TableQuota)
	for _, ix := range sortedKeys(r.Totals) {
		t := r.Totals[ix]
		fmt.Fprintf(w, "  %-6s %10.0f WRU/s  %10.0f RRU/s\n", ix, t.WCU, t.RCU)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "request units per operation (table and indexes):")
	for _, k := range sortedKeys(r.Ops) {
		op := r.Ops[k]
		if op.N == 0 {
			continue
		}
		fmt.Fprintf(w, "  %-12s %8d ops  %6.1f WRU  %5.1f RRU\n", k, op.N, op.WRU/float64(op.N), op.RRU/float64(op.N))
	}
	m := TargetMonth(wl)
	wru, rru, usd := r.Cost(m, p)
	fmt.Fprintf(w, "\nmonth (%.0f rows, %.0f SCIM steps, %.0f activations, %.0f invitations, %.0f expiries, with their mail):\n",
		m.Rows, m.SCIM, m.Activations, m.Invitations, m.Sweeps)
	fmt.Fprintf(w, "  %.0f M WRU, %.0f M RRU: $%.0f a month on demand at $%.3f/M WRU, $%.3f/M RRU\n", wru/1e6, rru/1e6, usd, p.WRU, p.RRU)
}

// TableQuota is the default table-level throughput quota of an on-demand
// table, in request units per second, reads and writes each.
const TableQuota = 40_000

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
