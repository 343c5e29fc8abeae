package operator

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/tilgang/tilgang/internal/tilgang"
)

func countsGroup() Group {
	return Group{Name: "counts", Summary: "check and repair organisations' user counts", Verbs: []Verb{
		{Name: "repair", Summary: "recount users from their items, fix the counters, report differences (exit status 3 if any)",
			Usage: "[--org ID]", Setup: countsRepair},
	}}
}

// countsReport is one organisation's recount.
type countsReport struct {
	OrgID    string     `json:"orgId"`
	Name     string     `json:"name"`
	Counters countsView `json:"counters"` // as the counters held them
	Items    countsView `json:"items"`    // as the user items are
	// Differences are items minus counters, by "total" and status, only
	// where they differ; the repair added them to the counters.
	Differences map[string]int `json:"differences"`
}

// countsRepair recounts the users of one organisation, or of all, with
// store.RecountUsers (issue 18). The recount is exact while no user of the
// organisation changes; run it again until it reports no difference.
func countsRepair(fs *flag.FlagSet) func(context.Context, *Call) error {
	id := fs.String("org", "", "organisation id (default: every organisation)")
	return func(ctx context.Context, c *Call) error {
		env, err := c.Env(ctx)
		if err != nil {
			return err
		}
		a, err := env.App()
		if err != nil {
			return err
		}
		var orgs []*tilgang.Organisation
		if *id != "" {
			_, org, err := c.organisation(ctx, *id)
			if err != nil {
				return err
			}
			orgs = []*tilgang.Organisation{org}
		} else if orgs, err = a.Tenants.Organisations(ctx); err != nil {
			return err
		}
		reports := make([]countsReport, 0, len(orgs))
		differ := 0
		for _, o := range orgs {
			counters, items, err := a.Store.RecountUsers(ctx, o.ID)
			if err != nil {
				return fmt.Errorf("organisation %s: %w", o.ID, err)
			}
			r := countsReport{OrgID: o.ID, Name: o.Name, Counters: countsView(counters), Items: countsView(items), Differences: differences(counters, items)}
			if len(r.Differences) > 0 {
				differ++
			}
			reports = append(reports, r)
		}
		err = c.output(reports, func(w io.Writer) {
			for _, r := range reports {
				if len(r.Differences) == 0 {
					fmt.Fprintf(w, "%s  %s: %d users, counters right\n", r.OrgID, r.Name, r.Items.Total)
					continue
				}
				fmt.Fprintf(w, "%s  %s: %d users, counters were off and are repaired:", r.OrgID, r.Name, r.Items.Total)
				for _, k := range countKeys() {
					if d, ok := r.Differences[k]; ok {
						fmt.Fprintf(w, " %s %+d", k, d)
					}
				}
				fmt.Fprintln(w)
			}
		})
		if err != nil {
			return err
		}
		if differ > 0 {
			return fmt.Errorf("%w: %d of %d organisations had wrong user counts (repaired; run again to confirm)", ErrDifferences, differ, len(reports))
		}
		return nil
	}
}

// countKeys are the names of a count: "total" and every status, in order.
func countKeys() []string {
	keys := []string{"total"}
	for _, st := range tilgang.Statuses {
		keys = append(keys, string(st))
	}
	return keys
}

// differences are items minus counters where they differ.
func differences(counters, items tilgang.UserCounts) map[string]int {
	d := map[string]int{}
	if n := items.Total - counters.Total; n != 0 {
		d["total"] = n
	}
	for _, st := range tilgang.Statuses {
		if n := items.ByStatus[st] - counters.ByStatus[st]; n != 0 {
			d[string(st)] = n
		}
	}
	return d
}

// countsView is a count as the admin API shows it.
type countsView struct {
	Total    int                    `json:"total"`
	ByStatus map[tilgang.Status]int `json:"byStatus"`
}
