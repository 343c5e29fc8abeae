package operator

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/tilgang/tilgang/internal/mail"
)

func mailGroup() Group {
	return Group{Name: "mail", Summary: "re-send mail stuck in the outbox", Verbs: []Verb{
		{Name: "redrive", Summary: "write stuck outbox items again so the mailer sends them (exit status 4 if more remain)",
			Usage: "[--failed] [--limit N]", Setup: mailRedrive},
	}}
}

// redriveCounts are mail.RedriveResult as the command prints it.
type redriveCounts struct {
	Redriven int  `json:"redriven"`
	NotDue   int  `json:"notDue"`
	Taken    int  `json:"taken"`
	GivenUp  int  `json:"givenUp"`
	More     bool `json:"more"`
}

// mailRedrive runs mail.Redrive once, as a scheduler tick does, or with
// --failed for the mail SES refused for good once its cause is fixed
// (README, "Mail that cannot vanish").
func mailRedrive(fs *flag.FlagSet) func(context.Context, *Call) error {
	failed := fs.Bool("failed", false, "re-drive the mail marked failed (e.g. refused while the sender was unverified), once each, instead of pending mail")
	limit := fs.Int("limit", 0, "outbox items to look at in this call (0: 1000)")
	return func(ctx context.Context, c *Call) error {
		if *limit < 0 {
			return Usagef("--limit must be 0 (the default, 1000) or more")
		}
		env, err := c.Env(ctx)
		if err != nil {
			return err
		}
		a, err := env.App()
		if err != nil {
			return err
		}
		res, redriveErr := mail.Redrive(ctx, a.Store, c.Now(), mail.RedriveOptions{Failed: *failed, Limit: *limit})
		r := redriveCounts(res)
		err = c.output(r, func(w io.Writer) {
			fmt.Fprintf(w, "re-driven %d, not due yet %d, being sent or done %d, given up (undelivered) %d\n", r.Redriven, r.NotDue, r.Taken, r.GivenUp)
		})
		if err := errors.Join(redriveErr, err); err != nil {
			return err
		}
		if r.More {
			return fmt.Errorf("%w: --limit reached; run again to go on", ErrMore)
		}
		return nil
	}
}
