package infra_test

// Operations (SPEC §13, issue 15): every function, queue, stream and API is
// watched by alarms that reach the alarm topic, every log group has a
// retention, the dashboard shows them, and the deploy can be retried, fronted
// by a custom domain and pointed at a restored table. The tests iterate over
// the template's resources, so a function or queue added later without its
// alarms or log group fails here without anyone listing it.

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/tilgang/tilgang/internal/metrics"
)

const (
	createTableCondition     = "CreateTable"
	existingTableParam       = "ExistingTableName"
	existingTableStreamParam = "ExistingTableStreamLabel"
	existingTableARN         = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${ExistingTableName}"
	customDomainCondition    = "HasCustomDomain"
	logRetentionParam        = "LogRetentionDays"
)

// tableChoice is !If [CreateTable, own, existing]: how everything names the
// table, so that ExistingTableName can point the stack at a restored one.
func tableChoice(own, existing any) any {
	return map[string]any{"Fn::If": []any{createTableCondition, own, existing}}
}

// customDomainOr unwraps !If [HasCustomDomain, https://${DomainName}, v]
// to v; anything else is returned as it is.
func customDomainOr(v any) any {
	l, _ := get(v, "Fn::If").([]any)
	if len(l) == 3 && l[0] == customDomainCondition {
		if s, _ := subString(l[1]); s == "https://${DomainName}" {
			return l[2]
		}
	}
	return v
}

// functionIDs are the Lambda functions of the template, of either type.
func (tp template) functionIDs() []string {
	var ids []string
	for id, r := range tp.resources() {
		if typ := getString(r, "Type"); typ == "AWS::Serverless::Function" || typ == "AWS::Lambda::Function" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// alarmsOn lists the ids of the alarms on metric of namespace whose
// dimension dim is value.
func (tp template) alarmsOn(namespace, metric, dim string, value any) []string {
	var out []string
	for _, id := range sortedKeys(tp.ofType("AWS::CloudWatch::Alarm")) {
		p := getMap(tp.resources()[id], "Properties")
		if getString(p, "Namespace") != namespace || getString(p, "MetricName") != metric {
			continue
		}
		dims := getList(p, "Dimensions")
		if dim == "" && len(dims) == 0 {
			out = append(out, id)
			continue
		}
		for _, d := range dims {
			if getString(d, "Name") == dim && reflect.DeepEqual(get(d, "Value"), value) {
				out = append(out, id)
			}
		}
	}
	return out
}

// requireAlarm fails unless exactly one alarm watches the metric.
func requireAlarm(t *testing.T, tp template, what, namespace, metric, dim string, value any) {
	t.Helper()
	switch ids := tp.alarmsOn(namespace, metric, dim, value); len(ids) {
	case 0:
		t.Errorf("%s has no alarm on %s %s (dimension %s = %v)", what, namespace, metric, dim, value)
	case 1:
	default:
		t.Errorf("%s has %d alarms on %s %s: %v", what, len(ids), namespace, metric, ids)
	}
}

func TestEveryFunctionIsWatched(t *testing.T) {
	tp := loadTemplate(t)
	res := tp.resources()
	ids := tp.functionIDs()
	if len(ids) == 0 {
		t.Fatal("no functions")
	}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			ref := map[string]any{"Ref": id}
			requireAlarm(t, tp, id, "AWS/Lambda", "Errors", "FunctionName", ref)
			requireAlarm(t, tp, id, "AWS/Lambda", "Throttles", "FunctionName", ref)

			props := getMap(res[id], "Properties")
			// A stream's consumer can fall behind silently.
			for _, name := range sortedKeys(getMap(props, "Events")) {
				if typ := getString(props, "Events", name, "Type"); typ == "DynamoDB" || typ == "Kinesis" {
					requireAlarm(t, tp, id+" (stream event "+name+")", "AWS/Lambda", "IteratorAge", "FunctionName", ref)
				}
			}

			// Its own log group, named as Lambda names it, with the retention.
			fnName, ok := subString(props["FunctionName"])
			if !ok {
				t.Fatalf("%s has no FunctionName !Sub; its log group's name is derived from it", id)
			}
			lgRef, _ := get(props, "LoggingConfig", "LogGroup").(map[string]any)
			lgID, _ := lgRef["Ref"].(string)
			lg, ok := res[lgID]
			if !ok || getString(lg, "Type") != "AWS::Logs::LogGroup" {
				t.Fatalf("%s: LoggingConfig.LogGroup is %v, want !Ref to its AWS::Logs::LogGroup", id, get(props, "LoggingConfig", "LogGroup"))
			}
			if got, _ := subString(get(lg, "Properties", "LogGroupName")); got != "/aws/lambda/"+fnName {
				t.Errorf("%s: log group %s is named %q, want /aws/lambda/%s", id, lgID, got, fnName)
			}
		})
	}
}

func TestEveryLogGroupHasRetention(t *testing.T) {
	tp := loadTemplate(t)
	groups := tp.ofType("AWS::Logs::LogGroup")
	if len(groups) == 0 {
		t.Fatal("no log groups")
	}
	for _, id := range sortedKeys(groups) {
		if v := get(groups[id], "Properties", "RetentionInDays"); !isRef(v, logRetentionParam) {
			t.Errorf("%s: RetentionInDays = %v, want !Ref %s", id, v, logRetentionParam)
		}
	}
	p := getMap(tp, "Parameters", logRetentionParam)
	if p == nil || getString(p, "Type") != "Number" || !slices.Contains(stringList(p["AllowedValues"]), getString(p, "Default")) {
		t.Errorf("parameter %s = %v: want a Number whose Default is one of its AllowedValues", logRetentionParam, p)
	}
}

func TestEveryQueueHasDepthAlarm(t *testing.T) {
	tp := loadTemplate(t)
	queues := tp.ofType("AWS::SQS::Queue")
	if len(queues) == 0 {
		t.Fatal("no queues")
	}
	for _, id := range sortedKeys(queues) {
		requireAlarm(t, tp, id, "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName",
			map[string]any{"Fn::GetAtt": []any{id, "QueueName"}})
	}
}

func TestAPIIsWatched(t *testing.T) {
	tp := loadTemplate(t)
	apis := tp.ofType("AWS::Serverless::HttpApi")
	if len(apis) == 0 {
		t.Fatal("no HTTP API")
	}
	res := tp.resources()
	for _, id := range sortedKeys(apis) {
		ref := map[string]any{"Ref": id}
		requireAlarm(t, tp, id, "AWS/ApiGateway", "5xx", "ApiId", ref)
		requireAlarm(t, tp, id, "AWS/ApiGateway", "Latency", "ApiId", ref)
		for _, a := range tp.alarmsOn("AWS/ApiGateway", "Latency", "ApiId", ref) {
			if s := getString(res[a], "Properties", "ExtendedStatistic"); s != "p99" {
				t.Errorf("%s: ExtendedStatistic %q, want p99", a, s)
			}
		}
		props := getMap(apis[id], "Properties")
		for _, k := range []string{"ThrottlingRateLimit", "ThrottlingBurstLimit"} {
			if get(props, "DefaultRouteSettings", k) == nil {
				t.Errorf("%s: DefaultRouteSettings.%s is not set", id, k)
			}
		}
		dest, _ := get(props, "AccessLogSettings", "DestinationArn", "Fn::GetAtt").([]any)
		if len(dest) != 2 || getString(res[fmt.Sprint(dest[0])], "Type") != "AWS::Logs::LogGroup" {
			t.Errorf("%s: AccessLogSettings.DestinationArn = %v, want !GetAtt <a log group>.Arn", id, get(props, "AccessLogSettings", "DestinationArn"))
		}
		format := getString(props, "AccessLogSettings", "Format")
		if !strings.Contains(format, "$context.requestId") {
			t.Errorf("%s: the access log format has no $context.requestId", id)
		}
		// Paths and queries of the web pages carry secrets; headers carry tokens.
		for _, banned := range []string{"$context.path", "$context.requestOverride", "$input", "$request", "authorizer"} {
			if strings.Contains(format, banned) {
				t.Errorf("%s: the access log format logs %s", id, banned)
			}
		}
	}
}

func TestSESReputationAlarms(t *testing.T) {
	tp := loadTemplate(t)
	for _, m := range []string{"Reputation.BounceRate", "Reputation.ComplaintRate"} {
		requireAlarm(t, tp, "the account's SES sending", "AWS/SES", m, "", nil)
	}
}

// Every alarm reaches people: the topic, to which AlarmEmail (when given)
// is subscribed.
func TestAlarmsNotifyTopic(t *testing.T) {
	tp := loadTemplate(t)
	topicID, _ := tp.single(t, "AWS::SNS::Topic")
	alarms := tp.ofType("AWS::CloudWatch::Alarm")
	for _, id := range sortedKeys(alarms) {
		actions := getList(alarms[id], "Properties", "AlarmActions")
		if !slices.ContainsFunc(actions, func(a any) bool { return isRef(a, topicID) }) {
			t.Errorf("%s: AlarmActions %v do not include !Ref %s", id, actions, topicID)
		}
	}
	subs := tp.ofType("AWS::SNS::Subscription")
	found := false
	for _, id := range sortedKeys(subs) {
		p := getMap(subs[id], "Properties")
		if isRef(p["TopicArn"], topicID) && isRef(p["Endpoint"], "AlarmEmail") && getString(p, "Protocol") == "email" {
			found = true
			if cond := getString(subs[id], "Condition"); cond == "" || getMap(tp, "Conditions", cond) == nil {
				t.Errorf("%s: the e-mail subscription has no condition; an empty AlarmEmail would fail the deploy", id)
			}
		}
	}
	if !found {
		t.Error("no e-mail subscription of AlarmEmail to the alarm topic")
	}
	if _, ok := getMap(tp, "Parameters", "AlarmEmail")["Default"]; !ok {
		t.Error("AlarmEmail has no default: the subscription must stay optional")
	}
}

// The dashboard shows every function, queue and API, and every business
// metric of internal/metrics.
func TestDashboard(t *testing.T) {
	tp := loadTemplate(t)
	_, dash := tp.single(t, "AWS::CloudWatch::Dashboard")
	body, ok := subString(get(dash, "Properties", "DashboardBody"))
	if !ok {
		t.Fatal("DashboardBody is not a !Sub string")
	}
	want := []string{`"${AWS::StackName}"`, `"` + metrics.Namespace + `"`}
	for _, id := range tp.functionIDs() {
		want = append(want, "${"+id+"}")
	}
	for _, id := range sortedKeys(tp.ofType("AWS::SQS::Queue")) {
		want = append(want, "${"+id+".QueueName}")
	}
	for _, id := range sortedKeys(tp.ofType("AWS::Serverless::HttpApi")) {
		want = append(want, "${"+id+"}")
	}
	for _, m := range []metrics.Name{metrics.UsersCreated, metrics.ImportRows, metrics.MailsSent, metrics.MailsFailed} {
		want = append(want, `"`+string(m)+`","`+metrics.DimensionStack+`","${AWS::StackName}"`)
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("the dashboard does not show %s", w)
		}
	}
	// The body is JSON once the placeholders are filled in.
	filled := regexp.MustCompile(`\$\{[^}]+\}`).ReplaceAllString(body, "x")
	if err := jsonValid(filled); err != nil {
		t.Errorf("DashboardBody is not JSON: %v", err)
	}
}

// A failed first deploy can be retried: what is kept when the stack goes
// is deleted when the stack's first create fails.
func TestRetainExceptOnCreate(t *testing.T) {
	tp := loadTemplate(t)
	res := tp.resources()
	for _, id := range sortedKeys(res) {
		if getString(res[id], "DeletionPolicy") == "Retain" {
			t.Errorf("%s: DeletionPolicy Retain; use RetainExceptOnCreate so that a failed first deploy can be retried", id)
		}
	}
	for _, typ := range []string{"AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::KMS::Key"} {
		for id, r := range tp.ofType(typ) {
			if p := getString(r, "DeletionPolicy"); p != "RetainExceptOnCreate" {
				t.Errorf("%s (%s): DeletionPolicy %q, want RetainExceptOnCreate", id, typ, p)
			}
			if p := getString(r, "UpdateReplacePolicy"); p != "Retain" {
				t.Errorf("%s (%s): UpdateReplacePolicy %q, want Retain", id, typ, p)
			}
		}
	}
}

// The custom domain is off by default, needs its certificate, and the
// mail links follow it.
func TestCustomDomain(t *testing.T) {
	tp := loadTemplate(t)
	params := getMap(tp, "Parameters")
	for _, name := range []string{"DomainName", "CertificateArn"} {
		if d, ok := getMap(params, name)["Default"]; !ok || d != "" {
			t.Errorf("parameter %s: default %v, want \"\" (off by default)", name, d)
		}
	}
	cond := get(tp, "Conditions", customDomainCondition)
	if !reflect.DeepEqual(cond, map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "DomainName"}, ""}}}}) {
		t.Errorf("condition %s = %v, want DomainName not empty", customDomainCondition, cond)
	}
	for _, typ := range []string{"AWS::ApiGatewayV2::DomainName", "AWS::ApiGatewayV2::ApiMapping"} {
		rs := tp.ofType(typ)
		if len(rs) != 1 {
			t.Errorf("%d resources of type %s, want one", len(rs), typ)
		}
		for id, r := range rs {
			if c := getString(r, "Condition"); c != customDomainCondition {
				t.Errorf("%s: Condition %q, want %s", id, c, customDomainCondition)
			}
		}
	}
	certRule := false
	for _, name := range sortedKeys(getMap(tp, "Rules")) {
		rule := getMap(tp, "Rules", name)
		if strings.Contains(fmt.Sprint(rule["RuleCondition"]), "DomainName") && strings.Contains(fmt.Sprint(rule["Assertions"]), "CertificateArn") {
			certRule = true
		}
	}
	if !certRule {
		t.Error("no rule requires CertificateArn with DomainName")
	}
	for _, id := range tp.functionIDs() {
		v, ok := getMap(tp.resources()[id], "Properties", "Environment", "Variables")["PUBLIC_BASE_URL"]
		if !ok {
			continue
		}
		l, _ := get(v, "Fn::If").([]any)
		if len(l) != 3 || reflect.DeepEqual(customDomainOr(l[2]), l[2]) {
			t.Errorf("%s: PUBLIC_BASE_URL = %v: without PublicBaseUrl, links must use the custom domain when there is one", id, v)
		}
	}
}

// ExistingTableName points the functions at another table (a point-in-time
// restore): nothing may name the stack's own table except through the
// CreateTable condition, which is what makes that switch possible.
func TestRestoreTable(t *testing.T) {
	tp := loadTemplate(t)
	tableID, table := tp.single(t, "AWS::DynamoDB::Table")
	if c := getString(table, "Condition"); c != createTableCondition {
		t.Errorf("%s: Condition %q, want %s", tableID, c, createTableCondition)
	}
	want := map[string]any{"Fn::Equals": []any{map[string]any{"Ref": existingTableParam}, ""}}
	if c := get(tp, "Conditions", createTableCondition); !reflect.DeepEqual(c, want) {
		t.Errorf("condition %s = %v, want %v", createTableCondition, c, want)
	}
	for _, p := range []string{existingTableParam, existingTableStreamParam} {
		if d, ok := getMap(tp, "Parameters", p)["Default"]; !ok || d != "" {
			t.Errorf("parameter %s: default %v, want \"\"", p, d)
		}
	}
	var bare []string
	var walk func(where string, v any, guarded bool)
	walk = func(where string, v any, guarded bool) {
		switch v := v.(type) {
		case map[string]any:
			if l, ok := v["Fn::If"].([]any); ok && len(l) == 3 && l[0] == createTableCondition {
				walk(where, l[1], true)
				walk(where, l[2], guarded)
				return
			}
			if !guarded {
				names := isRef(v, tableID)
				if l, ok := v["Fn::GetAtt"].([]any); ok && len(l) > 0 && l[0] == tableID {
					names = true
				}
				if s, ok := subString(v); ok && (strings.Contains(s, "${"+tableID+"}") || strings.Contains(s, "${"+tableID+".")) {
					names = true
				}
				if names {
					bare = append(bare, fmt.Sprintf("%s: %v", where, v))
				}
			}
			for _, k := range sortedKeys(v) {
				walk(where, v[k], guarded)
			}
		case []any:
			for _, e := range v {
				walk(where, e, guarded)
			}
		}
	}
	res := tp.resources()
	for _, id := range sortedKeys(res) {
		if id == tableID || getString(res[id], "Condition") == createTableCondition {
			continue
		}
		walk(id, res[id], false)
	}
	walk("Globals", get(tp, "Globals"), false)
	for _, id := range sortedKeys(getMap(tp, "Outputs")) {
		out := getMap(tp, "Outputs", id)
		walk("Outputs."+id, out, getString(out, "Condition") == createTableCondition)
	}
	for _, b := range bare {
		t.Errorf("names the table outside !If [%s, ...]: %s", createTableCondition, b)
	}
}

// SAM's build cache hashes only functions/<name>/: a cached build ships old
// code after a change under internal/.
func TestBuildsAreNotCached(t *testing.T) {
	var cfg map[string]any
	if _, err := toml.DecodeFile(filepath.Join(repoRoot(t), "samconfig.toml"), &cfg); err != nil {
		t.Fatalf("samconfig.toml: %v", err)
	}
	for _, env := range sortedKeys(cfg) {
		if _, ok := cfg[env].(map[string]any); !ok {
			continue
		}
		if c := get(cfg, env, "build", "parameters", "cached"); c != nil && c != false {
			t.Errorf("[%s.build.parameters] cached = %v, want false", env, c)
		}
		if w := get(cfg, env, "sync", "parameters", "watch"); w == true {
			t.Errorf("[%s.sync.parameters] watch = true: sam sync builds cached and watches functions/<name>/ only", env)
		}
	}
}

func jsonValid(s string) error {
	var v any
	return json.Unmarshal([]byte(s), &v)
}
