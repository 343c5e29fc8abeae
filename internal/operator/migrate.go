package operator

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/tilgang/tilgang/internal/store"
)

func migrateGroup() Group {
	return Group{Name: "migrate", Summary: "migrate stored data after a release", Verbs: []Verb{
		{Name: "folds", Summary: "move userName guards to the NFKC fold (store.RefoldGuards)",
			Usage: "[--org ID]", Setup: migrateFolds},
		{Name: "schedule", Summary: "move schedule entries to the day's shards (store.MigrateSchedule)",
			Usage: "[--org ID]", Setup: migrateSchedule},
		{Name: "signins", Summary: "index administrators' addresses for console sign-in (store.IndexSignIns)",
			Usage: "[--org ID]", Setup: migrateSignIns},
	}}
}

// refolded is one organisation's store.RefoldReport.
type refolded struct {
	OrgID string `json:"orgId"`
	Name  string `json:"name"`
	store.RefoldReport
}

func migrateFolds(fs *flag.FlagSet) func(context.Context, *Call) error {
	id := fs.String("org", "", "organisation id (default: every organisation)")
	return func(ctx context.Context, c *Call) error {
		a, orgs, err := c.organisations(ctx, *id)
		if err != nil {
			return err
		}
		out, left := []refolded{}, 0
		for _, o := range orgs {
			rep, err := a.Store.RefoldGuards(ctx, o.ID)
			if err != nil {
				return fmt.Errorf("organisation %s: %w", o.ID, err)
			}
			out = append(out, refolded{OrgID: o.ID, Name: o.Name, RefoldReport: rep})
			left += len(rep.Collisions) + len(rep.Retry)
		}
		err = c.output(out, func(w io.Writer) {
			for _, r := range out {
				fmt.Fprintf(w, "%s  %s: %d users, %d moved, %d unchanged, %d collisions, %d to retry\n",
					r.OrgID, r.Name, r.Users, r.Moved, r.Unchanged, len(r.Collisions), len(r.Retry))
				for _, col := range r.Collisions {
					fmt.Fprintf(w, "  user %s folds to the name user %s holds: rename or delete one, then run again\n", col.UserID, col.HolderID)
				}
			}
		})
		if err != nil {
			return err
		}
		if left > 0 {
			return fmt.Errorf("%d users left under the old fold (collisions to resolve, or changed while read): run again", left)
		}
		return nil
	}
}

// rescheduled is one organisation's store.ScheduleReport.
type rescheduled struct {
	OrgID string `json:"orgId"`
	Name  string `json:"name"`
	store.ScheduleReport
}

// migrateSchedule moves the entries of the unsharded schedule (SCHED#<day>)
// to their shards. Safe while the stack runs: the scheduler reads both
// until it is done, and a second run moves nothing.
func migrateSchedule(fs *flag.FlagSet) func(context.Context, *Call) error {
	id := fs.String("org", "", "organisation id (default: every organisation)")
	return func(ctx context.Context, c *Call) error {
		a, orgs, err := c.organisations(ctx, *id)
		if err != nil {
			return err
		}
		out := []rescheduled{}
		for _, o := range orgs {
			rep, err := a.Store.MigrateSchedule(ctx, o.ID)
			if err != nil {
				return fmt.Errorf("organisation %s: %w", o.ID, err)
			}
			out = append(out, rescheduled{OrgID: o.ID, Name: o.Name, ScheduleReport: rep})
		}
		return c.output(out, func(w io.Writer) {
			for _, r := range out {
				fmt.Fprintf(w, "%s  %s: %d users, %d entries, %d moved to their shards, %d re-read after a change\n",
					r.OrgID, r.Name, r.Users, r.Entries, r.Moved, r.Retries)
			}
		})
	}
}

// migrateSignIns indexes the addresses of administrators stored before the
// console, so that they can sign in to it.
func migrateSignIns(fs *flag.FlagSet) func(context.Context, *Call) error {
	id := fs.String("org", "", "organisation id (default: every organisation)")
	return func(ctx context.Context, c *Call) error {
		a, orgs, err := c.organisations(ctx, *id)
		if err != nil {
			return err
		}
		type indexed struct {
			OrgID  string `json:"orgId"`
			Name   string `json:"name"`
			Admins int    `json:"admins"`
		}
		out := []indexed{}
		for _, o := range orgs {
			n, err := a.Store.IndexSignIns(ctx, o.ID)
			if err != nil {
				return fmt.Errorf("organisation %s: %w", o.ID, err)
			}
			out = append(out, indexed{OrgID: o.ID, Name: o.Name, Admins: n})
		}
		return c.output(out, func(w io.Writer) {
			for _, r := range out {
				fmt.Fprintf(w, "%s  %s: %d administrators can sign in to the console\n", r.OrgID, r.Name, r.Admins)
			}
		})
	}
}
