// Package operator is the operator command tilgang (SPEC §13): the steps
// an operator takes on a stack that no API offers, such as creating an
// organisation and inviting its first administrator, minting its tokens,
// repairing its user counts and re-driving a stuck import.
//
// A command line is "tilgang <group> <verb> [flags]". Every verb takes
// --help, --json (output for scripts) and the flags that find the stack
// (Target): a deployed SAM stack by its outputs, explicit names, or the
// stack of a running make dev (--local). Run does the whole command
// without a process of its own, so tests drive it as the binary would;
// infra/tilgang only wires it.
package operator

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Deps are what Run needs from outside. The zero value is not usable:
// Connect is required.
type Deps struct {
	// Connect finds the stack a command's target flags name and returns
	// its environment; Run calls it only for verbs that reach the stack,
	// and at most once per command. Connect (the function of this
	// package) is the one the binary uses.
	Connect func(ctx context.Context, t Target) (*Env, error)
	// Groups are verb groups besides the built-in ones, e.g. keys, mail
	// and migrate: their packages provide them, infra/tilgang adds them.
	Groups []Group
	// Now is the clock of expiries and reports; nil means time.Now.
	Now func() time.Time
}

// A Group is a noun and its verbs: tilgang <group> <verb>.
type Group struct {
	Name, Summary string
	Verbs         []Verb
}

// A Verb is one command. Setup declares the verb's own flags on fs and
// returns the function that runs the verb once the flags are parsed; the
// common flags (--json and the target) are declared by Run.
type Verb struct {
	Name, Summary string
	// Usage is the synopsis after "tilgang <group> <verb>", such as
	// "--org ID --email ADDRESS --name NAME".
	Usage string
	Setup func(fs *flag.FlagSet) func(ctx context.Context, c *Call) error
}

// ErrUsage is matched by every error in the command line itself (exit
// status 2), as opposed to a failure of the work (exit status 1).
var ErrUsage = errors.New("usage error")

// ErrDifferences is matched by the error of a check that found something
// to repair and repaired it (exit status 3), so a script can tell "all
// was well" from "it was not, and now is".
var ErrDifferences = errors.New("differences found")

// ErrMore is matched by the error of a verb that did part of its work
// and stopped at a bound (exit status 4): run it again to go on.
var ErrMore = errors.New("more remains")

// usageError is an ErrUsage with its message.
type usageError struct{ msg string }

func (e *usageError) Error() string        { return e.msg }
func (e *usageError) Is(target error) bool { return target == ErrUsage }

// Usagef returns an ErrUsage error: for verbs' own checks of their flags.
func Usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// ExitCode is the process's exit status for Run's error: 0 for none, 2
// for a usage error (a flag missing or malformed, or a value the domain
// refuses, such as a CVR number of 7 digits), 3 for ErrDifferences, 4 for
// ErrMore, 1 for anything else.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrUsage):
		return 2
	case errors.Is(err, ErrDifferences):
		return 3
	case errors.Is(err, ErrMore):
		return 4
	default:
		return 1
	}
}

// Call is one running verb: its output, its common flags and its
// connection to the stack.
type Call struct {
	Stdout, Stderr io.Writer
	// JSON asks for output for scripts: one JSON document on Stdout.
	JSON   bool
	Target Target
	deps   Deps
	env    *Env
}

// Env connects to the stack the target names, once.
func (c *Call) Env(ctx context.Context) (*Env, error) {
	if c.env == nil {
		env, err := c.deps.Connect(ctx, c.Target)
		if err != nil {
			return nil, err
		}
		c.env = env
	}
	return c.env, nil
}

// Now is the command's clock.
func (c *Call) Now() time.Time {
	if c.deps.Now != nil {
		return c.deps.Now()
	}
	return time.Now()
}

// Run runs the command line args (without the program name), writing its
// results to stdout and its help to stdout when asked for and to stderr
// with a usage error. See ExitCode for what the error means to the
// process.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, deps Deps) error {
	groups := append(builtinGroups(), deps.Groups...)
	if len(args) == 0 {
		printTop(stderr, groups)
		return Usagef("tilgang: give a command")
	}
	if isHelp(args[0]) {
		printTop(stdout, groups)
		return nil
	}
	g := findGroup(groups, args[0])
	if g == nil {
		return Usagef("tilgang: unknown command %q; see tilgang --help", args[0])
	}
	if len(args) == 1 || isHelp(args[1]) {
		w := stdout
		if len(args) == 1 {
			w = stderr
		}
		printGroup(w, g)
		if len(args) == 1 {
			return Usagef("tilgang %s: give a verb (%s)", g.Name, verbNames(g))
		}
		return nil
	}
	v := findVerb(g, args[1])
	if v == nil {
		return Usagef("tilgang %s: unknown verb %q (%s); see tilgang %s --help", g.Name, args[1], verbNames(g), g.Name)
	}
	name := "tilgang " + g.Name + " " + v.Name
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned, help is printed below
	run := v.Setup(fs)
	own := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { own[f.Name] = true })
	c := &Call{Stdout: stdout, Stderr: stderr, deps: deps}
	fs.BoolVar(&c.JSON, "json", false, "print one JSON document for scripts")
	c.Target.flags(fs)
	switch err := fs.Parse(args[2:]); {
	case errors.Is(err, flag.ErrHelp):
		printVerb(stdout, name, v, fs, own)
		return nil
	case err != nil:
		return Usagef("%s: %v; see %s --help", name, err, name)
	case fs.NArg() > 0:
		return Usagef("%s: unexpected argument %q (flags only); see %s --help", name, fs.Arg(0), name)
	}
	if err := run(ctx, c); err != nil {
		var invalid *tilgang.Error
		if errors.Is(err, ErrUsage) || errors.As(err, &invalid) && invalid.Kind == tilgang.KindInvalid {
			return Usagef("%s: %v; see %s --help", name, err, name)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

func findGroup(groups []Group, name string) *Group {
	for i := range groups {
		if groups[i].Name == name {
			return &groups[i]
		}
	}
	return nil
}

func findVerb(g *Group, name string) *Verb {
	for i := range g.Verbs {
		if g.Verbs[i].Name == name {
			return &g.Verbs[i]
		}
	}
	return nil
}

func verbNames(g *Group) string {
	names := make([]string, len(g.Verbs))
	for i, v := range g.Verbs {
		names[i] = v.Name
	}
	return strings.Join(names, ", ")
}

func printTop(w io.Writer, groups []Group) {
	fmt.Fprint(w, "tilgang: the operator command (SPEC §13)\n\nUsage: tilgang <command> <verb> [flags]\n\nCommands:\n")
	for _, g := range groups {
		fmt.Fprintf(w, "  %-8s %s\n", g.Name, g.Summary)
	}
	fmt.Fprint(w, "\nEvery verb takes --help, --json, and the flags that find the stack:\n"+
		"  --local                     the stack of a running make dev (.local/dev.json)\n"+
		"  --stack NAME --region R     a deployed SAM stack, by its outputs (default: samconfig.toml)\n"+
		"  --table NAME --bucket NAME  explicit names instead of stack outputs\n")
}

func printGroup(w io.Writer, g *Group) {
	fmt.Fprintf(w, "tilgang %s: %s\n\nVerbs:\n", g.Name, g.Summary)
	for _, v := range g.Verbs {
		fmt.Fprintf(w, "  %-14s %s\n", v.Name, v.Summary)
	}
	fmt.Fprintf(w, "\nSee tilgang %s <verb> --help.\n", g.Name)
}

func printVerb(w io.Writer, name string, v *Verb, fs *flag.FlagSet, own map[string]bool) {
	fmt.Fprintf(w, "%s: %s\n\nUsage: %s %s\n", name, v.Summary, name, v.Usage)
	if len(own) > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		printFlags(w, fs, func(n string) bool { return own[n] })
	}
	fmt.Fprint(w, "\nOutput and stack (every verb):\n")
	printFlags(w, fs, func(n string) bool { return !own[n] })
}

func printFlags(w io.Writer, fs *flag.FlagSet, include func(name string) bool) {
	fs.VisitAll(func(f *flag.Flag) {
		if !include(f.Name) {
			return
		}
		typ, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if typ != "" {
			line += " " + typ
		}
		fmt.Fprintf(w, "%s\n        %s", line, usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// builtinGroups are this package's verbs. The keys and mail verbs are
// here too: they need the command's connection (Env), and the packages
// they call cannot import this one. Deps.Groups adds more.
func builtinGroups() []Group {
	return []Group{orgGroup(), tokenGroup(), countsGroup(), importGroup(), keysGroup(), mailGroup(), migrateGroup()}
}
