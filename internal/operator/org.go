package operator

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tilgang/tilgang/internal/app"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
)

func orgGroup() Group {
	return Group{Name: "org", Summary: "create, list, show, update, disable organisations; invite their first administrator", Verbs: []Verb{
		{Name: "create", Summary: "create an organisation", Usage: "--name NAME --cvr 12345678 --ial 3|4 [--ean N,…] [--p-number N,…] [--se-number N,…] [settings]", Setup: orgCreate},
		{Name: "list", Summary: "list every organisation", Usage: "", Setup: orgList},
		{Name: "show", Summary: "show an organisation with its user counts", Usage: "--org ID", Setup: orgShow},
		{Name: "update", Summary: "change the fields given, leave the rest", Usage: "--org ID [--name …] [--cvr …] [--ial …] [--ean …] [settings]", Setup: orgUpdate},
		{Name: "disable", Summary: "stop every token and link of an organisation (its data stays)", Usage: "--org ID", Setup: orgDisable(true)},
		{Name: "enable", Summary: "let a disabled organisation's tokens and links work again", Usage: "--org ID", Setup: orgDisable(false)},
		{Name: "invite-admin", Summary: "mail an organisation's first administrator a company-admin invitation", Usage: "--org ID --email ADDRESS --name NAME", Setup: orgInviteAdmin},
	}}
}

// orgFlags are the flags of an organisation's fields, shared by create
// and update.
type orgFlags struct {
	name, cvr, language                    string
	ial, maxAdmins                         int
	ean, pNumbers, seNumbers, adminEmails  listFlag
	anonymous, referenceText, privateMitID bool
}

func (f *orgFlags) declare(fs *flag.FlagSet) {
	fs.StringVar(&f.name, "name", "", "the organisation's name, as mail and pages show it")
	fs.StringVar(&f.cvr, "cvr", "", "CVR number (8 digits)")
	fs.IntVar(&f.ial, "ial", 0, "highest identity assurance level of its users: 3 (substantial) or 4 (high)")
	fs.Var(&f.ean, "ean", "EAN numbers (13 digits), comma-separated or repeated")
	fs.Var(&f.pNumbers, "p-number", "P-numbers (10 digits), comma-separated or repeated")
	fs.Var(&f.seNumbers, "se-number", "SE-numbers (8 digits), comma-separated or repeated")
	fs.Var(&f.adminEmails, "admin-email", "addresses that get the organisation's admin notifications, comma-separated or repeated")
	fs.StringVar(&f.language, "language", "", `language of mail and pages: "da" (default) or "en"`)
	fs.IntVar(&f.maxAdmins, "max-admins", 0, "licence limit on users with an admin role (0: none)")
	fs.BoolVar(&f.anonymous, "allow-anonymous", false, "allow anonymous users")
	fs.BoolVar(&f.referenceText, "reference-text", false, "enable users' reference text")
	fs.BoolVar(&f.privateMitID, "allow-private-mitid", false, "allow the login means PrivatID")
}

// apply copies the flags that were given onto the settings and
// registration, and says how many it copied.
func (f *orgFlags) apply(fs *flag.FlagSet, in *tenants.Settings, reg *tenants.Registration) (n int) {
	fs.Visit(func(fl *flag.Flag) {
		n++
		switch fl.Name {
		case "name":
			in.Name = f.name
		case "cvr":
			reg.CVR = f.cvr
		case "ial":
			reg.IAL = f.ial
		case "max-admins":
			reg.MaxAdmins = f.maxAdmins
		case "ean":
			in.EANNumbers = f.ean.values
		case "p-number":
			in.PNumbers = f.pNumbers.values
		case "se-number":
			in.SENumbers = f.seNumbers.values
		case "admin-email":
			in.AdminEmails = f.adminEmails.values
		case "language":
			in.Language = f.language
		case "allow-anonymous":
			in.AllowAnonymous = f.anonymous
		case "reference-text":
			in.ReferenceTextEnabled = f.referenceText
		case "allow-private-mitid":
			in.AllowPrivateMitID = f.privateMitID
		default:
			n-- // --org and the common flags
		}
	})
	return n
}

func orgCreate(fs *flag.FlagSet) func(context.Context, *Call) error {
	var f orgFlags
	f.declare(fs)
	return func(ctx context.Context, c *Call) error {
		if err := required("name", f.name, "cvr", f.cvr); err != nil {
			return err
		}
		if f.ial == 0 {
			return Usagef("--ial is required (3 or 4)")
		}
		var in tenants.Settings
		var reg tenants.Registration
		f.apply(fs, &in, &reg)
		env, err := c.Env(ctx)
		if err != nil {
			return err
		}
		a, err := env.App()
		if err != nil {
			return err
		}
		org, err := a.Tenants.Register(ctx, in, reg)
		if err != nil {
			return err
		}
		return c.output(viewOrg(org, nil), func(w io.Writer) {
			fmt.Fprintf(w, "created %s (%s)\nnext: tilgang org invite-admin --org %s --email … --name …\n", org.Name, org.ID, org.ID)
		})
	}
}

func orgList(fs *flag.FlagSet) func(context.Context, *Call) error {
	return func(ctx context.Context, c *Call) error {
		env, err := c.Env(ctx)
		if err != nil {
			return err
		}
		a, err := env.App()
		if err != nil {
			return err
		}
		orgs, err := a.Tenants.Organisations(ctx)
		if err != nil {
			return err
		}
		views := make([]orgView, len(orgs))
		for i, o := range orgs {
			views[i] = viewOrg(o, nil)
		}
		return c.output(views, func(w io.Writer) {
			fmt.Fprintf(w, "%-36s  %-8s  %-3s  %-8s  %s\n", "ID", "CVR", "IAL", "STATUS", "NAME")
			for _, v := range views {
				fmt.Fprintf(w, "%-36s  %-8s  %-3d  %-8s  %s\n", v.ID, v.CVR, v.IAL, v.Status, v.Name)
			}
		})
	}
}

func orgShow(fs *flag.FlagSet) func(context.Context, *Call) error {
	id := fs.String("org", "", "organisation id")
	return func(ctx context.Context, c *Call) error {
		a, org, err := c.organisation(ctx, *id)
		if err != nil {
			return err
		}
		counts, err := a.Store.UserCounts(ctx, org.ID)
		if err != nil {
			return err
		}
		v := viewOrg(org, &counts)
		return c.output(v, func(w io.Writer) { v.print(w) })
	}
}

func orgUpdate(fs *flag.FlagSet) func(context.Context, *Call) error {
	id := fs.String("org", "", "organisation id")
	var f orgFlags
	f.declare(fs)
	return func(ctx context.Context, c *Call) error {
		if f.apply(fs, &tenants.Settings{}, &tenants.Registration{}) == 0 {
			return Usagef("give at least one field to change")
		}
		a, org, err := c.organisation(ctx, *id)
		if err != nil {
			return err
		}
		updated, err := tilgang.RetryStale(ctx, func() (*tilgang.Organisation, error) {
			cur, err := a.Tenants.Organisation(ctx, org.ID)
			if err != nil {
				return nil, err
			}
			in, reg := tenants.SettingsOf(cur), tenants.RegistrationOf(cur)
			f.apply(fs, &in, &reg)
			return a.Tenants.Reconfigure(ctx, cur, in, reg)
		})
		if err != nil {
			return err
		}
		v := viewOrg(updated, nil)
		return c.output(v, func(w io.Writer) { fmt.Fprintf(w, "updated %s (%s), version %d\n", v.Name, v.ID, v.Version) })
	}
}

func orgDisable(disabled bool) func(fs *flag.FlagSet) func(context.Context, *Call) error {
	return func(fs *flag.FlagSet) func(context.Context, *Call) error {
		id := fs.String("org", "", "organisation id")
		return func(ctx context.Context, c *Call) error {
			a, org, err := c.organisation(ctx, *id)
			if err != nil {
				return err
			}
			updated, err := tilgang.RetryStale(ctx, func() (*tilgang.Organisation, error) {
				cur, err := a.Tenants.Organisation(ctx, org.ID)
				if err != nil {
					return nil, err
				}
				return a.Tenants.SetDisabled(ctx, cur, disabled)
			})
			if err != nil {
				return err
			}
			v := viewOrg(updated, nil)
			return c.output(v, func(w io.Writer) {
				if disabled {
					// Warm SCIM functions remember a checked token for
					// app.SCIMTokenTTL.
					fmt.Fprintf(w, "disabled %s (%s) at %s: its tokens and links open nothing (SCIM within 15 s)\n", v.Name, v.ID, formatTime(updated.DisabledAt))
					return
				}
				fmt.Fprintf(w, "enabled %s (%s)\n", v.Name, v.ID)
			})
		}
	}
}

// organisation connects and reads the organisation of --org.
func (c *Call) organisation(ctx context.Context, id string) (*app.App, *tilgang.Organisation, error) {
	if err := required("org", id); err != nil {
		return nil, nil, err
	}
	env, err := c.Env(ctx)
	if err != nil {
		return nil, nil, err
	}
	a, err := env.App()
	if err != nil {
		return nil, nil, err
	}
	org, err := a.Tenants.Organisation(ctx, strings.TrimSpace(id))
	if err != nil {
		return nil, nil, fmt.Errorf("organisation %s: %w", id, err)
	}
	return a, org, nil
}

// orgView is an organisation as the command prints it.
type orgView struct {
	ID                   string      `json:"id"`
	Name                 string      `json:"name"`
	CVR                  string      `json:"cvr"`
	IAL                  int         `json:"ial"`
	EANNumbers           []string    `json:"eanNumbers"`
	PNumbers             []string    `json:"pNumbers"`
	SENumbers            []string    `json:"seNumbers"`
	AllowAnonymous       bool        `json:"allowAnonymous"`
	ReferenceTextEnabled bool        `json:"referenceTextEnabled"`
	AllowPrivateMitID    bool        `json:"allowPrivateMitID"`
	MaxAdmins            int         `json:"maxAdmins"`
	Language             string      `json:"language"`
	AdminEmails          []string    `json:"adminEmails"`
	Status               string      `json:"status"` // enabled or disabled
	DisabledAt           *time.Time  `json:"disabledAt,omitempty"`
	CreatedAt            time.Time   `json:"createdAt"`
	UpdatedAt            time.Time   `json:"updatedAt"`
	Version              int64       `json:"version"`
	Users                *countsView `json:"users,omitempty"`
}

func viewOrg(o *tilgang.Organisation, counts *tilgang.UserCounts) orgView {
	nonNil := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	v := orgView{
		ID: o.ID, Name: o.Name, CVR: o.CVR, IAL: o.IAL,
		EANNumbers: nonNil(o.EANNumbers), PNumbers: nonNil(o.PNumbers), SENumbers: nonNil(o.SENumbers),
		AllowAnonymous: o.AllowAnonymous, ReferenceTextEnabled: o.ReferenceTextEnabled, AllowPrivateMitID: o.AllowPrivateMitID,
		MaxAdmins: o.MaxAdmins, Language: o.Language, AdminEmails: nonNil(o.AdminEmails), Status: "enabled",
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Version: o.Version,
	}
	if counts != nil {
		cv := countsView(*counts)
		v.Users = &cv
	}
	if o.Disabled() {
		at := o.DisabledAt
		v.Status, v.DisabledAt = "disabled", &at
	}
	return v
}

func (v orgView) print(w io.Writer) {
	line := func(k string, val any) { fmt.Fprintf(w, "%-22s %v\n", k, val) }
	line("id", v.ID)
	line("name", v.Name)
	line("cvr", v.CVR)
	line("ial", v.IAL)
	line("ean numbers", strings.Join(v.EANNumbers, ", "))
	line("p-numbers", strings.Join(v.PNumbers, ", "))
	line("se-numbers", strings.Join(v.SENumbers, ", "))
	line("allow anonymous", v.AllowAnonymous)
	line("reference text", v.ReferenceTextEnabled)
	line("allow private MitID", v.AllowPrivateMitID)
	line("max admins", v.MaxAdmins)
	line("language", v.Language)
	line("admin e-mails", strings.Join(v.AdminEmails, ", "))
	line("status", v.Status)
	line("created", formatTime(v.CreatedAt))
	line("updated", formatTime(v.UpdatedAt))
	if v.Users != nil {
		line("users", v.Users.Total)
		for _, st := range tilgang.Statuses {
			line("  "+string(st), v.Users.ByStatus[st])
		}
	}
}
