package operator

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/devserver"
	"github.com/tilgang/tilgang/internal/localstack"
)

// Target is what the common flags say about where the stack is. Exactly
// one way is used: Local; else Table (explicit names); else a stack's
// outputs, the stack named by Stack or by samconfig.toml.
type Target struct {
	// Local is the stack of a running make dev, found in DevFile.
	Local   bool
	DevFile string // default .local/dev.json at the repository root
	// Stack is a deployed SAM stack's name; Region its region. Either
	// defaults from samconfig.toml's ConfigEnv (default "default").
	Stack, Region, ConfigEnv, SAMConfig string
	// Table and Bucket name the table and the imports bucket instead of
	// the stack's outputs; ImportFunction names the csvimport function.
	Table, Bucket, ImportFunction string
	// KeySecrets name the four key secrets instead of the stack's
	// parameters (CprLookupKeySecretId, LinkKeySecretId,
	// CprSealPublicSecretId, CprSealKeysSecretId).
	KeySecrets config.KeySecrets
	// NoStack is set by verbs that run before a stack exists (keys init,
	// keys split): Connect then only loads the AWS configuration, in
	// Region or samconfig.toml's, and names the secrets by KeySecrets.
	NoStack bool
	// Endpoint overrides every AWS service's endpoint, e.g. a DynamoDB
	// Local of your own.
	Endpoint string
}

func (t *Target) flags(fs *flag.FlagSet) {
	fs.BoolVar(&t.Local, "local", false, "the stack of a running make dev, from .local/dev.json")
	fs.StringVar(&t.DevFile, "dev-file", "", "make dev's description of its stack (default: .local/dev.json at the repository root)")
	fs.StringVar(&t.Stack, "stack", os.Getenv("TILGANG_STACK"), "deployed SAM stack to read outputs from (env TILGANG_STACK; default: samconfig.toml's stack_name)")
	fs.StringVar(&t.Region, "region", "", "AWS region (default: samconfig.toml's, then the AWS configuration's)")
	fs.StringVar(&t.ConfigEnv, "config-env", "default", "samconfig.toml environment to take stack_name and region from")
	fs.StringVar(&t.SAMConfig, "samconfig", "", "path of samconfig.toml (default: at the repository root)")
	fs.StringVar(&t.Table, "table", os.Getenv("TILGANG_TABLE"), "DynamoDB table, instead of the stack's TableName output (env TILGANG_TABLE)")
	fs.StringVar(&t.Bucket, "bucket", os.Getenv("TILGANG_BUCKET"), "imports bucket, instead of the stack's BucketName output (env TILGANG_BUCKET)")
	fs.StringVar(&t.ImportFunction, "import-function", "", "csvimport Lambda function name, instead of the stack's CsvImportFunction")
	for _, k := range keySecretFlags(&t.KeySecrets) {
		fs.StringVar(k.name, k.flag, "", "Secrets Manager name of "+k.what+", instead of the stack's "+k.param)
	}
	fs.StringVar(&t.Endpoint, "endpoint", "", "endpoint URL for every AWS service (e.g. a DynamoDB Local)")
}

// AWSLoader loads the AWS configuration for a region ("" for the
// configuration's own): in the binary, the SDK's default chain.
type AWSLoader func(ctx context.Context, region string) (aws.Config, error)

// Connect returns Deps.Connect for the binary: it finds the stack as t
// says, loading AWS configurations with load.
func Connect(load AWSLoader) func(ctx context.Context, t Target) (*Env, error) {
	return func(ctx context.Context, t Target) (*Env, error) {
		if t.Local {
			if t.Stack != "" || t.Table != "" || t.Endpoint != "" {
				return nil, Usagef("--local finds everything in make dev's file; leave out --stack, --table and --endpoint")
			}
			return localEnv(ctx, t)
		}
		if t.NoStack {
			return noStackEnv(ctx, t, load)
		}
		if t.Table == "" {
			return stackEnv(ctx, t, load)
		}
		cfg, err := load(ctx, t.Region)
		if err != nil {
			return nil, fmt.Errorf("AWS configuration: %w", err)
		}
		if t.Endpoint != "" {
			cfg.BaseEndpoint = aws.String(t.Endpoint)
		}
		return &Env{AWS: cfg, Table: t.Table, Bucket: t.Bucket, ImportFunction: t.ImportFunction, KeySecrets: t.KeySecrets}, nil
	}
}

// localEnv reads make dev's file. It holds the run's endpoints, names and
// CPR key, so the operator command reaches its stack as the product does.
func localEnv(ctx context.Context, t Target) (*Env, error) {
	path := t.DevFile
	if path == "" {
		root, err := localstack.FindRoot()
		if err != nil {
			return nil, err
		}
		path = filepath.Join(root, ".local", "dev.json")
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist: start make dev first", path)
	}
	if err != nil {
		return nil, err
	}
	var info devserver.Info
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if info.DynamoDB.Endpoint == "" || info.SES.Endpoint == "" || info.CPRKey == "" {
		return nil, fmt.Errorf("%s was written by an older make dev: restart make dev", path)
	}
	key, err := base64.StdEncoding.DecodeString(info.CPRKey)
	if err != nil {
		return nil, fmt.Errorf("%s: cprKey: %w", path, err)
	}
	stack := &localstack.Stack{DynamoDBEndpoint: info.DynamoDB.Endpoint, S3Endpoint: info.S3.Endpoint, SESEndpoint: info.SES.Endpoint, Region: info.S3.Region}
	cfg, err := stack.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	return &Env{
		AWS: cfg, Table: info.DynamoDB.Table, Bucket: info.S3.Bucket, S3PathStyle: true,
		PublicBaseURL: info.Web.BaseURL, MailStoreURL: info.SES.StoreURL, Master: key,
	}, nil
}

// Outputs of template.yaml and the names in it that the command reads.
const (
	outputTable         = "TableName"
	outputBucket        = "BucketName"
	outputPublicBaseURL = "PublicBaseUrl"
	resourceImport      = "CsvImportFunction"
)

// stackEnv reads a deployed stack's outputs, its key secrets' names (its
// parameters) and its csvimport function's name (a resource). Flags that
// name a value win over the stack's.
func stackEnv(ctx context.Context, t Target, load AWSLoader) (*Env, error) {
	sam, err := readSAMConfig(t)
	if err != nil {
		return nil, err
	}
	name := cmp.Or(t.Stack, sam.StackName)
	if name == "" {
		return nil, Usagef("no stack: give --stack (and --region), --table, or --local for make dev")
	}
	cfg, err := load(ctx, cmp.Or(t.Region, sam.Region))
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if t.Endpoint != "" {
		cfg.BaseEndpoint = aws.String(t.Endpoint)
	}
	cf := cloudformation.NewFromConfig(cfg)
	out, err := cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("read stack %s in %s (deployed? region right?): %w", name, cfg.Region, err)
	}
	if len(out.Stacks) == 0 {
		return nil, fmt.Errorf("no stack %s in %s", name, cfg.Region)
	}
	st := out.Stacks[0]
	outputs := map[string]string{}
	for _, o := range st.Outputs {
		outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	params := map[string]string{}
	for _, p := range st.Parameters {
		params[aws.ToString(p.ParameterKey)] = aws.ToString(p.ParameterValue)
	}
	env := &Env{
		AWS: cfg, Stack: name,
		Table:          cmp.Or(t.Table, outputs[outputTable]),
		Bucket:         cmp.Or(t.Bucket, outputs[outputBucket]),
		PublicBaseURL:  outputs[outputPublicBaseURL],
		ImportFunction: t.ImportFunction,
		KeySecrets:     t.KeySecrets,
	}
	for _, k := range keySecretFlags(&env.KeySecrets) {
		*k.name = cmp.Or(*k.name, params[k.param])
	}
	if env.Table == "" {
		return nil, fmt.Errorf("stack %s has no %s output: deploy the current template.yaml, or give --table", name, outputTable)
	}
	if env.ImportFunction == "" {
		res, err := cf.DescribeStackResource(ctx, &cloudformation.DescribeStackResourceInput{
			StackName: aws.String(name), LogicalResourceId: aws.String(resourceImport),
		})
		if err != nil {
			return nil, fmt.Errorf("read the %s of stack %s: %w", resourceImport, name, err)
		}
		env.ImportFunction = aws.ToString(res.StackResourceDetail.PhysicalResourceId)
	}
	return env, nil
}

// noStackEnv is the AWS configuration alone, for the verbs that make the
// key secrets before the first deploy: in --region, else samconfig.toml's.
func noStackEnv(ctx context.Context, t Target, load AWSLoader) (*Env, error) {
	sam, err := readSAMConfig(t)
	if err != nil {
		return nil, err
	}
	cfg, err := load(ctx, cmp.Or(t.Region, sam.Region))
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if t.Endpoint != "" {
		cfg.BaseEndpoint = aws.String(t.Endpoint)
	}
	return &Env{AWS: cfg, KeySecrets: t.KeySecrets}, nil
}

// samDefaults are what samconfig.toml says about the stack of one config
// environment.
type samDefaults struct{ StackName, Region string }

// readSAMConfig reads stack_name and region of t.ConfigEnv from
// samconfig.toml: the global parameters, then the deploy command's. A
// missing default file is no error: the flags may say all.
func readSAMConfig(t Target) (samDefaults, error) {
	path := t.SAMConfig
	if path == "" {
		root, err := localstack.FindRoot()
		if err != nil {
			return samDefaults{}, nil
		}
		path = filepath.Join(root, "samconfig.toml")
	}
	var doc map[string]map[string]struct {
		Parameters map[string]any `toml:"parameters"`
	}
	if _, err := toml.DecodeFile(path, &doc); err != nil {
		if errors.Is(err, os.ErrNotExist) && t.SAMConfig == "" {
			return samDefaults{}, nil
		}
		return samDefaults{}, fmt.Errorf("read %s: %w", path, err)
	}
	env := cmp.Or(t.ConfigEnv, "default")
	cmds, ok := doc[env]
	if !ok && t.ConfigEnv != "default" && t.ConfigEnv != "" {
		return samDefaults{}, Usagef("%s has no environment %q", path, env)
	}
	var d samDefaults
	for _, cmd := range []string{"global", "deploy"} {
		p := cmds[cmd].Parameters
		if s, ok := p["stack_name"].(string); ok && d.StackName == "" {
			d.StackName = s
		}
		if s, ok := p["region"].(string); ok && d.Region == "" {
			d.Region = s
		}
	}
	return d, nil
}
