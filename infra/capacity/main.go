// Command capacity simulates tilgang's target workload against DynamoDB's
// per-partition limits (internal/capacity) and prints the partition keys
// that come near them, table totals and the on-demand cost.
//
//	go run ./infra/capacity [-scale 2] [-grow]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/tilgang/tilgang/internal/capacity"
)

func main() {
	w := capacity.Target()
	fs := flag.NewFlagSet("capacity", flag.ExitOnError)
	fs.IntVar(&w.Orgs, "orgs", w.Orgs, "organisations")
	fs.IntVar(&w.Users, "users", w.Users, "users in all (Zipf-distributed over organisations)")
	fs.IntVar(&w.Largest, "largest", w.Largest, "users of the largest organisation")
	fs.IntVar(&w.Importing, "importing", w.Importing, "organisations uploading a file at 08:00 on a Monday")
	fs.IntVar(&w.LargestRows, "largest-rows", w.LargestRows, "rows of the largest organisation's file")
	fs.IntVar(&w.Concurrent, "concurrent", w.Concurrent, "imports running at once (csvimport's reserved concurrency)")
	fs.Float64Var(&w.RowsPerSecond, "rows-per-second", w.RowsPerSecond, "an import's pace; -1: unpaced (16 workers, about 800 rows/s)")
	fs.Float64Var(&w.SCIMPerSecond, "scim", w.SCIMPerSecond, "SCIM sync steps per second (GET by userName, then POST or PATCH)")
	fs.Float64Var(&w.ActivationsPerSecond, "activations", w.ActivationsPerSecond, "activations per second")
	fs.Float64Var(&w.InvitationsPerSecond, "invitations", w.InvitationsPerSecond, "invitations per second")
	fs.Float64Var(&w.SweepPerSecond, "sweep", w.SweepPerSecond, "scheduled work done per second by the daily sweep")
	fs.IntVar(&w.Seconds, "seconds", w.Seconds, "simulated seconds")
	fs.Float64Var(&w.Scale, "scale", w.Scale, "multiplies every rate but an import's own pace")
	fs.Uint64Var(&w.Seed, "seed", w.Seed, "random seed")
	grow := fs.Bool("grow", false, "find the first whole multiple of the load at which a key passes 50 %")
	top := fs.Int("top", 15, "busiest keys to print")
	price := capacity.USEast1
	fs.Float64Var(&price.WRU, "price-wru", price.WRU, "USD per million write request units")
	fs.Float64Var(&price.RRU, "price-rru", price.RRU, "USD per million read request units")
	_ = fs.Parse(os.Args[1:])

	ctx := context.Background()
	if *grow {
		n, r, err := capacity.Grow(ctx, w, 64, func(n int, r *capacity.Report) {
			top := r.Top(1)[0]
			t := r.Totals[capacity.Table]
			fmt.Printf("%3d×  busiest key %s %s at %.0f %%; table %.0f WRU/s, %.0f RRU/s (%.0f %% of the %d quota)\n",
				n, top.Index, top.PK, 100*top.Share(), t.WCU, t.RCU, 100*max(t.WCU, t.RCU)/capacity.TableQuota, capacity.TableQuota)
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "capacity:", err)
			os.Exit(1)
		}
		if r == nil {
			fmt.Printf("no key passes 50 %% up to %d× the load\n", n)
			return
		}
		fmt.Printf("first key over 50 %% at %d× the load:\n", n)
		capacity.WriteTable(os.Stdout, r.Over(0.5))
		return
	}
	r, err := capacity.Run(ctx, w)
	if err != nil {
		fmt.Fprintln(os.Stderr, "capacity:", err)
		os.Exit(1)
	}
	capacity.WriteSummary(os.Stdout, w, r, price, *top)
}
