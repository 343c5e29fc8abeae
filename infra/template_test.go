package infra_test

// These tests hold template.yaml, samconfig.toml and events/*.json to the code:
// the table to store.TableDefinition, each function's environment to
// config.Functions, each function's permissions to the least it needs, the
// mailer's stream filter to store.OutboxType, and every sample event to the
// aws-lambda-go type its function receives.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"gopkg.in/yaml.v3"

	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// ---------------------------------------------------------------- loading

var (
	rootOnce sync.Once
	rootDir  string
	rootErr  error
)

// repoRoot is the nearest directory above the working directory that holds go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			rootErr = err
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				rootDir = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				rootErr = errors.New("no go.mod above the working directory")
				return
			}
			dir = parent
		}
	})
	if rootErr != nil {
		t.Fatalf("finding the repository root: %v", rootErr)
	}
	return rootDir
}

// template is template.yaml as plain Go values: map[string]any, []any and
// string (every scalar keeps its text, so true is "true"). Short-form
// intrinsics are rewritten to their long form: !Ref X becomes
// {"Ref": "X"}, !Sub s becomes {"Fn::Sub": s}, !GetAtt A.B becomes
// {"Fn::GetAtt": ["A", "B"]}, and so on.
type template map[string]any

func loadTemplate(t *testing.T) template {
	t.Helper()
	path := filepath.Join(repoRoot(t), "template.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading template: %v", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	v, err := fromNode(&doc)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: top level is %T, want a mapping", path, v)
	}
	return template(m)
}

func fromNode(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, fmt.Errorf("want one YAML document, have %d", len(n.Content))
		}
		return fromNode(n.Content[0])
	case yaml.AliasNode:
		return fromNode(n.Alias)
	}
	var v any
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", n.Content[i].Line, k)
			}
			val, err := fromNode(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k] = val
		}
		v = m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			val, err := fromNode(c)
			if err != nil {
				return nil, err
			}
			l = append(l, val)
		}
		v = l
	case yaml.ScalarNode:
		v = n.Value
	default:
		return nil, fmt.Errorf("line %d: unexpected YAML node kind %v", n.Line, n.Kind)
	}
	tag := n.Tag
	if !strings.HasPrefix(tag, "!") || strings.HasPrefix(tag, "!!") {
		return v, nil
	}
	switch name := tag[1:]; name {
	case "Ref", "Condition":
		return map[string]any{name: v}, nil
	case "GetAtt":
		if s, ok := v.(string); ok {
			res, attr, ok := strings.Cut(s, ".")
			if !ok {
				return nil, fmt.Errorf("line %d: !GetAtt %q has no attribute", n.Line, s)
			}
			v = []any{res, attr}
		}
		return map[string]any{"Fn::GetAtt": v}, nil
	default:
		return map[string]any{"Fn::" + name: v}, nil
	}
}

// get walks v through nested mappings; nil when a key is missing.
func get(v any, keys ...string) any {
	if tp, ok := v.(template); ok {
		v = map[string]any(tp)
	}
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func getMap(v any, keys ...string) map[string]any {
	m, _ := get(v, keys...).(map[string]any)
	return m
}

func getList(v any, keys ...string) []any {
	l, _ := get(v, keys...).([]any)
	return l
}

func getString(v any, keys ...string) string {
	s, _ := get(v, keys...).(string)
	return s
}

// strings of a property that may be one string or a list of them.
func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func (tp template) resources() map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range getMap(tp, "Resources") {
		if m, ok := r.(map[string]any); ok {
			out[id] = m
		}
	}
	return out
}

func (tp template) ofType(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tp.resources() {
		if getString(r, "Type") == typ {
			out[id] = r
		}
	}
	return out
}

// single is the one resource of type typ.
func (tp template) single(t *testing.T, typ string) (string, map[string]any) {
	t.Helper()
	rs := tp.ofType(typ)
	if len(rs) != 1 {
		t.Fatalf("template has %d resources of type %s, want exactly one", len(rs), typ)
	}
	for id, r := range rs {
		return id, r
	}
	panic("unreachable")
}

type function struct {
	id    string
	props map[string]any
	res   map[string]any
}

// property of the function, falling back to Globals.Function.
func (tp template) fnProp(f function, name string) any {
	if v, ok := f.props[name]; ok {
		return v
	}
	return get(tp, "Globals", "Function", name)
}

// functionsByFolder maps functions/<folder>/ to the AWS::Serverless::Function
// whose CodeUri names it. Functions whose CodeUri is not such a folder, or
// folders named by more than one function, are reported as errors.
func (tp template) functionsByFolder(t *testing.T) map[string]function {
	t.Helper()
	out := map[string]function{}
	ids := sortedKeys(tp.ofType("AWS::Serverless::Function"))
	for _, id := range ids {
		r := tp.resources()[id]
		props := getMap(r, "Properties")
		folder, err := codeURIFolder(getString(props, "CodeUri"))
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		if prev, dup := out[folder]; dup {
			t.Errorf("functions/%s/ is the CodeUri of both %s and %s", folder, prev.id, id)
			continue
		}
		out[folder] = function{id: id, props: props, res: r}
	}
	return out
}

func codeURIFolder(codeURI string) (string, error) {
	if codeURI == "" {
		return "", errors.New("CodeUri is not a plain string")
	}
	rest, ok := strings.CutPrefix(filepath.ToSlash(filepath.Clean(codeURI)), "functions/")
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return "", fmt.Errorf("CodeUri %q is not functions/<name>/", codeURI)
	}
	return rest, nil
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func isRef(v any, id string) bool {
	return reflect.DeepEqual(v, map[string]any{"Ref": id})
}

// subString is the template string of a Fn::Sub in either form.
func subString(v any) (string, bool) {
	switch s := get(v, "Fn::Sub").(type) {
	case string:
		return s, true
	case []any:
		if len(s) > 0 {
			str, ok := s[0].(string)
			return str, ok
		}
	}
	return "", false
}

// ---------------------------------------------------------------- 1. table

func TestTableMatchesStoreDefinition(t *testing.T) {
	tp := loadTemplate(t)
	id, table := tp.single(t, "AWS::DynamoDB::Table")
	props := getMap(table, "Properties")
	def := store.TableDefinition("x")

	// Template side, normalised.
	var tplAttrs []string
	for _, a := range getList(props, "AttributeDefinitions") {
		tplAttrs = append(tplAttrs, getString(a, "AttributeName")+":"+getString(a, "AttributeType"))
	}
	sort.Strings(tplAttrs)
	tplIndexes := func(key string) map[string]string {
		out := map[string]string{}
		for _, ix := range getList(props, key) {
			out[getString(ix, "IndexName")] = keySchemaString(getList(ix, "KeySchema")) +
				" projection " + projectionString(getString(ix, "Projection", "ProjectionType"), stringList(get(ix, "Projection", "NonKeyAttributes")))
		}
		return out
	}
	tplBilling := getString(props, "BillingMode")
	if tplBilling == "" {
		tplBilling = string(types.BillingModeProvisioned)
	}

	// Code side, normalised the same way.
	var defAttrs []string
	for _, a := range def.AttributeDefinitions {
		defAttrs = append(defAttrs, aws.ToString(a.AttributeName)+":"+string(a.AttributeType))
	}
	sort.Strings(defAttrs)
	defKey := func(ks []types.KeySchemaElement) string {
		var l []any
		for _, k := range ks {
			l = append(l, map[string]any{"AttributeName": aws.ToString(k.AttributeName), "KeyType": string(k.KeyType)})
		}
		return keySchemaString(l)
	}
	defProjection := func(p *types.Projection) string {
		if p == nil {
			return projectionString("", nil)
		}
		return projectionString(string(p.ProjectionType), p.NonKeyAttributes)
	}
	defGSIs := map[string]string{}
	for _, ix := range def.GlobalSecondaryIndexes {
		defGSIs[aws.ToString(ix.IndexName)] = defKey(ix.KeySchema) + " projection " + defProjection(ix.Projection)
	}
	defLSIs := map[string]string{}
	for _, ix := range def.LocalSecondaryIndexes {
		defLSIs[aws.ToString(ix.IndexName)] = defKey(ix.KeySchema) + " projection " + defProjection(ix.Projection)
	}
	defBilling := string(def.BillingMode)
	if defBilling == "" {
		defBilling = string(types.BillingModeProvisioned)
	}
	defStream := ""
	if s := def.StreamSpecification; s != nil && aws.ToBool(s.StreamEnabled) {
		defStream = string(s.StreamViewType)
	}

	cases := []struct {
		name      string
		got, want any
	}{
		{"AttributeDefinitions", tplAttrs, defAttrs},
		{"KeySchema", keySchemaString(getList(props, "KeySchema")), defKey(def.KeySchema)},
		{"GlobalSecondaryIndexes", tplIndexes("GlobalSecondaryIndexes"), defGSIs},
		{"LocalSecondaryIndexes", tplIndexes("LocalSecondaryIndexes"), defLSIs},
		{"BillingMode", tplBilling, defBilling},
		{"StreamViewType", getString(props, "StreamSpecification", "StreamViewType"), defStream},
		{"TimeToLiveSpecification.AttributeName", getString(props, "TimeToLiveSpecification", "AttributeName"), store.TTLAttribute},
		{"TimeToLiveSpecification.Enabled", getString(props, "TimeToLiveSpecification", "Enabled"), "true"},
		{"PointInTimeRecoveryEnabled", getString(props, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"), "true"},
		{"SSEEnabled", getString(props, "SSESpecification", "SSEEnabled"), "true"},
		{"DeletionPolicy", getString(table, "DeletionPolicy"), "RetainExceptOnCreate"},
		{"UpdateReplacePolicy", getString(table, "UpdateReplacePolicy"), "Retain"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("%s.%s:\n template: %v\n     code: %v", id, c.name, c.got, c.want)
			}
		})
	}
}

// keySchemaString keeps the order: the HASH key comes first.
func keySchemaString(ks []any) string {
	var parts []string
	for _, k := range ks {
		parts = append(parts, getString(k, "AttributeName")+" "+getString(k, "KeyType"))
	}
	return strings.Join(parts, ", ")
}

func projectionString(typ string, nonKey []string) string {
	nonKey = slices.Clone(nonKey)
	sort.Strings(nonKey)
	return typ + fmt.Sprint(nonKey)
}

// ---------------------------------------------------------------- 2. functions

func TestOneFunctionPerFolder(t *testing.T) {
	root := repoRoot(t)
	tp := loadTemplate(t)

	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		t.Fatalf("reading functions/: %v (every Lambda function needs a folder functions/<name>/ with main.go)", err)
	}
	var folders []string
	for _, e := range entries {
		if e.IsDir() {
			folders = append(folders, e.Name())
		}
	}
	for _, name := range sortedKeys(config.Functions) {
		if !slices.Contains(folders, name) {
			t.Errorf("config.Functions names %q, but functions/%s/ does not exist", name, name)
		}
	}

	byFolder := tp.functionsByFolder(t)
	for _, folder := range folders {
		t.Run(folder, func(t *testing.T) {
			if _, ok := config.Functions[folder]; !ok {
				t.Errorf("functions/%s/ has no entry in config.Functions", folder)
			}
			if _, err := os.Stat(filepath.Join(root, "functions", folder, "main.go")); err != nil {
				t.Errorf("functions/%s/main.go: %v", folder, err)
			}
			f, ok := byFolder[folder]
			if !ok {
				t.Fatalf("no AWS::Serverless::Function has CodeUri functions/%s/", folder)
			}
			checks := []struct {
				what string
				got  any
				want any
			}{
				{"Metadata.BuildMethod", getString(f.res, "Metadata", "BuildMethod"), "go1.x"},
				{"Runtime", tp.fnProp(f, "Runtime"), "provided.al2023"},
				{"Architectures", stringList(tp.fnProp(f, "Architectures")), []string{"arm64"}},
				{"Handler", tp.fnProp(f, "Handler"), "bootstrap"},
				{"FunctionName", tp.fnProp(f, "FunctionName"), map[string]any{"Fn::Sub": "${AWS::StackName}-" + folder}},
			}
			for _, c := range checks {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("%s.%s = %#v, want %#v", f.id, c.what, c.got, c.want)
				}
			}
		})
	}
	for folder, f := range byFolder {
		if !slices.Contains(folders, folder) {
			t.Errorf("%s: CodeUri functions/%s/ does not exist", f.id, folder)
		}
	}
}

// ---------------------------------------------------------------- 3. environment

func TestFunctionEnvironment(t *testing.T) {
	tp := loadTemplate(t)
	byFolder := tp.functionsByFolder(t)
	tableID, _ := tp.single(t, "AWS::DynamoDB::Table")
	apiID, _ := tp.single(t, "AWS::Serverless::HttpApi")
	params := getMap(tp, "Parameters")
	conditions := getMap(tp, "Conditions")

	isParamRef := func(name string) func(any) error {
		return func(v any) error {
			if _, ok := params[name]; !ok {
				return fmt.Errorf("template has no parameter %s", name)
			}
			if !isRef(v, name) {
				return fmt.Errorf("want !Ref %s", name)
			}
			return nil
		}
	}
	valueChecks := map[string]func(v any) error{
		// The stack's table, or the one a restore points at (operations_test.go).
		config.EnvTableName: func(v any) error {
			if !reflect.DeepEqual(v, tableChoice(map[string]any{"Ref": tableID}, map[string]any{"Ref": existingTableParam})) {
				return fmt.Errorf("want !If [%s, !Ref %s, !Ref %s]", createTableCondition, tableID, existingTableParam)
			}
			return nil
		},
		// The secrets' names; the keys themselves never enter the
		// configuration (see TestNoSecretsInFunctionConfiguration).
		config.EnvLookupKeySecret: isParamRef(keySecretParams[config.EnvLookupKeySecret]),
		config.EnvLinkKeySecret:   isParamRef(keySecretParams[config.EnvLinkKeySecret]),
		config.EnvSealKeySecret:   isParamRef(keySecretParams[config.EnvSealKeySecret]),
		config.EnvOpenKeySecret:   isParamRef(keySecretParams[config.EnvOpenKeySecret]),
		config.EnvPublicBaseURL: func(v any) error {
			l, _ := get(v, "Fn::If").([]any)
			if len(l) != 3 {
				return errors.New("want !If [condition, !Ref PublicBaseUrl, the HTTP API's URL]")
			}
			cond, _ := l[0].(string)
			if _, ok := conditions[cond]; !ok {
				return fmt.Errorf("condition %q is not defined", cond)
			}
			if err := isParamRef("PublicBaseUrl")(l[1]); err != nil {
				return err
			}
			if s, ok := subString(customDomainOr(l[2])); !ok || !strings.Contains(s, "${"+apiID+"}") {
				return fmt.Errorf("fallback %v does not name the HTTP API %s", l[2], apiID)
			}
			return nil
		},
		config.EnvMailFrom: isParamRef("SenderAddress"),
		// The one configuration set, whose events the sesevents function records.
		config.EnvMailConfigurationSet: func(v any) error {
			id, _ := tp.single(t, "AWS::SES::ConfigurationSet")
			if !isRef(v, id) {
				return fmt.Errorf("want !Ref %s", id)
			}
			return nil
		},
		// The bucket by the expression that names it, never !Ref Bucket
		// (see the note at the top of template.yaml).
		config.EnvBucketName: func(v any) error {
			_, bucket := tp.single(t, "AWS::S3::Bucket")
			want, _ := subString(get(bucket, "Properties", "BucketName"))
			if got, ok := subString(v); !ok || got != want {
				return fmt.Errorf("want !Sub %q, the bucket's BucketName", want)
			}
			return nil
		},
		config.EnvLogLevel: isParamRef("LogLevel"),
	}

	globalVars := getMap(tp, "Globals", "Function", "Environment", "Variables")
	for _, folder := range sortedKeys(config.Functions) {
		t.Run(folder, func(t *testing.T) {
			f, ok := byFolder[folder]
			if !ok {
				t.Fatalf("no AWS::Serverless::Function has CodeUri functions/%s/", folder)
			}
			env := map[string]any{}
			for k, v := range globalVars {
				env[k] = v
			}
			for k, v := range getMap(f.props, "Environment", "Variables") {
				env[k] = v
			}
			want := append(config.Functions[folder].Vars(), config.EnvLogLevel)
			for _, name := range want {
				v, ok := env[name]
				if !ok {
					t.Errorf("%s: %s is not set (config.Functions[%q] needs it)", f.id, name, folder)
					continue
				}
				check, ok := valueChecks[name]
				if !ok {
					t.Errorf("%s: no value check for %s; add one to this test", f.id, name)
					continue
				}
				if err := check(v); err != nil {
					t.Errorf("%s: %s = %v: %v", f.id, name, v, err)
				}
			}
			// Nothing beyond what the code asks for: CPR_KEY_SECRET in
			// particular goes only where the key is needed, and CPR_KEY
			// (local runs only) nowhere.
			for _, name := range sortedKeys(env) {
				if !slices.Contains(want, name) {
					t.Errorf("%s: sets %s, which config.Functions[%q] does not ask for", f.id, name, folder)
				}
			}
		})
	}
}

// keySecretParams are the parameters that name the Secrets Manager secrets
// of the keys by purpose, by the variable that hands each to a function.
var keySecretParams = map[string]string{
	config.EnvLookupKeySecret: "CprLookupKeySecretId",
	config.EnvLinkKeySecret:   "LinkKeySecretId",
	config.EnvSealKeySecret:   "CprSealPublicSecretId",
	config.EnvOpenKeySecret:   "CprSealKeysSecretId",
}

// TestNoSecretsInFunctionConfiguration: anyone allowed
// lambda:GetFunctionConfiguration reads a function's environment, so no
// secret may be resolved into it. The keys are read from Secrets Manager
// at cold start instead (the *_SECRET variables name the secrets); CPR_KEY
// is for local runs only.
func TestNoSecretsInFunctionConfiguration(t *testing.T) {
	tp := loadTemplate(t)
	check := func(where string, props map[string]any) {
		vars := getMap(props, "Environment", "Variables")
		for _, name := range sortedKeys(vars) {
			if name == config.EnvCPRKey {
				t.Errorf("%s sets %s; functions get the names of their key secrets and read the keys at cold start",
					where, config.EnvCPRKey)
			}
			for _, s := range allStrings(vars[name]) {
				if strings.Contains(s, "{{resolve:") {
					t.Errorf("%s: environment variable %s = %v holds a dynamic reference, which puts the resolved value in the function's configuration",
						where, name, vars[name])
				}
			}
		}
		// Anywhere else in a function's properties a dynamic reference
		// would land in its configuration just the same.
		for _, key := range sortedKeys(props) {
			if key == "Environment" {
				continue
			}
			for _, s := range allStrings(props[key]) {
				if strings.Contains(s, "{{resolve:") {
					t.Errorf("%s: %s holds the dynamic reference %q", where, key, s)
				}
			}
		}
	}
	check("Globals.Function", getMap(tp, "Globals", "Function"))
	for _, typ := range []string{"AWS::Serverless::Function", "AWS::Lambda::Function"} {
		fns := tp.ofType(typ)
		for _, id := range sortedKeys(fns) {
			check(id, getMap(fns[id], "Properties"))
		}
	}

	// The parameters are the secrets' names, from which the policies
	// build their ARNs; an ARN given here would make that ARN wrong.
	for _, name := range sortedKeys(keySecretParams) {
		paramName := keySecretParams[name]
		param := getMap(tp, "Parameters", paramName)
		if param == nil {
			t.Errorf("template has no parameter %s", paramName)
			continue
		}
		pat := getString(param, "AllowedPattern")
		if pat == "" {
			t.Errorf("parameter %s has no AllowedPattern; it must accept secret names only", paramName)
			continue
		}
		re := regexp.MustCompile(`^(?:` + pat + `)$`)
		if !re.MatchString("tilgang/dev/cpr-lookup-key") {
			t.Errorf("parameter %s: AllowedPattern %s rejects the secret name tilgang/dev/cpr-lookup-key", paramName, pat)
		}
		if arn := "arn:aws:secretsmanager:eu-north-1:123456789012:secret:tilgang/dev/cpr-lookup-key-AbCdEf"; re.MatchString(arn) {
			t.Errorf("parameter %s: AllowedPattern %s accepts the ARN %s; the policies need the secret's name", paramName, pat, arn)
		}
	}
	if _, ok := getMap(tp, "Parameters")["CprKeySecretId"]; ok {
		t.Error("template still has the single master key parameter CprKeySecretId")
	}
}

// allStrings lists every string inside v.
func allStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, allStrings(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, k := range sortedKeys(v) {
			out = append(out, allStrings(v[k])...)
		}
		return out
	}
	return nil
}

// ---------------------------------------------------------------- 3b. permissions

// Kinds of resource a function's statements may name. Everything else,
// "*" above all, fails TestFunctionPolicies.
const (
	resTable   = "table"   // !GetAtt Table.Arn
	resIndexes = "indexes" // ${Table.Arn}/index/*
	// The key secrets, by name and random suffix: "secret:" and the
	// variable that names the secret to the function.
	resSecret   = "secret:"
	resBucket   = "bucket"         // the bucket itself (ListBucket, with an s3:prefix condition)
	resIdentity = "ses-identities" // SES identities of the account (with an ses:FromAddress condition)
	// resConfigSet is the stack's SES configuration set, which every send names.
	resConfigSet = "ses-configuration-set"
	resSelf      = "itself"     // the function's own ARN (an import continues in a new invocation)
	resKey       = "bucket-key" // !GetAtt of the bucket's KMS key (with a kms:ViaService S3 condition)
	// Objects under a prefix of the bucket are "bucket:<prefix>".
)

// bucketKeyUse is what a function that reads or writes objects needs of the
// bucket's KMS key (SSE-KMS): a data key to write, Decrypt to read.
var bucketKeyUse = []string{"kms:GenerateDataKey", "kms:Decrypt"}

// itemActions are the table actions of a function that writes through
// store's transactions: TransactWriteItems is authorised per item, as
// PutItem, DeleteItem, UpdateItem and ConditionCheckItem on the table.
var itemActions = []string{
	"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem",
	"dynamodb:UpdateItem", "dynamodb:ConditionCheckItem", "dynamodb:Query",
}

// batchActions are the batch calls of store: group memberships are read
// and written in batches, user counts read in one (internal/store/batch.go,
// count.go).
var batchActions = []string{"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem"}

// allowedDynamoDBActions is every DynamoDB action a function may hold: no
// Scan, no table management (CreateTable and DescribeTable run only
// locally, against DynamoDB Local).
var allowedDynamoDBActions = append(slices.Clip(itemActions), batchActions...)

// wantGrants is each function's complete set of grants, "action resource".
// Changing a function's privileges means changing this list, in review.
// The grants on the key secrets are added for exactly the functions whose
// config.Functions entry needs each key.
var wantGrants = map[string][]string{
	"scim": grants(resTable, itemActions, resIndexes, []string{"dynamodb:Query"}, resTable, batchActions),
	// Uploads are presigned with the admin function's authority (PutObject under
	// imports/), and receipts are served through it (GetObject under receipts/).
	"admin": grants(resTable, itemActions, resIndexes, []string{"dynamodb:Query"}, resTable, batchActions,
		"bucket:imports/", []string{"s3:PutObject"}, "bucket:receipts/", []string{"s3:GetObject"}, resBucket, []string{"s3:ListBucket"}, resKey, bucketKeyUse),
	"web": grants(resTable, itemActions),
	// The console does what the admin API does (the upload page presigns a
	// form POST, the import page serves the receipt), and mails sign-in
	// links itself.
	"console": grants(resTable, itemActions, resIndexes, []string{"dynamodb:Query"}, resTable, batchActions,
		resIdentity, []string{"ses:SendEmail"}, resConfigSet, []string{"ses:SendEmail"},
		"bucket:imports/", []string{"s3:PutObject"}, "bucket:receipts/", []string{"s3:GetObject"}, resBucket, []string{"s3:ListBucket"}, resKey, bucketKeyUse),
	// The passkey ceremonies: sessions, passkeys, the user and the rate
	// limits, by key; a passkey's two items are put in one transaction
	// without a condition check.
	"passkeys": grants(resTable, []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:Query"}),
	// A row that deletes a user removes its memberships (GSI2, BatchWriteItem).
	"csvimport": grants(resTable, itemActions, resIndexes, []string{"dynamodb:Query"}, resTable, []string{"dynamodb:BatchWriteItem"}, "bucket:imports/", []string{"s3:GetObject", "s3:GetObjectVersion"}, "bucket:receipts/", []string{"s3:GetObject", "s3:PutObject"}, resBucket, []string{"s3:ListBucket"}, resSelf, []string{"lambda:InvokeFunction"}, resKey, bucketKeyUse),
	// GetEmailIdentity: the start-up check that the sender is verified (mail.CheckSender).
	"mailer": grants(resTable, []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem", "dynamodb:Query"}, resIdentity, []string{"ses:SendEmail", "ses:GetEmailIdentity"},
		resConfigSet, []string{"ses:SendEmail"}),
	// The re-drive of stuck mail finds it in the undelivered index (GSI2).
	"scheduler": grants(resTable, itemActions, resIndexes, []string{"dynamodb:Query"}),
	// One transaction per SES event: the user or invitation is there, its mail state is written.
	"sesevents": grants(resTable, []string{"dynamodb:ConditionCheckItem", "dynamodb:UpdateItem"}),
}

// grants pairs resource kinds (string) with the actions (list) that follow.
func grants(pairs ...any) []string {
	var out []string
	for i := 0; i+1 < len(pairs); i += 2 {
		for _, a := range pairs[i+1].([]string) {
			out = append(out, a+" "+pairs[i].(string))
		}
	}
	return out
}

// Event sources for which SAM adds AWS managed read policies with Resource
// "*" to the function's role (AWSLambdaDynamoDBExecutionRole and the like).
// Only the mailer's outbox stream needs one.
var pollingEventTypes = map[string]bool{
	"DynamoDB": true, "Kinesis": true, "SQS": true, "MSK": true, "MQ": true,
	"SelfManagedKafka": true, "DocumentDB": true,
}

// TestFunctionPolicies holds every function to least privilege: its Policies
// are inline statements only (no SAM policy templates such as
// DynamoDBCrudPolicy, no managed policies), no action is a wildcard or a
// Scan, no resource is "*", and every resource is the table, its indexes,
// a key secret, the bucket or a prefix of it, or the account's SES
// identities (with the From address pinned).
//
// Not covered here, because SAM adds them to each role itself:
// AWSLambdaBasicExecutionRole (logs:* on "*"), AWSXrayWriteOnlyAccess for
// Tracing: Active (X-Ray actions take no resource, so "*" is required), and
// for the mailer's stream AWSLambdaDynamoDBExecutionRole (stream reads on
// "*") plus sqs:SendMessage on its dead-letter queue.
func TestFunctionPolicies(t *testing.T) {
	tp := loadTemplate(t)
	byFolder := tp.functionsByFolder(t)
	tableID, _ := tp.single(t, "AWS::DynamoDB::Table")
	_, bucket := tp.single(t, "AWS::S3::Bucket")
	bucketName, ok := subString(get(bucket, "Properties", "BucketName"))
	if !ok {
		t.Fatal("the bucket's BucketName is not a !Sub expression")
	}
	keyID, _ := tp.single(t, "AWS::KMS::Key")
	configSetID, _ := tp.single(t, "AWS::SES::ConfigurationSet")
	kinds := resourceKinds{tp: tp, tableID: tableID, keyID: keyID, bucketARN: "arn:${AWS::Partition}:s3:::" + bucketName, configSetID: configSetID}
	for _, key := range []string{"Policies", "Role", "PermissionsBoundary"} {
		if get(tp, "Globals", "Function", key) != nil {
			t.Errorf("Globals.Function sets %s; permissions are set per function", key)
		}
	}
	for _, folder := range sortedKeys(config.Functions) {
		t.Run(folder, func(t *testing.T) {
			f, ok := byFolder[folder]
			if !ok {
				t.Fatalf("no AWS::Serverless::Function has CodeUri functions/%s/", folder)
			}
			if r := f.props["Role"]; r != nil {
				t.Errorf("%s sets Role %v; SAM then ignores Policies and this test cannot see the grants", f.id, r)
			}
			got := kinds.functionGrants(t, f)
			want := slices.Clone(wantGrants[folder])
			need := config.Functions[folder]
			for _, v := range need.Vars() {
				if _, isKey := keySecretParams[v]; isKey {
					want = append(want, "secretsmanager:GetSecretValue "+resSecret+v)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			got = slices.Compact(got)
			for _, g := range got {
				if !slices.Contains(want, g) {
					t.Errorf("%s may %s, which it does not need", f.id, g)
				}
			}
			for _, w := range want {
				if !slices.Contains(got, w) {
					t.Errorf("%s may not %s, which it needs", f.id, w)
				}
			}
			evs := getMap(f.props, "Events")
			for _, name := range sortedKeys(evs) {
				typ := getString(evs[name], "Type")
				if pollingEventTypes[typ] && folder != "mailer" {
					t.Errorf("%s: event %s (%s) makes SAM grant reads on \"*\"; only the mailer's outbox stream is expected", f.id, name, typ)
				}
			}
		})
	}
}

// resourceKinds tells the resources a function's statements may name.
type resourceKinds struct {
	tp        template
	tableID   string
	keyID     string // the bucket's KMS key
	bucketARN string // with the bucket's ${...} placeholders
	// configSetID is the SES configuration set's logical id, if any.
	configSetID string
}

// functionGrants checks the statements of f's Policies and lists what they
// allow as "action resource-kind".
func (k resourceKinds) functionGrants(t *testing.T, f function) []string {
	t.Helper()
	policies := get(f.props, "Policies")
	if policies == nil {
		return nil
	}
	list, ok := policies.([]any)
	if !ok {
		list = []any{policies}
	}
	var out []string
	for i, p := range list {
		doc, ok := p.(map[string]any)
		if !ok {
			t.Errorf("%s: Policies[%d] = %v is a managed policy; write inline statements", f.id, i, p)
			continue
		}
		if _, ok := doc["Statement"]; !ok {
			for _, name := range sortedKeys(doc) {
				t.Errorf("%s: Policies[%d] is the SAM policy template %s; write inline statements naming only the actions the function uses", f.id, i, name)
			}
			continue
		}
		stmts, ok := doc["Statement"].([]any)
		if !ok {
			stmts = []any{doc["Statement"]}
		}
		for j, st := range stmts {
			where := fmt.Sprintf("%s: Policies[%d].Statement[%d] (%s)", f.id, i, j, getString(st, "Sid"))
			out = append(out, k.statementGrants(t, where, st)...)
		}
	}
	return out
}

func (k resourceKinds) statementGrants(t *testing.T, where string, st any) []string {
	t.Helper()
	for _, key := range []string{"NotAction", "NotResource", "Principal", "NotPrincipal"} {
		if get(st, key) != nil {
			t.Errorf("%s uses %s", where, key)
		}
	}
	if effect := getString(st, "Effect"); effect != "Allow" {
		t.Errorf("%s: Effect %q, want Allow", where, effect)
		return nil
	}
	rawActions := get(st, "Action")
	actions := stringList(rawActions)
	if l, isList := rawActions.([]any); len(actions) == 0 || (isList && len(l) != len(actions)) {
		t.Errorf("%s: Action %v is not one action name or a list of them", where, rawActions)
	}
	for _, a := range actions {
		switch {
		case strings.ContainsAny(a, "*?"):
			t.Errorf("%s: action %q is a wildcard; name the actions", where, a)
		case strings.EqualFold(a, "dynamodb:Scan"):
			t.Errorf("%s: %s is never granted; every access pattern is a key or index query", where, a)
		case strings.HasPrefix(strings.ToLower(a), "dynamodb:") && !slices.Contains(allowedDynamoDBActions, a):
			t.Errorf("%s: %s is not an action store uses in AWS (allowed: %v)", where, a, allowedDynamoDBActions)
		}
	}
	rawRes := get(st, "Resource")
	resources, ok := rawRes.([]any)
	if !ok {
		resources = []any{rawRes}
	}
	var out []string
	for _, r := range resources {
		kind, err := k.kind(r)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		if kind == resIdentity && slices.Equal(actions, []string{"ses:GetEmailIdentity"}) {
			// The mailer's start-up check of its sender reads the identity; it
			// sends nothing, and the From condition key does not exist for it.
			out = append(out, "ses:GetEmailIdentity "+kind)
			continue
		}
		if err := k.checkCondition(kind, get(st, "Condition")); err != nil {
			t.Errorf("%s: %v", where, err)
		}
		for _, a := range actions {
			out = append(out, a+" "+kind)
		}
	}
	return out
}

// kind names the kind of a statement's resource, or says why it is none of
// the kinds a function may name.
func (k resourceKinds) kind(r any) (string, error) {
	if s, ok := r.(string); ok {
		if s == "*" {
			return "", errors.New(`resource "*": name the resource`)
		}
		return "", fmt.Errorf("resource %q is a literal ARN; build it from the template's resources and parameters", s)
	}
	tableID, bucketARN := k.tableID, k.bucketARN
	// The table is named through the restore condition (operations_test.go).
	if reflect.DeepEqual(r, tableChoice(map[string]any{"Fn::GetAtt": []any{tableID, "Arn"}}, map[string]any{"Fn::Sub": existingTableARN})) {
		return resTable, nil
	}
	if reflect.DeepEqual(r, tableChoice(map[string]any{"Fn::Sub": "${" + tableID + ".Arn}/index/*"}, map[string]any{"Fn::Sub": existingTableARN + "/index/*"})) {
		return resIndexes, nil
	}
	if reflect.DeepEqual(r, map[string]any{"Fn::GetAtt": []any{tableID, "Arn"}}) {
		return "", fmt.Errorf("resource !GetAtt %s.Arn: write !If [%s, !GetAtt %s.Arn, !Sub %q] so that a restored table can be used", tableID, createTableCondition, tableID, existingTableARN)
	}
	if reflect.DeepEqual(r, map[string]any{"Fn::GetAtt": []any{k.keyID, "Arn"}}) {
		return resKey, nil
	}
	sub, ok := subString(r)
	if !ok {
		return "", fmt.Errorf("resource %v is neither !GetAtt %s.Arn nor a !Sub ARN", r, tableID)
	}
	if l, isList := get(r, "Fn::Sub").([]any); isList && len(l) > 1 {
		return "", fmt.Errorf("resource %v: !Sub with a variable map is not recognised by this test", r)
	}
	switch {
	case sub == "${"+tableID+".Arn}/index/*":
		return "", fmt.Errorf("resource %q: write !If [%s, this, the ExistingTableName index ARN] so that a restored table can be used", sub, createTableCondition)
	case strings.HasPrefix(sub, "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${") && strings.HasSuffix(sub, "}-??????"):
		param := strings.TrimSuffix(strings.TrimPrefix(sub, "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${"), "}-??????")
		for v, p := range keySecretParams {
			if p == param {
				return resSecret + v, nil
			}
		}
		return "", fmt.Errorf("resource %q names a secret that is no key secret", sub)
	case sub == "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*":
		return resIdentity, nil
	case k.configSetID != "" && sub == "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/${"+k.configSetID+"}":
		return resConfigSet, nil
	case sub == bucketARN:
		return resBucket, nil
	case sub == "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${AWS::StackName}-csvimport":
		return resSelf, nil
	case strings.HasPrefix(sub, bucketARN+"/"):
		prefix, ok := strings.CutSuffix(strings.TrimPrefix(sub, bucketARN+"/"), "*")
		if !ok || prefix == "" || !strings.HasSuffix(prefix, "/") || strings.ContainsAny(prefix, "*?$") {
			return "", fmt.Errorf("resource %q: name the objects of one prefix of the bucket, <bucket>/<prefix>/*", sub)
		}
		return "bucket:" + prefix, nil
	}
	return "", fmt.Errorf("resource %q is none of: the table, its indexes, a key secret (name-??????), the bucket or a prefix of it, the account's SES identities, the import function itself", sub)
}

// checkCondition requires the conditions that narrow the two resource kinds
// broader than one resource: a ListBucket on the bucket lists only named
// prefixes, and mail goes only from the configured sender address.
func (k resourceKinds) checkCondition(kind string, cond any) error {
	switch kind {
	case resBucket:
		prefixes := stringList(get(cond, "StringLike", "s3:prefix"))
		if len(prefixes) == 0 {
			return errors.New("a grant on the bucket itself needs a StringLike s3:prefix condition")
		}
		for _, p := range prefixes {
			if p == "" || strings.HasPrefix(p, "*") {
				return fmt.Errorf("s3:prefix %q does not name a prefix", p)
			}
		}
	case resKey:
		if via, _ := subString(get(cond, "StringEquals", "kms:ViaService")); via != "s3.${AWS::Region}.amazonaws.com" {
			return errors.New(`a grant on the bucket key needs the condition StringEquals kms:ViaService: !Sub "s3.${AWS::Region}.amazonaws.com"`)
		}
	case resIdentity:
		if !isRef(get(cond, "StringEquals", "ses:FromAddress"), "SenderAddress") {
			return errors.New("a grant on SES identities needs the condition StringEquals ses:FromAddress: !Ref SenderAddress")
		}
		if _, ok := getMap(k.tp, "Parameters")["SenderAddress"]; !ok {
			return errors.New("template has no parameter SenderAddress")
		}
	}
	return nil
}

// ---------------------------------------------------------------- 4. triggers

// functionEvents are the Events of the function in folder with the given type.
func functionEvents(t *testing.T, tp template, folder, typ string) []map[string]any {
	t.Helper()
	f, ok := tp.functionsByFolder(t)[folder]
	if !ok {
		t.Fatalf("no AWS::Serverless::Function has CodeUri functions/%s/", folder)
	}
	var out []map[string]any
	evs := getMap(f.props, "Events")
	for _, name := range sortedKeys(evs) {
		if getString(evs[name], "Type") == typ {
			out = append(out, getMap(evs[name], "Properties"))
		}
	}
	return out
}

// mailerPattern is the event filter pattern of the mailer's stream.
func mailerPattern(t *testing.T, tp template) map[string]any {
	t.Helper()
	evs := functionEvents(t, tp, "mailer", "DynamoDB")
	if len(evs) != 1 {
		t.Fatalf("mailer has %d DynamoDB events, want one", len(evs))
	}
	filters := getList(evs[0], "FilterCriteria", "Filters")
	if len(filters) != 1 {
		t.Fatalf("mailer stream has %d filters, want one", len(filters))
	}
	var pattern map[string]any
	if err := json.Unmarshal([]byte(getString(filters[0], "Pattern")), &pattern); err != nil {
		t.Fatalf("mailer filter pattern is not a JSON object: %v", err)
	}
	return pattern
}

func TestMailerStream(t *testing.T) {
	tp := loadTemplate(t)
	tableID, _ := tp.single(t, "AWS::DynamoDB::Table")
	evs := functionEvents(t, tp, "mailer", "DynamoDB")
	if len(evs) != 1 {
		t.Fatalf("mailer has %d DynamoDB events, want one", len(evs))
	}
	ev := evs[0]

	want := map[string]any{
		"eventName": []any{"INSERT"},
		"dynamodb":  map[string]any{"NewImage": map[string]any{"type": map[string]any{"S": []any{store.OutboxType}}}},
	}
	if got := mailerPattern(t, tp); !reflect.DeepEqual(got, want) {
		t.Errorf("filter pattern = %v, want new items whose type is store.OutboxType: %v", got, want)
	}

	checks := []struct {
		what string
		got  any
		want any
	}{
		{"Stream", get(ev, "Stream"), tableChoice(map[string]any{"Fn::GetAtt": []any{tableID, "StreamArn"}}, map[string]any{"Fn::Sub": existingTableARN + "/stream/${" + existingTableStreamParam + "}"})},
		{"StartingPosition", get(ev, "StartingPosition"), "LATEST"},
		{"BatchSize", get(ev, "BatchSize"), "100"},
		{"MaximumBatchingWindowInSeconds", get(ev, "MaximumBatchingWindowInSeconds"), "1"},
		{"BisectBatchOnFunctionError", get(ev, "BisectBatchOnFunctionError"), "true"},
		{"FunctionResponseTypes", stringList(get(ev, "FunctionResponseTypes")), []string{"ReportBatchItemFailures"}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("mailer stream %s = %#v, want %#v", c.what, c.got, c.want)
		}
	}
	if get(ev, "MaximumRetryAttempts") == nil {
		t.Error("mailer stream has no MaximumRetryAttempts (the default retries a poison batch until it expires)")
	}
}

// importRules are the prefix and suffix of the csvimport S3 notification.
func importRules(t *testing.T, tp template) (prefix, suffix string) {
	t.Helper()
	evs := functionEvents(t, tp, "csvimport", "S3")
	if len(evs) != 1 {
		t.Fatalf("csvimport has %d S3 events, want one", len(evs))
	}
	for _, r := range getList(evs[0], "Filter", "S3Key", "Rules") {
		switch strings.ToLower(getString(r, "Name")) {
		case "prefix":
			prefix = getString(r, "Value")
		case "suffix":
			suffix = getString(r, "Value")
		}
	}
	return prefix, suffix
}

func TestImportNotification(t *testing.T) {
	tp := loadTemplate(t)
	bucketID, bucket := tp.single(t, "AWS::S3::Bucket")
	ev := functionEvents(t, tp, "csvimport", "S3")
	if len(ev) != 1 {
		t.Fatalf("csvimport has %d S3 events, want one", len(ev))
	}
	if !isRef(get(ev[0], "Bucket"), bucketID) {
		t.Errorf("csvimport S3 event Bucket = %v, want !Ref %s", get(ev[0], "Bucket"), bucketID)
	}
	if evs := stringList(get(ev[0], "Events")); !slices.Contains(evs, "s3:ObjectCreated:*") {
		t.Errorf("csvimport S3 event Events = %v, want s3:ObjectCreated:*", evs)
	}
	prefix, suffix := importRules(t, tp)
	if prefix != "imports/" || suffix != ".csv" {
		t.Errorf("csvimport S3 filter: prefix %q suffix %q, want imports/ and .csv", prefix, suffix)
	}
	// Exactly once per object version needs versions.
	if got := getString(bucket, "Properties", "VersioningConfiguration", "Status"); got != "Enabled" {
		t.Errorf("%s versioning = %q, want Enabled", bucketID, got)
	}
}

func TestSchedule(t *testing.T) {
	tp := loadTemplate(t)
	var exprs []string
	for _, typ := range []string{"Schedule", "ScheduleV2"} {
		for _, ev := range functionEvents(t, tp, "scheduler", typ) {
			exprs = append(exprs, getString(ev, "Schedule")+getString(ev, "ScheduleExpression"))
		}
	}
	if !reflect.DeepEqual(exprs, []string{"rate(15 minutes)"}) {
		t.Errorf("scheduler schedules = %q, want one rate(15 minutes)", exprs)
	}
}

// route is one HTTP API route and the function folder it reaches.
type route struct {
	method, path, folder string
}

func (r route) key() string { return r.method + " " + r.path }

var wantRoutes = []route{
	{"ANY", "/scim/v2", "scim"},
	{"ANY", "/scim/v2/{proxy+}", "scim"},
	{"ANY", "/admin/v1/{proxy+}", "admin"},
	{"GET", "/invitations/{proxy+}", "web"},
	{"POST", "/invitations/{proxy+}", "web"},
	{"GET", "/activate/{proxy+}", "web"},
	{"POST", "/activate/{proxy+}", "web"},
	{"GET", "/assets/{proxy+}", "web"},
	{"ANY", "/console", "console"},
	{"ANY", "/console/{proxy+}", "console"},
	// The passkey ceremonies, their own function (README, "Cold start"):
	// an exact route wins over the greedy one.
	{"POST", "/console/passkeys/register/begin", "passkeys"},
	{"POST", "/console/passkeys/register/finish", "passkeys"},
	{"POST", "/console/passkeys/signin/begin", "passkeys"},
	{"POST", "/console/passkeys/signin/finish", "passkeys"},
}

var integrationFunction = regexp.MustCompile(`:function:\$\{AWS::StackName\}-([a-z0-9]+)/invocations$`)

// apiRoutes reads the routes of the HTTP API's OpenAPI definition. The
// integrations name functions by FunctionName (${AWS::StackName}-<folder>),
// not by ARN, so that the functions may refer to the API (see template.yaml).
func apiRoutes(t *testing.T, tp template) []route {
	t.Helper()
	apiID, api := tp.single(t, "AWS::Serverless::HttpApi")
	paths := getMap(api, "Properties", "DefinitionBody", "paths")
	if paths == nil {
		t.Fatalf("%s has no DefinitionBody.paths", apiID)
	}
	var out []route
	for _, path := range sortedKeys(paths) {
		ops := getMap(paths, path)
		for _, op := range sortedKeys(ops) {
			method := strings.ToUpper(op)
			if op == "x-amazon-apigateway-any-method" {
				method = "ANY"
			}
			integ := getMap(ops, op, "x-amazon-apigateway-integration")
			uri, _ := subString(get(integ, "uri"))
			m := integrationFunction.FindStringSubmatch(uri)
			if getString(integ, "type") != "aws_proxy" || getString(integ, "payloadFormatVersion") != "2.0" || m == nil {
				t.Errorf("%s %s %s: integration %v is not a payload 2.0 Lambda proxy to ${AWS::StackName}-<function>", apiID, method, path, integ)
				continue
			}
			out = append(out, route{method, path, m[1]})
		}
	}
	return out
}

func TestHTTPRoutes(t *testing.T) {
	tp := loadTemplate(t)
	apiID, _ := tp.single(t, "AWS::Serverless::HttpApi")
	byFolder := tp.functionsByFolder(t)
	got := apiRoutes(t, tp)
	if !reflect.DeepEqual(sortRoutes(got), sortRoutes(wantRoutes)) {
		t.Errorf("HTTP API routes:\n got %v\nwant %v", got, wantRoutes)
	}

	perms := tp.ofType("AWS::Lambda::Permission")
	for _, r := range got {
		f, ok := byFolder[r.folder]
		if !ok {
			t.Errorf("route %s reaches ${AWS::StackName}-%s, which is no function's name", r.key(), r.folder)
			continue
		}
		// The execute-api ARN of a request on this route, with the same
		// ${...} placeholders the permissions' !Sub strings use.
		method := r.method
		if method == "ANY" {
			method = "DELETE"
		}
		reqPath := strings.ReplaceAll(r.path, "{proxy+}", "some/thing")
		arn := "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${" + apiID + "}/$default/" + method + reqPath
		allowed := false
		for _, p := range perms {
			props := getMap(p, "Properties")
			src, _ := subString(get(props, "SourceArn"))
			if isRef(get(props, "FunctionName"), f.id) && getString(props, "Principal") == "apigateway.amazonaws.com" &&
				getString(props, "Action") == "lambda:InvokeFunction" && wildcardMatch(src, arn) {
				allowed = true
			}
		}
		if !allowed {
			t.Errorf("route %s: no AWS::Lambda::Permission lets %s invoke %s (request ARN %s)", r.key(), apiID, f.id, arn)
		}
	}
}

func sortRoutes(rs []route) []route {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b route) int { return strings.Compare(a.key()+a.folder, b.key()+b.folder) })
	return rs
}

// wildcardMatch reports whether s matches pattern, where * matches any run of
// characters (as in ArnLike).
func wildcardMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// ---------------------------------------------------------------- dependency cycles

var subVar = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

// refs adds to into the names v refers to through Ref, Fn::GetAtt and Fn::Sub.
func refs(v any, into map[string]bool) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			refs(e, into)
		}
	case map[string]any:
		if len(v) == 1 {
			if s, ok := v["Ref"].(string); ok {
				into[s] = true
				return
			}
			if l, ok := v["Fn::GetAtt"].([]any); ok && len(l) > 0 {
				if s, ok := l[0].(string); ok {
					into[s] = true
				}
				return
			}
			if sub, ok := v["Fn::Sub"]; ok {
				var str string
				vars := map[string]any{}
				switch sub := sub.(type) {
				case string:
					str = sub
				case []any:
					if len(sub) > 0 {
						str, _ = sub[0].(string)
					}
					if len(sub) > 1 {
						vars, _ = sub[1].(map[string]any)
						refs(sub[1], into)
					}
				}
				for _, m := range subVar.FindAllStringSubmatch(str, -1) {
					name, _, _ := strings.Cut(m[1], ".")
					if _, local := vars[m[1]]; !local {
						into[name] = true
					}
				}
				return
			}
		}
		for _, e := range v {
			refs(e, into)
		}
	}
}

// TestNoDependencyCycle builds the resource graph CloudFormation will see
// after the SAM transform, including the edges SAM adds for events (a bucket
// names the function its notification calls, an API names the functions it
// integrates), and fails on a cycle.
func TestNoDependencyCycle(t *testing.T) {
	tp := loadTemplate(t)
	res := tp.resources()
	edges := map[string]map[string]bool{}
	edge := func(from, to string) {
		if _, ok := res[to]; !ok || from == to {
			return
		}
		if edges[from] == nil {
			edges[from] = map[string]bool{}
		}
		edges[from][to] = true
	}
	for _, id := range sortedKeys(res) {
		r := res[id]
		deps := map[string]bool{}
		for _, d := range stringList(get(r, "DependsOn")) {
			deps[d] = true
		}
		props := getMap(r, "Properties")
		if getString(r, "Type") == "AWS::Serverless::Function" {
			refs(getMap(tp, "Globals", "Function"), deps)
			for k, v := range props {
				if k != "Events" {
					refs(v, deps)
				}
			}
			evs := getMap(props, "Events")
			for _, name := range sortedKeys(evs) {
				ev := getMap(evs, name)
				target := map[string]bool{}
				switch getString(ev, "Type") {
				case "S3":
					refs(get(ev, "Properties", "Bucket"), target)
				case "HttpApi":
					refs(get(ev, "Properties", "ApiId"), target)
					if len(target) == 0 {
						target["ServerlessHttpApi"] = true
					}
				case "Api":
					refs(get(ev, "Properties", "RestApiId"), target)
				}
				for to := range target {
					edge(to, id)
				}
			}
		} else {
			refs(props, deps)
		}
		for to := range deps {
			edge(id, to)
		}
	}

	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(string) []string
	visit = func(id string) []string {
		state[id] = active
		stack = append(stack, id)
		for _, to := range sortedKeys(edges[id]) {
			switch state[to] {
			case active:
				i := slices.Index(stack, to)
				return append(slices.Clone(stack[i:]), to)
			case unseen:
				if c := visit(to); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[id] = done
		return nil
	}
	for _, id := range sortedKeys(res) {
		if state[id] == unseen {
			if c := visit(id); c != nil {
				t.Fatalf("dependency cycle: %s", strings.Join(c, " -> "))
			}
		}
	}
}

// ---------------------------------------------------------------- 5. sample events

// eventKinds maps the prefix of an events/*.json file name (a function folder)
// to the aws-lambda-go type the function receives and extra checks of the sample.
var eventKinds = map[string]struct {
	newValue func() any
	check    func(t *testing.T, tp template, folder string, v any, raw map[string]any)
}{
	"scim":      {func() any { return new(events.APIGatewayV2HTTPRequest) }, checkHTTPEvent},
	"admin":     {func() any { return new(events.APIGatewayV2HTTPRequest) }, checkHTTPEvent},
	"web":       {func() any { return new(events.APIGatewayV2HTTPRequest) }, checkHTTPEvent},
	"console":   {func() any { return new(events.APIGatewayV2HTTPRequest) }, checkHTTPEvent},
	"passkeys":  {func() any { return new(events.APIGatewayV2HTTPRequest) }, checkHTTPEvent},
	"csvimport": {func() any { return new(events.S3Event) }, checkS3Event},
	"mailer":    {func() any { return new(events.DynamoDBEvent) }, checkStreamEvent},
	"scheduler": {func() any { return new(events.EventBridgeEvent) }, checkScheduleEvent},
	"sesevents": {func() any { return new(events.EventBridgeEvent) }, checkSESEvent},
}

func TestSampleEvents(t *testing.T) {
	root := repoRoot(t)
	tp := loadTemplate(t)
	files, err := filepath.Glob(filepath.Join(root, "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	perFolder := map[string]int{}
	for _, file := range files {
		name := filepath.Base(file)
		folder, _, _ := strings.Cut(strings.TrimSuffix(name, ".json"), "-")
		perFolder[folder]++
		t.Run(name, func(t *testing.T) {
			kind, ok := eventKinds[folder]
			if !ok {
				t.Fatalf("file name prefix %q is no function; name sample events <function>-<what>.json", folder)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var raw map[string]any
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatalf("not a JSON object: %v", err)
			}
			v := kind.newValue()
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v); err != nil {
				t.Fatalf("decoding into %T: %v", v, err)
			}
			if err := dec.Decode(new(json.RawMessage)); err != io.EOF {
				t.Fatalf("data after the event: %v", err)
			}
			// DisallowUnknownFields stops at types with their own
			// UnmarshalJSON (S3Object, DynamoDBAttributeValue), so walk
			// the whole document against the Go type as well.
			for _, p := range unknownFields(raw, reflect.TypeOf(v), "$") {
				t.Errorf("%s is not a field of %T", p, v)
			}
			kind.check(t, tp, folder, v, raw)
		})
	}
	for _, folder := range sortedKeys(config.Functions) {
		if _, ok := eventKinds[folder]; !ok {
			t.Errorf("function %q has no entry in eventKinds; add its event type to this test", folder)
		}
		if perFolder[folder] == 0 {
			t.Errorf("events/ has no %s-*.json sample event", folder)
		}
	}
}

var attributeValueType = reflect.TypeOf(events.DynamoDBAttributeValue{})

// unknownFields lists the paths in raw that the Go type t has no place for.
// Field names must match the json tags exactly, as AWS spells them.
func unknownFields(raw any, t reflect.Type, path string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []string
	switch raw := raw.(type) {
	case map[string]any:
		switch {
		case t == attributeValueType:
			return attributeValueProblems(raw, path)
		case t.Kind() == reflect.Struct:
			fields := jsonFields(t)
			for _, k := range sortedKeys(raw) {
				ft, ok := fields[k]
				if !ok {
					out = append(out, path+"."+k)
					continue
				}
				out = append(out, unknownFields(raw[k], ft, path+"."+k)...)
			}
		case t.Kind() == reflect.Map:
			for _, k := range sortedKeys(raw) {
				out = append(out, unknownFields(raw[k], t.Elem(), path+"."+k)...)
			}
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, e := range raw {
				out = append(out, unknownFields(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return out
}

func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			for et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				for k, v := range jsonFields(et) {
					out[k] = v
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// attributeValueProblems checks a DynamoDB attribute value: exactly one type key.
func attributeValueProblems(raw map[string]any, path string) []string {
	if len(raw) != 1 {
		return []string{fmt.Sprintf("%s has %d type keys, want one", path, len(raw))}
	}
	for k, v := range raw {
		switch k {
		case "S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS":
			return nil
		case "M":
			m, _ := v.(map[string]any)
			var out []string
			for _, name := range sortedKeys(m) {
				av, _ := m[name].(map[string]any)
				out = append(out, attributeValueProblems(av, path+".M."+name)...)
			}
			return out
		case "L":
			l, _ := v.([]any)
			var out []string
			for i, e := range l {
				av, _ := e.(map[string]any)
				out = append(out, attributeValueProblems(av, fmt.Sprintf("%s.L[%d]", path, i))...)
			}
			return out
		default:
			return []string{path + "." + k + " is no DynamoDB attribute type"}
		}
	}
	return nil
}

func checkHTTPEvent(t *testing.T, tp template, folder string, v any, _ map[string]any) {
	t.Helper()
	req := v.(*events.APIGatewayV2HTTPRequest)
	if req.Version != "2.0" {
		t.Errorf("version = %q, want 2.0 (HTTP API payload format)", req.Version)
	}
	if req.RouteKey != req.RequestContext.RouteKey {
		t.Errorf("routeKey %q and requestContext.routeKey %q differ", req.RouteKey, req.RequestContext.RouteKey)
	}
	if req.RawPath != req.RequestContext.HTTP.Path {
		t.Errorf("rawPath %q and requestContext.http.path %q differ", req.RawPath, req.RequestContext.HTTP.Path)
	}
	var r *route
	for _, rr := range apiRoutes(t, tp) {
		if rr.key() == req.RouteKey {
			r = &rr
		}
	}
	if r == nil {
		t.Fatalf("routeKey %q is no route of the HTTP API", req.RouteKey)
	}
	if r.folder != folder {
		t.Errorf("routeKey %q reaches %s, but the file is named for %s", req.RouteKey, r.folder, folder)
	}
	if r.method != "ANY" && r.method != req.RequestContext.HTTP.Method {
		t.Errorf("method %s does not fit route %s", req.RequestContext.HTTP.Method, r.key())
	}
	if base, ok := strings.CutSuffix(r.path, "/{proxy+}"); ok {
		rest, ok := strings.CutPrefix(req.RawPath, base+"/")
		if !ok || rest == "" {
			t.Errorf("rawPath %q does not fit route %s", req.RawPath, r.key())
		} else if req.PathParameters["proxy"] != rest {
			t.Errorf("pathParameters.proxy = %q, want %q", req.PathParameters["proxy"], rest)
		}
	} else if req.RawPath != r.path {
		t.Errorf("rawPath %q does not fit route %s", req.RawPath, r.key())
	}
	for k, val := range req.Headers {
		if k != strings.ToLower(k) {
			t.Errorf("header %q: HTTP APIs deliver header names in lower case", k)
		}
		if k == "authorization" && !strings.HasPrefix(val, "Bearer REPLACE_WITH_") {
			t.Errorf("authorization header %q: samples carry a placeholder, never a real token", val)
		}
	}
}

func checkS3Event(t *testing.T, tp template, _ string, v any, _ map[string]any) {
	t.Helper()
	ev := v.(*events.S3Event)
	if len(ev.Records) == 0 {
		t.Fatal("no records")
	}
	prefix, suffix := importRules(t, tp)
	for i, r := range ev.Records {
		if r.EventSource != "aws:s3" || !strings.HasPrefix(r.EventName, "ObjectCreated:") {
			t.Errorf("record %d: %s %s, want an aws:s3 ObjectCreated event", i, r.EventSource, r.EventName)
		}
		key, err := url.QueryUnescape(r.S3.Object.Key)
		if err != nil || !strings.HasPrefix(key, prefix) || !strings.HasSuffix(key, suffix) {
			t.Errorf("record %d: key %q does not pass the notification filter %s*%s", i, r.S3.Object.Key, prefix, suffix)
		}
		if r.S3.Object.VersionID == "" {
			t.Errorf("record %d: no versionId (the bucket is versioned)", i)
		}
	}
}

func checkStreamEvent(t *testing.T, tp template, _ string, v any, raw map[string]any) {
	t.Helper()
	ev := v.(*events.DynamoDBEvent)
	if len(ev.Records) == 0 {
		t.Fatal("no records")
	}
	pattern := mailerPattern(t, tp)
	records, _ := raw["Records"].([]any)
	for i, r := range ev.Records {
		if typ, ok := r.Change.NewImage["type"]; !ok || typ.DataType() != events.DataTypeString || typ.String() != store.OutboxType {
			t.Errorf("record %d: NewImage.type = %v, want the string store.OutboxType %q", i, typ, store.OutboxType)
		}
		if r.Change.StreamViewType != "NEW_IMAGE" {
			t.Errorf("record %d: StreamViewType %q, want NEW_IMAGE", i, r.Change.StreamViewType)
		}
		if err := matchPattern(pattern, records[i], "$"); err != nil {
			t.Errorf("record %d does not pass the mailer's filter pattern: %v", i, err)
		}
	}
}

// matchPattern applies an event filter pattern that uses exact values only.
func matchPattern(pattern map[string]any, event any, path string) error {
	for _, k := range sortedKeys(pattern) {
		ev := get(event, k)
		switch p := pattern[k].(type) {
		case map[string]any:
			if err := matchPattern(p, ev, path+"."+k); err != nil {
				return err
			}
		case []any:
			for _, alt := range p {
				if _, ok := alt.(map[string]any); ok {
					return fmt.Errorf("%s: content filters are not supported by this test", path+"."+k)
				}
			}
			if !slices.Contains(p, ev) {
				return fmt.Errorf("%s = %v, want one of %v", path+"."+k, ev, p)
			}
		default:
			return fmt.Errorf("%s: pattern value %v is neither an object nor an array", path+"."+k, p)
		}
	}
	return nil
}

func checkScheduleEvent(t *testing.T, _ template, _ string, v any, _ map[string]any) {
	t.Helper()
	ev := v.(*events.EventBridgeEvent)
	if ev.Source != "aws.events" || ev.DetailType != "Scheduled Event" {
		t.Errorf("source %q detail-type %q, want aws.events / Scheduled Event", ev.Source, ev.DetailType)
	}
	if ev.Time.IsZero() || len(ev.Resources) == 0 {
		t.Error("a scheduled event has a time and the rule's ARN in resources")
	}
}

// checkSESEvent: an SES event as EventBridge delivers it, of a kind the
// sesevents function's rule selects, with the mail's tilgang tags.
func checkSESEvent(t *testing.T, _ template, _ string, v any, raw map[string]any) {
	t.Helper()
	ev := v.(*events.EventBridgeEvent)
	if ev.Source != "aws.ses" || !strings.HasPrefix(ev.DetailType, "Email ") {
		t.Errorf("source %q detail-type %q, want aws.ses / Email …", ev.Source, ev.DetailType)
	}
	tags := getMap(raw, "detail", "mail", "tags")
	for _, name := range []string{"ses:configuration-set", tilgang.MailTagOrg, tilgang.MailTagOutbox} {
		if _, ok := tags[name]; !ok {
			t.Errorf("detail.mail.tags has no %s", name)
		}
	}
}

// ---------------------------------------------------------------- samconfig.toml

var overridePair = regexp.MustCompile(`(\w+)=(?:"([^"]*)"|(\S+))`)

func TestSamConfig(t *testing.T) {
	root := repoRoot(t)
	tp := loadTemplate(t)
	var cfg map[string]any
	if _, err := toml.DecodeFile(filepath.Join(root, "samconfig.toml"), &cfg); err != nil {
		t.Fatalf("samconfig.toml: %v", err)
	}
	if v, _ := cfg["version"].(float64); v != 0.1 {
		t.Errorf("version = %v, want 0.1", cfg["version"])
	}
	params := getMap(tp, "Parameters")
	for _, env := range []struct{ name, stage string }{{"default", "dev"}, {"prod", "prod"}} {
		t.Run(env.name, func(t *testing.T) {
			stack, _ := get(cfg, env.name, "global", "parameters", "stack_name").(string)
			if stack == "" {
				t.Errorf("[%s.global.parameters] has no stack_name", env.name)
			}
			for _, folder := range sortedKeys(config.Functions) {
				if n := len(stack) + 1 + len(folder); n > 64 {
					t.Errorf("function name %s-%s is %d characters, Lambda allows 64", stack, folder, n)
				}
			}
			deploy := getMap(cfg, env.name, "deploy", "parameters")
			checks := []struct {
				key  string
				want any
			}{
				{"capabilities", "CAPABILITY_IAM"},
				{"confirm_changeset", true},
				{"resolve_s3", true},
				{"region", "eu-north-1"},
			}
			for _, c := range checks {
				if !reflect.DeepEqual(deploy[c.key], c.want) {
					t.Errorf("[%s.deploy.parameters] %s = %#v, want %#v", env.name, c.key, deploy[c.key], c.want)
				}
			}
			overrides, _ := deploy["parameter_overrides"].(string)
			given := map[string]string{}
			for _, m := range overridePair.FindAllStringSubmatch(overrides, -1) {
				given[m[1]] = m[2] + m[3]
			}
			if given["Stage"] != env.stage {
				t.Errorf("[%s] Stage = %q, want %q", env.name, given["Stage"], env.stage)
			}
			for _, name := range sortedKeys(given) {
				p, ok := params[name]
				if !ok {
					t.Errorf("[%s] overrides %s, which is no template parameter", env.name, name)
					continue
				}
				if pat := getString(p, "AllowedPattern"); pat != "" && !regexp.MustCompile(`^(?:`+pat+`)$`).MatchString(given[name]) {
					t.Errorf("[%s] %s = %q does not match AllowedPattern %s", env.name, name, given[name], pat)
				}
				if allowed := stringList(get(p, "AllowedValues")); allowed != nil && !slices.Contains(allowed, given[name]) {
					t.Errorf("[%s] %s = %q is not one of %v", env.name, name, given[name], allowed)
				}
			}
			for _, name := range sortedKeys(params) {
				if _, hasDefault := getMap(params, name)["Default"]; !hasDefault && given[name] == "" {
					t.Errorf("[%s] gives no value for parameter %s, which has no default", env.name, name)
				}
			}
		})
	}
}
