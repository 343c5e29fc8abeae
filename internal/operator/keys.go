package operator

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/tilgang/tilgang/internal/app"
	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/keys"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// The keys verbs (SPEC §13 Keys; README, "Keys") call package keys as
// rotation.go's doc comment says. With --local the keys derive from make
// dev's CPR_KEY (keys.FromMaster): nothing to create, rotate or retire
// there, so those verbs refuse; status and reseal work.
func keysGroup() Group {
	return Group{Name: "keys", Summary: "create, count, rotate, re-seal and retire the key secrets", Verbs: []Verb{
		{Name: "init", Summary: "create the four key secrets of a new deployment (before the first deploy)",
			Usage: "--stage STAGE [--id KEY-ID]", Setup: keysInit},
		{Name: "status", Summary: "count the stored CPR copies under each key id, and show the ring",
			Usage: "[--org ID]", Setup: keysStatus},
		{Name: "rotate", Summary: "add a new sealing key, make it current, and restart the functions that read the rings",
			Usage: "--id KEY-ID", Setup: keysRotate},
		{Name: "reseal", Summary: "seal every CPR copy under an old key again to the current key (resumable)",
			Usage: "[--org ID [--from CURSOR]] [--pages N]", Setup: keysReseal},
		{Name: "retire", Summary: "remove an old sealing key from both rings once no copy names it",
			Usage: "--id KEY-ID", Setup: keysRetire},
		{Name: "split", Summary: "make the four key secrets from the single master key of an older deployment",
			Usage: "--master-secret NAME --stage STAGE [--id KEY-ID]", Setup: keysSplit},
	}}
}

// notLocal refuses a verb that changes key secrets against make dev.
func notLocal(c *Call, verb string) error {
	if c.Target.Local {
		return Usagef("with --local every key derives from make dev's CPR_KEY (keys.FromMaster): there are no key secrets to %s; restart make dev for new keys", verb)
	}
	return nil
}

// keyIDFlag declares --id.
func keyIDFlag(fs *flag.FlagSet, what string) *string {
	return fs.String("id", "", what+" (1–32 of a-z 0-9 - .; a month such as 2027-06 makes a good id)")
}

// checkKeyID refuses an id the ring would refuse, before any secret is
// read.
func checkKeyID(id string) error {
	if err := required("id", id); err != nil {
		return err
	}
	if !cpr.ValidKeyID(id) {
		return Usagef("--id %q is not a key id (1–32 of a-z 0-9 - .)", id)
	}
	return nil
}

// created is what init and split report: names, never values.
type created struct {
	Secrets    []string `json:"secrets"`
	CurrentKey string   `json:"currentKey"`
}

func keysInit(fs *flag.FlagSet) func(context.Context, *Call) error {
	stage := fs.String("stage", "", "stage whose secrets to create: tilgang/<stage>/cpr-lookup-key, … (as samconfig.toml names them)")
	id := keyIDFlag(fs, "id of the first sealing key (default: this month, 2006-01)")
	return func(ctx context.Context, c *Call) error {
		return makeSecrets(ctx, c, "create", *stage, *id, func(_ *Env, id string) (keys.Secrets, error) { return keys.NewSecrets(id) })
	}
}

func keysSplit(fs *flag.FlagSet) func(context.Context, *Call) error {
	master := fs.String("master-secret", "", "Secrets Manager name of the old master key (CPR_KEY_SECRET)")
	stage := fs.String("stage", "", "stage whose secrets to create: tilgang/<stage>/cpr-lookup-key, … (as samconfig.toml names them)")
	id := keyIDFlag(fs, "id of the new current sealing key (default: this month, 2006-01)")
	return func(ctx context.Context, c *Call) error {
		if err := required("master-secret", *master); err != nil {
			return err
		}
		return makeSecrets(ctx, c, "split into", *stage, *id, func(env *Env, id string) (keys.Secrets, error) {
			sm := secretsmanager.NewFromConfig(env.AWS)
			name := strings.TrimSpace(*master)
			v, err := readSecret(ctx, sm, keySecret{name: &name, flag: "master-secret", what: "the old master key"})
			if err != nil {
				return keys.Secrets{}, err
			}
			key, err := config.DecodeKey(v)
			if err != nil {
				return keys.Secrets{}, fmt.Errorf("the secret of the old master key (%s): %w", name, err)
			}
			return keys.SplitMaster(key, id)
		})
	}
}

// makeSecrets is init and split: it names the four secrets, makes their
// values with values and creates them, none of which may exist.
func makeSecrets(ctx context.Context, c *Call, verb, stage, id string, values func(env *Env, id string) (keys.Secrets, error)) error {
	if err := notLocal(c, verb); err != nil {
		return err
	}
	if id == "" {
		id = c.Now().UTC().Format("2006-01")
	}
	if err := checkKeyID(id); err != nil {
		return err
	}
	names, err := stageSecrets(c.Target.KeySecrets, strings.TrimSpace(stage))
	if err != nil {
		return err
	}
	c.Target.NoStack = true // the secrets come before the stack
	env, err := c.Env(ctx)
	if err != nil {
		return err
	}
	secrets, err := values(env, id)
	if err != nil {
		return err
	}
	if err := createSecrets(ctx, secretsmanager.NewFromConfig(env.AWS), names, secrets); err != nil {
		return err
	}
	res := created{CurrentKey: id}
	for _, v := range secretValues(names, secrets) {
		res.Secrets = append(res.Secrets, v.name)
	}
	return c.output(res, func(w io.Writer) {
		fmt.Fprintf(w, "created %s\ncurrent sealing key: %s\n", strings.Join(res.Secrets, ", "), id)
		fmt.Fprint(w, "Back up the look-up key and the private ring now (README, \"Back up and restore the keys\").\n")
	})
}

// orgKeyCounts are one organisation's copies by key id.
type orgKeyCounts struct {
	OrgID  string         `json:"orgId"`
	Name   string         `json:"name"`
	Copies map[string]int `json:"copies"`
}

// statusReport is keys status's output.
type statusReport struct {
	Current string   `json:"current"`
	Ring    []string `json:"ring"`
	// Copies are the copies of every organisation shown, by key id;
	// keys.Unreadable counts user records that do not decode.
	Copies        map[string]int `json:"copies"`
	Organisations []orgKeyCounts `json:"organisations"`
	// Missing are key ids copies name that the ring lacks: those copies
	// do not open.
	Missing []string `json:"missing,omitempty"`
}

func keysStatus(fs *flag.FlagSet) func(context.Context, *Call) error {
	id := fs.String("org", "", "organisation id (default: every organisation)")
	return func(ctx context.Context, c *Call) error {
		_, ring, err := c.privateRing(ctx)
		if err != nil {
			return err
		}
		a, orgs, err := c.organisations(ctx, *id)
		if err != nil {
			return err
		}
		r := statusReport{Current: ring.Current(), Ring: ring.IDs(), Organisations: []orgKeyCounts{}}
		var all []map[string]int
		for _, o := range orgs {
			n, err := keys.Count(ctx, a.Store, o.ID)
			if err != nil {
				return fmt.Errorf("organisation %s: %w", o.ID, err)
			}
			all = append(all, n)
			r.Organisations = append(r.Organisations, orgKeyCounts{OrgID: o.ID, Name: o.Name, Copies: n})
		}
		r.Copies = keys.Total(all...)
		for _, k := range slices.Sorted(maps.Keys(r.Copies)) {
			if k != keys.Unreadable && !slices.Contains(r.Ring, k) {
				r.Missing = append(r.Missing, k)
			}
		}
		err = c.output(r, func(w io.Writer) {
			ids := make([]string, len(r.Ring))
			for i, k := range r.Ring {
				ids[i] = k
				if k == r.Current {
					ids[i] += " (current)"
				}
			}
			fmt.Fprintf(w, "ring: %s\n", strings.Join(ids, ", "))
			for _, o := range r.Organisations {
				fmt.Fprintf(w, "%s  %s: %s\n", o.OrgID, o.Name, formatCounts(o.Copies))
			}
			fmt.Fprintf(w, "all: %s\n", formatCounts(r.Copies))
		})
		if err != nil {
			return err
		}
		if len(r.Missing) > 0 {
			return fmt.Errorf("copies name keys the ring lacks (%s): they do not open; put the key back from a backup", strings.Join(r.Missing, ", "))
		}
		return nil
	}
}

// formatCounts shows copies by key id, or "no CPR copies".
func formatCounts(n map[string]int) string {
	if len(n) == 0 {
		return "no CPR copies"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(n)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, n[k]))
	}
	return strings.Join(parts, ", ")
}

// organisations returns the services and the organisation id names, or
// every organisation for "".
func (c *Call) organisations(ctx context.Context, id string) (*app.App, []*tilgang.Organisation, error) {
	if strings.TrimSpace(id) != "" {
		a, org, err := c.organisation(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		return a, []*tilgang.Organisation{org}, nil
	}
	env, err := c.Env(ctx)
	if err != nil {
		return nil, nil, err
	}
	a, err := env.App()
	if err != nil {
		return nil, nil, err
	}
	orgs, err := a.Tenants.Organisations(ctx)
	return a, orgs, err
}

// rotated is what rotate and retire report.
type rotated struct {
	Current   string   `json:"current"`
	Ring      []string `json:"ring"`
	Restarted []string `json:"restarted,omitempty"`
}

func keysRotate(fs *flag.FlagSet) func(context.Context, *Call) error {
	id := keyIDFlag(fs, "id of the new sealing key")
	return func(ctx context.Context, c *Call) error {
		if err := notLocal(c, "rotate"); err != nil {
			return err
		}
		if err := checkKeyID(*id); err != nil {
			return err
		}
		env, ring, err := c.privateRing(ctx)
		if err != nil {
			return err
		}
		priv, pub, err := keys.Rotate(ring, *id)
		if err != nil {
			return err
		}
		if err := putRings(ctx, secretsmanager.NewFromConfig(env.AWS), env.KeySecrets, priv, pub); err != nil {
			return err
		}
		r := rotated{Current: priv.Current(), Ring: priv.IDs()}
		if env.Stack == "" {
			fmt.Fprintln(c.Stderr, "no stack named: make every function that reads a sealing ring start afresh yourself (e.g. sam deploy) before tilgang keys reseal")
		} else if r.Restarted, err = restartFunctions(ctx, env, "sealing key "+*id); err != nil {
			return fmt.Errorf("the rings are stored, but %w; restart the functions (e.g. sam deploy) before tilgang keys reseal", err)
		}
		return c.output(r, func(w io.Writer) {
			fmt.Fprintf(w, "current sealing key: %s (ring: %s)\n", r.Current, strings.Join(r.Ring, ", "))
			if len(r.Restarted) > 0 {
				fmt.Fprintf(w, "restarted: %s\n", strings.Join(r.Restarted, ", "))
			}
			fmt.Fprint(w, "Back up the private ring now, then run tilgang keys reseal.\n")
		})
	}
}

func keysRetire(fs *flag.FlagSet) func(context.Context, *Call) error {
	id := fs.String("id", "", "id of the old sealing key to remove (v1 for copies of the first format)")
	return func(ctx context.Context, c *Call) error {
		if err := notLocal(c, "retire"); err != nil {
			return err
		}
		if err := required("id", *id); err != nil {
			return err
		}
		env, ring, err := c.privateRing(ctx)
		if err != nil {
			return err
		}
		a, orgs, err := c.organisations(ctx, "")
		if err != nil {
			return err
		}
		var all []map[string]int
		for _, o := range orgs {
			n, err := keys.Count(ctx, a.Store, o.ID)
			if err != nil {
				return fmt.Errorf("organisation %s: %w", o.ID, err)
			}
			all = append(all, n)
		}
		priv, pub, err := keys.Retire(ring, *id, keys.Total(all...))
		if err != nil {
			return err
		}
		if err := putRings(ctx, secretsmanager.NewFromConfig(env.AWS), env.KeySecrets, priv, pub); err != nil {
			return err
		}
		r := rotated{Current: priv.Current(), Ring: priv.IDs()}
		return c.output(r, func(w io.Writer) {
			fmt.Fprintf(w, "retired %s (ring: %s)\n", *id, strings.Join(r.Ring, ", "))
		})
	}
}

// resealed is one organisation's re-seal.
type resealed struct {
	OrgID string `json:"orgId"`
	Name  string `json:"name"`
	keys.Progress
}

func keysReseal(fs *flag.FlagSet) func(context.Context, *Call) error {
	id := fs.String("org", "", "organisation id (default: every organisation)")
	from := fs.String("from", "", "cursor to resume from, as printed (needs --org)")
	pages := fs.Int("pages", 0, "pages of users per organisation before stopping (0: all)")
	return func(ctx context.Context, c *Call) error {
		if *from != "" && *id == "" {
			return Usagef("--from resumes one organisation's walk: give --org too")
		}
		if *pages < 0 {
			return Usagef("--pages must be 0 (all) or more")
		}
		_, ring, err := c.privateRing(ctx)
		if err != nil {
			return err
		}
		a, orgs, err := c.organisations(ctx, *id)
		if err != nil {
			return err
		}
		r, err := keys.NewResealer(a.Store, ring)
		if err != nil {
			return err
		}
		var out []resealed
		var walkErr error
		for _, o := range orgs {
			p, err := r.Reseal(ctx, o.ID, *from, *pages)
			out = append(out, resealed{OrgID: o.ID, Name: o.Name, Progress: p})
			if err != nil {
				walkErr = fmt.Errorf("organisation %s: %w; resume with --org %s --from %q", o.ID, err, o.ID, p.Cursor)
				break
			}
		}
		if out == nil {
			out = []resealed{}
		}
		err = c.output(out, func(w io.Writer) {
			for _, p := range out {
				fmt.Fprintf(w, "%s  %s: %d copies, %d already current, %d re-sealed", p.OrgID, p.Name, p.Examined, p.Current, p.Resealed)
				if !p.Done() {
					fmt.Fprintf(w, "; not done: resume with --org %s --from %q", p.OrgID, p.Cursor)
				}
				fmt.Fprintln(w)
				if len(p.Changed) > 0 {
					fmt.Fprintf(w, "  changed under the walk, left for the next: %s\n", strings.Join(p.Changed, ", "))
				}
				if len(p.Unopenable) > 0 {
					fmt.Fprintf(w, "  open with no key of the ring: %s\n", strings.Join(p.Unopenable, ", "))
				}
				if len(p.Unreadable) > 0 {
					fmt.Fprintf(w, "  user records that do not decode: %s\n", strings.Join(p.Unreadable, ", "))
				}
			}
		})
		return resealOutcome(out, walkErr, err)
	}
}

// resealOutcome is the error of a re-seal walk: the walk's own, then
// copies left under old keys (exit 1), then a walk stopped by --pages
// (ErrMore).
func resealOutcome(out []resealed, walkErr, printErr error) error {
	if walkErr != nil || printErr != nil {
		return errors.Join(walkErr, printErr)
	}
	left, unreadable, more := 0, 0, false
	for _, p := range out {
		left += p.Left()
		unreadable += len(p.Unreadable)
		more = more || !p.Done()
	}
	switch {
	case left > 0 || unreadable > 0:
		return fmt.Errorf("%d copies stay under an old key and %d user records do not decode: run the re-seal again (changed users), and repair the rest before keys retire", left, unreadable)
	case more:
		return fmt.Errorf("%w: resume from the printed cursor", ErrMore)
	}
	return nil
}

// privateRing connects to the stack and reads its private sealing ring,
// which every keys verb but init and split starts from.
func (c *Call) privateRing(ctx context.Context) (*Env, *cpr.Ring, error) {
	env, err := c.Env(ctx)
	if err != nil {
		return nil, nil, err
	}
	set, err := env.Keys(ctx, config.Need{OpenKey: true})
	if err != nil {
		return nil, nil, err
	}
	return env, set.OpenKey, nil
}
