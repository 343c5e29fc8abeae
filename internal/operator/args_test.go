package operator_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/operator"
)

// noStack is a Connect for command lines that must fail before they
// reach a stack.
func noStack(t *testing.T) func(context.Context, operator.Target) (*operator.Env, error) {
	return func(context.Context, operator.Target) (*operator.Env, error) {
		t.Error("the command connected to a stack")
		return nil, errors.New("no stack in this test")
	}
}

func TestArgumentErrors(t *testing.T) {
	t.Parallel()
	org := "0b6f7c1e-5d2a-4c3b-9e8f-000000000001"
	tests := []struct {
		name string
		args []string
		want string // in the error
	}{
		{"nothing", nil, "give a command"},
		{"unknown command", []string{"orgs"}, `unknown command "orgs"`},
		{"group without verb", []string{"org"}, "give a verb"},
		{"unknown verb", []string{"org", "delete"}, `unknown verb "delete"`},
		{"unknown flag", []string{"org", "list", "--colour"}, "flag provided but not defined: -colour"},
		{"positional argument", []string{"org", "show", "acme"}, `unexpected argument "acme"`},
		{"create without anything", []string{"org", "create"}, "--name, --cvr are required"},
		{"create without cvr", []string{"org", "create", "--name", "Acme"}, "--cvr is required"},
		{"create without ial", []string{"org", "create", "--name", "Acme", "--cvr", "12345678"}, "--ial is required"},
		{"ial not a number", []string{"org", "create", "--ial", "high"}, "invalid value"},
		{"show without org", []string{"org", "show"}, "--org is required"},
		{"update without change", []string{"org", "update", "--org", org}, "give at least one field"},
		{"disable without org", []string{"org", "disable"}, "--org is required"},
		{"invite without email", []string{"org", "invite-admin", "--org", org, "--name", "Anna"}, "--email is required"},
		{"invite with bad expiry", []string{"org", "invite-admin", "--org", org, "--email", "a@b.dk", "--name", "A", "--token-expires", "soon"}, "--token-expires"},
		{"invite with a name of many lines", []string{"org", "invite-admin", "--org", org, "--email", "a@b.dk", "--name", "A\nB"}, "--name"},
		{"token without kind", []string{"token", "create", "--org", org, "--name", "Entra"}, "--kind is required"},
		{"token with bad expiry", []string{"token", "create", "--org", org, "--name", "Entra", "--kind", "scim", "--expires", "-3d"}, "--expires"},
		{"revoke without id", []string{"token", "revoke", "--org", org}, "--id is required"},
		{"redrive without import", []string{"import", "redrive", "--org", org}, "--import is required"},
		{"redrive with a bad import id", []string{"import", "redrive", "--org", org, "--import", "x"}, "not an import id"},
		{"keys init locally", []string{"keys", "init", "--local", "--stage", "dev"}, "no key secrets to create"},
		{"keys rotate locally", []string{"keys", "rotate", "--local", "--id", "2027-06"}, "no key secrets to rotate"},
		{"keys retire locally", []string{"keys", "retire", "--local", "--id", "local-1"}, "no key secrets to retire"},
		{"keys split locally", []string{"keys", "split", "--local", "--master-secret", "m", "--stage", "dev"}, "no key secrets to split into"},
		{"keys init without names", []string{"keys", "init"}, "give --stage"},
		{"keys init with a bad stage", []string{"keys", "init", "--stage", "dev/x"}, "a stage is"},
		{"keys init with a bad id", []string{"keys", "init", "--stage", "dev", "--id", "June 2027"}, "not a key id"},
		{"keys rotate without id", []string{"keys", "rotate", "--stack", "s"}, "--id is required"},
		{"keys rotate with a bad id", []string{"keys", "rotate", "--id", "2027/06"}, "not a key id"},
		{"keys retire without id", []string{"keys", "retire"}, "--id is required"},
		{"keys split without master", []string{"keys", "split", "--stage", "dev"}, "--master-secret is required"},
		{"keys reseal from without org", []string{"keys", "reseal", "--from", "abc"}, "give --org too"},
		{"keys reseal negative pages", []string{"keys", "reseal", "--pages", "-1"}, "--pages"},
		{"keys status positional", []string{"keys", "status", "all"}, `unexpected argument "all"`},
		{"old key flag", []string{"keys", "status", "--key-secret", "x"}, "flag provided but not defined: -key-secret"},
		{"mail without verb", []string{"mail"}, "give a verb (redrive)"},
		{"mail redrive negative limit", []string{"mail", "redrive", "--limit", "-5"}, "--limit"},
		{"mail redrive limit not a number", []string{"mail", "redrive", "--limit", "many"}, "invalid value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			err := operator.Run(context.Background(), tt.args, &out, &errOut, operator.Deps{Connect: noStack(t)})
			if !errors.Is(err, operator.ErrUsage) || operator.ExitCode(err) != 2 {
				t.Fatalf("error %v (exit %d), want a usage error", err, operator.ExitCode(err))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if out.Len() > 0 {
				t.Errorf("stdout on a usage error: %q", out.String())
			}
		})
	}
}

// TestHelp: --help (and -h, help) on the command, every group and every
// verb answers on stdout, exits 0 and never connects.
func TestHelp(t *testing.T) {
	t.Parallel()
	cases := [][]string{{"--help"}, {"-h"}, {"help"}}
	for _, g := range []string{"org", "token", "counts", "import", "keys", "mail", "migrate"} {
		cases = append(cases, []string{g, "--help"})
	}
	for _, v := range []string{"org create", "org list", "org show", "org update", "org disable", "org enable", "org invite-admin",
		"token create", "token list", "token revoke", "counts repair", "import redrive",
		"keys init", "keys status", "keys rotate", "keys reseal", "keys retire", "keys split", "mail redrive", "migrate folds", "migrate schedule"} {
		cases = append(cases, append(strings.Fields(v), "--help"), append(strings.Fields(v), "-h"))
	}
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			err := operator.Run(context.Background(), args, &out, &errOut, operator.Deps{Connect: noStack(t)})
			if err != nil || operator.ExitCode(err) != 0 {
				t.Fatalf("error %v", err)
			}
			text := out.String()
			if !strings.Contains(text, "tilgang") || errOut.Len() > 0 {
				t.Fatalf("stdout %q, stderr %q", text, errOut.String())
			}
			if len(args) == 3 && !strings.Contains(text, "Usage: tilgang "+args[0]+" "+args[1]) || len(args) == 3 && !strings.Contains(text, "--json") {
				t.Errorf("verb help lacks its usage or the common flags:\n%s", text)
			}
		})
	}
}

// TestExtraGroups: a group another package provides runs like a built-in
// one, with --help and the common flags.
func TestExtraGroups(t *testing.T) {
	t.Parallel()
	ran := false
	extra := operator.Group{Name: "demo", Summary: "a group from elsewhere", Verbs: []operator.Verb{{
		Name: "run", Summary: "run it", Usage: "",
		Setup: func(*flag.FlagSet) func(context.Context, *operator.Call) error {
			return func(_ context.Context, c *operator.Call) error {
				ran = c.JSON && c.Target.Local
				return nil
			}
		},
	}}}
	var out, errOut bytes.Buffer
	deps := operator.Deps{Connect: noStack(t), Groups: []operator.Group{extra}}
	if err := operator.Run(context.Background(), []string{"--help"}, &out, &errOut, deps); err != nil || !strings.Contains(out.String(), "demo") {
		t.Fatalf("help: %v %q", err, out.String())
	}
	if err := operator.Run(context.Background(), []string{"demo", "run", "--json", "--local"}, &out, &errOut, deps); err != nil || !ran {
		t.Fatalf("demo run: %v, ran %v", err, ran)
	}
}
