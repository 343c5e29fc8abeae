package operator

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tilgang/tilgang/internal/config"
)

func TestReadSAMConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  string
		want samDefaults
		err  bool
	}{
		{env: "default", want: samDefaults{StackName: "tilgang-dev", Region: "eu-north-1"}},
		{env: "", want: samDefaults{StackName: "tilgang-dev", Region: "eu-north-1"}},
		{env: "prod", want: samDefaults{StackName: "tilgang-prod", Region: "eu-west-1"}},
		{env: "staging", err: true},
	}
	for _, tt := range tests {
		got, err := readSAMConfig(Target{SAMConfig: "testdata/samconfig.toml", ConfigEnv: tt.env})
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("env %q: %+v, %v; want %+v (error %v)", tt.env, got, err, tt.want, tt.err)
		}
	}
	// The repository's own file names the dev stage's stack.
	got, err := readSAMConfig(Target{SAMConfig: "../../samconfig.toml", ConfigEnv: "default"})
	if err != nil || got.StackName == "" || got.Region == "" {
		t.Errorf("repository samconfig.toml: %+v, %v", got, err)
	}
	if _, err := readSAMConfig(Target{SAMConfig: "testdata/none.toml"}); err == nil {
		t.Error("a samconfig.toml named but missing is no error")
	}
}

func TestConnectExplicitAndLocal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	loaded := ""
	connect := Connect(func(_ context.Context, region string) (aws.Config, error) {
		loaded = region
		return aws.Config{Region: region}, nil
	})
	names := config.KeySecrets{LookupKey: "tilgang/dev/cpr-lookup-key", OpenKey: "tilgang/dev/cpr-seal-keys"}
	env, err := connect(ctx, Target{Table: "t", Bucket: "b", Region: "eu-west-1", Endpoint: "http://127.0.0.1:1", KeySecrets: names})
	if err != nil || env.Table != "t" || env.Bucket != "b" || loaded != "eu-west-1" || aws.ToString(env.AWS.BaseEndpoint) != "http://127.0.0.1:1" || env.KeySecrets != names {
		t.Fatalf("explicit names: %+v, %v", env, err)
	}
	if _, err := connect(ctx, Target{Local: true, Table: "t"}); !errors.Is(err, ErrUsage) {
		t.Errorf("--local with --table: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "dev.json")
	if _, err := connect(ctx, Target{Local: true, DevFile: missing}); err == nil || !strings.Contains(err.Error(), "start make dev") {
		t.Errorf("no make dev: %v", err)
	}
	old := filepath.Join(t.TempDir(), "dev.json")
	if err := os.WriteFile(old, []byte(`{"dynamodb":{"endpoint":"http://127.0.0.1:1","table":"tilgang-local"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := connect(ctx, Target{Local: true, DevFile: old}); err == nil || !strings.Contains(err.Error(), "restart make dev") {
		t.Errorf("an older make dev's file: %v", err)
	}
	if _, err := connect(ctx, Target{SAMConfig: "testdata/samconfig.toml", ConfigEnv: "nope"}); !errors.Is(err, ErrUsage) {
		t.Errorf("unknown config env: %v", err)
	}
}

// TestKeysAreReadOnlyWhenNeeded: without make dev's key or a secret's
// name, a verb that needs a key says what to give, before any request.
func TestKeysAreReadOnlyWhenNeeded(t *testing.T) {
	t.Parallel()
	env := &Env{Table: "t", KeySecrets: config.KeySecrets{LookupKey: "tilgang/dev/cpr-lookup-key"}}
	_, err := env.Keys(context.Background(), config.Need{OpenKey: true})
	if err == nil || !strings.Contains(err.Error(), "--seal-keys-secret") || !strings.Contains(err.Error(), "CprSealKeysSecretId") {
		t.Fatalf("keys without a secret: %v", err)
	}
	if set, err := env.Keys(context.Background(), config.Need{}); err != nil || set.String() != "keys.Set()" {
		t.Fatalf("no keys needed: %v, %v", set, err)
	}
}

// TestNoStack: keys init and split reach no stack, only the AWS
// configuration, in samconfig.toml's region.
func TestNoStack(t *testing.T) {
	t.Parallel()
	loaded := ""
	connect := Connect(func(_ context.Context, region string) (aws.Config, error) {
		loaded = region
		return aws.Config{Region: region}, nil
	})
	names := config.KeySecrets{LinkKey: "l"}
	env, err := connect(context.Background(), Target{NoStack: true, SAMConfig: "testdata/samconfig.toml", ConfigEnv: "prod", KeySecrets: names})
	if err != nil || loaded != "eu-west-1" || env.KeySecrets != names || env.Table != "" {
		t.Fatalf("no stack: %+v, %v (region %q)", env, err, loaded)
	}
}
