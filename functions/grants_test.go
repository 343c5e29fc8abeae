package functions_test

// TestFunctionsUseOnlyGrantedActions holds template.yaml's IAM grants to
// what the code really calls. infra/template_test.go holds each function's
// grants to a hand-written list; nothing there checks that the list covers
// the calls. Here every function runs as main.go wires it, through its real
// door, on AWS clients that put down each call as IAM authorises it, and
// each call must be granted by that function's Policies.
//
// Two grants are never used here: the key secrets (the tests hand the
// local master key to app.Build, which derives every key as app.New would
// read them; each handler still builds its services with only its own
// keys, so a step that needed another key would fail) and
// csvimport's invocation of itself (only when an import nears Lambda's
// deadline). Grants that the steps do not use are logged, not failed.

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/smithy-go/middleware"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"gopkg.in/yaml.v3"

	"github.com/tilgang/tilgang/internal/app"
	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/localstack"
	"github.com/tilgang/tilgang/internal/mail"
	"github.com/tilgang/tilgang/internal/passkeys/passkeytest"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// grant is an IAM action on a kind of resource: what a statement of
// template.yaml allows, and what a call needs.
type grant struct{ action, resource string }

func (g grant) String() string { return g.action + " on " + g.resource }

// The kinds of resource. Objects under a prefix of the bucket are
// "bucket:<prefix>/", e.g. "bucket:imports/".
const (
	resTable     = "table"                 // !GetAtt Table.Arn
	resIndex     = "index"                 // !Sub "${Table.Arn}/index/*"
	resBucket    = "bucket"                // the bucket itself (ListBucket)
	resIdentity  = "ses-identities"        // the account's SES identities
	resConfigSet = "ses-configuration-set" // the stack's SES configuration set
	resSecret    = "cpr-key-secret"        // the key secrets
	resSelf      = "itself"                // the function's own ARN (csvimport continues itself)
	resKey       = "bucket-key"            // !GetAtt of the bucket's KMS key
	resUnknown   = "an unrecognised resource"
)

func TestFunctionsUseOnlyGrantedActions(t *testing.T) {
	policies := templatePolicies(t)
	w := newWorld(t)

	// Each step leaves what the next ones need (users, the group), so the
	// order matters.
	w.mapGroupToRole(t)
	w.scimGroups(t)
	w.adminGroups(t)
	w.rejectedInvitation(t)
	w.activation(t)
	w.csvDelete(t)
	w.scimDeleteGroup(t)
	w.scheduledExpiry(t)
	w.mail(t)
	w.sesEvents(t)
	w.consoleSteps(t)

	// What the steps are built to reach: the calls of group members and of
	// deleting a user who is in groups. A function that no longer needs one
	// no longer runs the code the step was written for, and would pass here
	// without being looked at: bring the step up to date.
	reaches := map[string][]grant{
		"scim": {{"dynamodb:BatchGetItem", resTable}, {"dynamodb:BatchWriteItem", resTable}, {"dynamodb:Query", resIndex}},
		"admin": {{"dynamodb:BatchGetItem", resTable}, {"dynamodb:BatchWriteItem", resTable}, {"dynamodb:Query", resIndex},
			{"s3:PutObject", "bucket:imports/"}, {"s3:GetObject", "bucket:receipts/"}, {"kms:GenerateDataKey", resKey}, {"kms:Decrypt", resKey}},
		"csvimport": {{"dynamodb:BatchWriteItem", resTable}, {"dynamodb:Query", resIndex}, {"s3:GetObjectVersion", "bucket:imports/"},
			{"kms:GenerateDataKey", resKey}, {"kms:Decrypt", resKey}},
		"mailer":    {{"ses:SendEmail", resIdentity}, {"ses:GetEmailIdentity", resIdentity}, {"ses:SendEmail", resConfigSet}},
		"sesevents": {{"dynamodb:ConditionCheckItem", resTable}, {"dynamodb:UpdateItem", resTable}},
		// Sign-in links go straight to SES; the users list reads the index.
		"console": {{"ses:SendEmail", resIdentity}, {"ses:SendEmail", resConfigSet}, {"dynamodb:Query", resIndex}},
		// The re-drive of stuck mail reads the undelivered index.
		"scheduler": {{"dynamodb:Query", resIndex}},
	}

	for _, name := range slices.Sorted(maps.Keys(config.Functions)) {
		t.Run(name, func(t *testing.T) {
			f, ok := w.fns[name]
			if !ok {
				t.Fatalf("functions/%s is not driven by this test", name)
			}
			p, ok := policies[name]
			if !ok {
				t.Fatalf("template.yaml has no function whose CodeUri is functions/%s/", name)
			}
			used := f.grantsUsed()
			for _, g := range slices.SortedFunc(maps.Keys(used), compareGrants) {
				if !p.grants[g] {
					t.Errorf("%s calls %s, which %s's Policies in template.yaml do not grant; it did so for:\n\t%s",
						name, g, p.id, strings.Join(used[g], "\n\t"))
				}
			}
			for _, g := range reaches[name] {
				if _, ok := used[g]; !ok {
					t.Errorf("%s no longer needs %s in these steps; update the steps so that they reach the code they were written for", name, g)
				}
			}
			var unused []string
			for _, g := range slices.SortedFunc(maps.Keys(p.grants), compareGrants) {
				if _, ok := used[g]; !ok {
					unused = append(unused, g.String())
				}
			}
			if len(unused) > 0 {
				t.Logf("%s is granted, but these steps did not use: %s", p.id, strings.Join(unused, "; "))
			}
		})
	}
}

func compareGrants(a, b grant) int {
	return cmp.Or(cmp.Compare(a.action, b.action), cmp.Compare(a.resource, b.resource))
}

// ---------------------------------------------------------------- the functions

// function is one Lambda function wired as its main.go wires it, on AWS
// clients that put down every call it makes.
type function struct {
	name string
	app  *app.App

	mu   sync.Mutex
	step string             // what the function is doing now
	used map[grant][]string // per grant, the steps that needed it
}

// The configuration every function gets; each reads only its part.
const (
	baseURL  = "https://tilgang.test"
	mailFrom = "noreply@tilgang.test"
)

func newFunction(t *testing.T, name, table, bucket string) *function {
	t.Helper()
	f := &function{name: name, used: map[grant][]string{}}
	cfg := testenv.AWS(t)
	cfg.APIOptions = append(cfg.APIOptions, f.recordCalls)
	conf := config.Config{TableName: table, CPRKey: testenv.CPRKey, PublicBaseURL: baseURL, MailFrom: mailFrom, BucketName: bucket,
		MailConfigurationSet: "tilgang-test-mail"}
	a, err := app.Build(conf, cfg, app.NewLogger(os.Stderr, slog.LevelWarn))
	if err != nil {
		t.Fatal(err)
	}
	a.S3PathStyle = true // the S3 emulator needs path-style addresses
	f.app = a
	return f
}

// as runs do as step: every call the function makes meanwhile is put down
// to it.
func (f *function) as(step string, do func()) {
	f.setStep(step)
	defer f.setStep("")
	do()
}

func (f *function) setStep(step string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.step = step
}

// recordCalls is an API option of the function's AWS clients: it puts down
// what each call needs before the call is sent, so that a call that AWS
// would refuse is put down too.
func (f *function) recordCalls(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("RecordGrantsUsed",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			f.record(needs(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), in.Parameters))
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
}

func (f *function) record(gs []grant) {
	f.mu.Lock()
	defer f.mu.Unlock()
	step := cmp.Or(f.step, "(between steps)")
	for _, g := range gs {
		if !slices.Contains(f.used[g], step) {
			f.used[g] = append(f.used[g], step)
		}
	}
}

func (f *function) grantsUsed() map[grant][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.used)
}

// needs is what IAM authorises a call by. A transaction is authorised per
// item, as the single-item action on the table; TransactWriteItems and
// TransactGetItems are no actions of their own.
func needs(service, op string, params any) []grant {
	switch service {
	case "DynamoDB":
		return dynamoDBNeeds(op, params)
	case "S3":
		return s3Needs(op, params)
	case "SESv2":
		// A send that names a configuration set is authorised on it too.
		if in, ok := params.(*sesv2.SendEmailInput); ok && aws.ToString(in.ConfigurationSetName) != "" {
			return []grant{{"ses:" + op, resIdentity}, {"ses:" + op, resConfigSet}}
		}
		return []grant{{"ses:" + op, resIdentity}}
	}
	return []grant{{strings.ToLower(service) + ":" + op, resUnknown}}
}

func dynamoDBNeeds(op string, params any) []grant {
	switch in := params.(type) {
	case *dynamodb.QueryInput:
		return []grant{{"dynamodb:Query", tableOrIndex(in.IndexName)}}
	case *dynamodb.ScanInput:
		return []grant{{"dynamodb:Scan", tableOrIndex(in.IndexName)}}
	case *dynamodb.TransactWriteItemsInput:
		var out []grant
		for _, it := range in.TransactItems {
			switch {
			case it.Put != nil:
				out = append(out, grant{"dynamodb:PutItem", resTable})
			case it.Update != nil:
				out = append(out, grant{"dynamodb:UpdateItem", resTable})
			case it.Delete != nil:
				out = append(out, grant{"dynamodb:DeleteItem", resTable})
			case it.ConditionCheck != nil:
				out = append(out, grant{"dynamodb:ConditionCheckItem", resTable})
			}
		}
		return out
	case *dynamodb.TransactGetItemsInput:
		out := make([]grant, len(in.TransactItems))
		for i := range out {
			out[i] = grant{"dynamodb:GetItem", resTable}
		}
		return out
	}
	// Single-item calls and the batches name the table.
	return []grant{{"dynamodb:" + op, resTable}}
}

func tableOrIndex(index *string) string {
	if aws.ToString(index) != "" {
		return resIndex
	}
	return resTable
}

// s3Needs is what an S3 call needs. The bucket encrypts with its KMS key
// (SSE-KMS), which S3 uses with the caller's authority: writing an object
// needs a data key, reading one Decrypt. A presigned PUT is put down when
// it is signed, as it is the signer's authority that S3 checks.
func s3Needs(op string, params any) []grant {
	switch in := params.(type) {
	case *s3.GetObjectInput:
		return []grant{{getObject(in.VersionId), objects(in.Key)}, {"kms:Decrypt", resKey}}
	case *s3.HeadObjectInput: // authorised as GetObject; reads no content
		return []grant{{getObject(in.VersionId), objects(in.Key)}}
	case *s3.PutObjectInput:
		return []grant{{"s3:PutObject", objects(in.Key)}, {"kms:GenerateDataKey", resKey}}
	case *s3.ListObjectsV2Input:
		return []grant{{"s3:ListBucket", resBucket}}
	}
	return []grant{{"s3:" + op, resUnknown}}
}

// getObject is the action of reading an object: reading a given version
// is an action of its own.
func getObject(versionID *string) string {
	if aws.ToString(versionID) != "" {
		return "s3:GetObjectVersion"
	}
	return "s3:GetObject"
}

// objects is the kind of resource of the objects under key's first prefix.
func objects(key *string) string {
	prefix, _, _ := strings.Cut(aws.ToString(key), "/")
	return "bucket:" + prefix + "/"
}

// ---------------------------------------------------------------- the template

// policy is what one function's Policies grant.
type policy struct {
	id     string // the function's logical id
	grants map[grant]bool
}

// templatePolicies reads template.yaml's functions, by the folder under
// functions/ that their CodeUri names, and the grants of their inline
// policy statements. infra/template_test.go checks the template's form
// (inline statements only, no Globals policies, the bucket's name in its
// ARNs); what it allows is read here the same way: short-form intrinsics
// (!GetAtt, !Sub) and their long forms (Fn::GetAtt, Fn::Sub).
func templatePolicies(t *testing.T) map[string]policy {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) != 1 {
		t.Fatalf("template.yaml: %v", err)
	}
	resources := field(doc.Content[0], "Resources")
	table, key := "", ""
	for id, r := range pairs(resources) {
		switch text(field(r, "Type")) {
		case "AWS::DynamoDB::Table":
			table = id
		case "AWS::KMS::Key":
			key = id
		}
	}
	out := map[string]policy{}
	for id, r := range pairs(resources) {
		if text(field(r, "Type")) != "AWS::Serverless::Function" {
			continue
		}
		props := field(r, "Properties")
		folder := strings.Trim(strings.TrimPrefix(text(field(props, "CodeUri")), "functions/"), "/")
		p := policy{id: id, grants: map[grant]bool{}}
		for _, doc := range items(field(props, "Policies")) {
			for _, st := range items(field(doc, "Statement")) {
				if text(field(st, "Effect")) != "Allow" {
					continue
				}
				for _, res := range items(field(st, "Resource")) {
					kind := resourceKind(res, table, key)
					for _, a := range items(field(st, "Action")) {
						p.grants[grant{text(a), kind}] = true
					}
				}
			}
		}
		out[folder] = p
	}
	return out
}

// resourceKind names the kind of a statement's resource; one it does not
// know is resUnknown, which no call needs, so it grants nothing here.
func resourceKind(n *yaml.Node, table, key string) string {
	tag, value := n.Tag, text(n)
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 { // {Fn::Sub: …}
		tag, value = "!"+strings.TrimPrefix(n.Content[0].Value, "Fn::"), text(n.Content[1])
		if l := n.Content[1]; l.Kind == yaml.SequenceNode && tag == "!GetAtt" { // [Table, Arn]
			value = text(l.Content[0]) + "." + text(l.Content[len(l.Content)-1])
		}
	}
	switch {
	case tag == "!GetAtt" && value == table+".Arn":
		return resTable
	case tag == "!GetAtt" && key != "" && value == key+".Arn":
		return resKey
	case tag != "!Sub":
		return resUnknown
	case value == "${"+table+".Arn}/index/*":
		return resIndex
	case strings.HasPrefix(value, "arn:${AWS::Partition}:s3:::"):
		_, objects, ok := strings.Cut(strings.TrimPrefix(value, "arn:${AWS::Partition}:s3:::"), "/")
		if !ok {
			return resBucket
		}
		return "bucket:" + strings.TrimSuffix(objects, "*")
	case strings.HasPrefix(value, "arn:${AWS::Partition}:ses:") && strings.HasSuffix(value, ":identity/*"):
		return resIdentity
	case strings.HasPrefix(value, "arn:${AWS::Partition}:ses:") && strings.Contains(value, ":configuration-set/"):
		return resConfigSet
	case strings.HasPrefix(value, "arn:${AWS::Partition}:secretsmanager:"):
		return resSecret
	case strings.HasPrefix(value, "arn:${AWS::Partition}:lambda:"):
		return resSelf
	}
	return resUnknown
}

// field is the value of key in mapping n; nil if there is none.
func field(n *yaml.Node, key string) *yaml.Node {
	for k, v := range pairs(n) {
		if k == key {
			return v
		}
	}
	return nil
}

// pairs are the keys and values of mapping n.
func pairs(n *yaml.Node) iter.Seq2[string, *yaml.Node] {
	return func(yield func(string, *yaml.Node) bool) {
		n = resolve(n)
		if n == nil || n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !yield(n.Content[i].Value, resolve(n.Content[i+1])) {
				return
			}
		}
	}
}

// items are the elements of sequence n, or n alone where one value may
// stand for a list (Action: dynamodb:Query).
func items(n *yaml.Node) []*yaml.Node {
	switch n = resolve(n); {
	case n == nil:
		return nil
	case n.Kind == yaml.SequenceNode:
		out := make([]*yaml.Node, len(n.Content))
		for i, c := range n.Content {
			out[i] = resolve(c)
		}
		return out
	}
	return []*yaml.Node{n}
}

func text(n *yaml.Node) string {
	if n = resolve(n); n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func resolve(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode {
		return n.Alias
	}
	return n
}

// ---------------------------------------------------------------- the world

// world is one organisation on a fresh table, served by every function.
type world struct {
	ctx   context.Context
	table string
	// setup makes what no function makes (the organisation) and reads what
	// only a mail would carry (link tokens); its calls are not recorded.
	setup *app.App
	org   *tilgang.Organisation
	creds tenants.Credentials
	fns   map[string]*function
	// The HTTP functions' doors.
	scim, admin, web, console *door
	// passkeys is the console's passkey ceremonies, in the same browser
	// as console: the two doors share their cookies.
	passkeys *door
	// run tells this run's mail addresses apart: the SES emulator is shared.
	run string
	// s3 and bucket are the bucket of files and receipts; s3's calls are
	// not recorded.
	s3     *s3.Client
	bucket string

	group    string // the SCIM group "HR"
	anna, bo string // users
}

func newWorld(t *testing.T) *world {
	t.Helper()
	_, table := testenv.Table(t)
	setup, err := app.Build(config.Config{TableName: table, CPRKey: testenv.CPRKey}, testenv.AWS(t), app.NewLogger(os.Stderr, slog.LevelWarn))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{ctx: t.Context(), table: table, setup: setup, fns: map[string]*function{}, run: strings.ToLower(rand.Text()[:8])}
	w.org = &tilgang.Organisation{Name: "Grants ApS", CVR: "11223344", IAL: 3}
	if w.creds, err = setup.Tenants.Provision(w.ctx, w.org); err != nil {
		t.Fatal(err)
	}
	w.s3, w.bucket = testenv.Bucket(t)
	for _, name := range []string{"scim", "admin", "web", "console", "passkeys", "csvimport", "scheduler", "mailer", "sesevents"} {
		w.fns[name] = newFunction(t, name, table, w.bucket)
	}
	w.scim = newDoor(w.fns["scim"], w.fns["scim"].app.SCIMHandler(), w.creds.SCIMToken, "application/scim+json")
	w.admin = newDoor(w.fns["admin"], w.fns["admin"].app.AdminHandler(), w.creds.AdminToken, "application/json")
	w.web = newDoor(w.fns["web"], w.fns["web"].app.WebHandler(), "", "")
	w.console = newDoor(w.fns["console"], w.fns["console"].app.ConsoleHandler(), "", "")
	w.passkeys = newDoor(w.fns["passkeys"], w.fns["passkeys"].app.PasskeysHandler(), "", "application/json")
	w.passkeys.cookies = w.console.cookies
	return w
}

// address is a fresh mail address of this run.
func (w *world) address(name string) string { return name + "." + w.run + "@example.dk" }

// mapGroupToRole maps the group HR to a role, so that joining and leaving
// it also changes the members' roles.
func (w *world) mapGroupToRole(t *testing.T) {
	w.admin.do(t, "map the group HR to a role", "PATCH", "/admin/v1/organisation",
		`{"groupRoles":[{"group":"HR","role":"sagsbehandler","orgUnit":"HR"}]}`, http.StatusOK)
}

// scimGroups provisions users and a group as an identity provider does,
// and deletes a user who is in the group.
func (w *world) scimGroups(t *testing.T) {
	w.anna, w.bo = w.scimUser(t, "anna"), w.scimUser(t, "bo")
	carl := w.scimUser(t, "carl")
	r := w.scim.do(t, "create a group with members", "POST", "/scim/v2/Groups",
		fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"HR","members":[{"value":%q},{"value":%q}]}`, w.anna, w.bo),
		http.StatusCreated)
	w.group = jsonString(t, r, "id")
	group := "/scim/v2/Groups/" + w.group
	w.scim.do(t, "add a member and remove another", "PATCH", group,
		fmt.Sprintf(`{"Operations":[{"op":"add","path":"members","value":[{"value":%q}]},{"op":"remove","path":"members[value eq \"%s\"]"}]}`, carl, w.bo),
		http.StatusNoContent)
	w.scim.do(t, "read a group with its members", "GET", group, "", http.StatusOK)
	w.scim.do(t, "read a user's groups", "GET", "/scim/v2/Users/"+w.anna+"?attributes=groups", "", http.StatusOK)
	w.scim.do(t, "list users", "GET", "/scim/v2/Users?startIndex=1&count=10", "", http.StatusOK)
	w.scim.do(t, "delete a user who is in a group", "DELETE", "/scim/v2/Users/"+carl, "", http.StatusNoContent)
}

// scimUser creates a user with an e-mail address (so that it gets
// activation mail) and returns its id.
func (w *world) scimUser(t *testing.T, name string) string {
	t.Helper()
	r := w.scim.do(t, "create a user", "POST", "/scim/v2/Users",
		fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%[1]q,"emails":[{"value":%[1]q,"type":"work","primary":true}]}`, w.address(name)),
		http.StatusCreated)
	return jsonString(t, r, "id")
}

// addMembers adds users to the group as an identity provider does.
func (w *world) addMembers(t *testing.T, ids ...string) {
	t.Helper()
	var values []string
	for _, id := range ids {
		values = append(values, fmt.Sprintf(`{"value":%q}`, id))
	}
	w.scim.do(t, "add members", "PATCH", "/scim/v2/Groups/"+w.group,
		`{"Operations":[{"op":"add","path":"members","value":[`+strings.Join(values, ",")+`]}]}`, http.StatusNoContent)
}

// adminGroups reads users and groups as an administrator, and deletes a
// user who is in a group.
func (w *world) adminGroups(t *testing.T) {
	w.admin.do(t, "list users", "GET", "/admin/v1/users", "", http.StatusOK)
	w.admin.do(t, "list groups", "GET", "/admin/v1/groups", "", http.StatusOK)
	w.admin.do(t, "read a group with its members' roles", "GET", "/admin/v1/groups/"+w.group, "", http.StatusOK)
	w.admin.do(t, "list a group's members", "GET", "/admin/v1/groups/"+w.group+"/members", "", http.StatusOK)
	w.admin.do(t, "delete a user who is in a group", "DELETE", "/admin/v1/users/"+w.anna, "", http.StatusNoContent)
}

// rejectedInvitation: an invitee accepts on the invitation page; while the
// new user awaits approval the identity provider puts it in the group, and
// the administrator rejects it, which deletes the user from its groups.
func (w *world) rejectedInvitation(t *testing.T) {
	r := w.admin.do(t, "invite an address", "POST", "/admin/v1/invitations",
		fmt.Sprintf(`{"emails":[%q],"role":"company-admin","language":"da"}`, w.address("ida")), http.StatusOK)
	var res struct {
		Results []struct{ InvitationID string }
	}
	decode(t, r, &res)
	if len(res.Results) != 1 || res.Results[0].InvitationID == "" {
		t.Fatalf("invitation not made: %s", r.Body)
	}
	id := res.Results[0].InvitationID
	inv, err := w.setup.Invitations.Get(w.ctx, w.org, id)
	if err != nil {
		t.Fatal(err)
	}
	token, err := w.setup.Invitations.Token(inv)
	if err != nil {
		t.Fatal(err)
	}
	form := w.web.do(t, "open an invitation", "GET", "/invitations/"+token, "", http.StatusOK)
	w.web.do(t, "accept an invitation", "POST", "/invitations/"+token, url.Values{
		"csrf": {csrfOf(t, form)}, "firstName": {"Ida"}, "lastName": {"Holm"}, "phone": {"12345678"}, "accept": {"yes"}, "lang": {"da"},
	}, http.StatusSeeOther)
	user := jsonString(t, w.admin.do(t, "read an invitation", "GET", "/admin/v1/invitations/"+id, "", http.StatusOK), "userId")
	w.addMembers(t, user)
	w.admin.do(t, "reject an accepted invitation, deleting its user", "POST", "/admin/v1/invitations/"+id+"/reject", "", http.StatusOK)
}

// activation: a user an administrator made activates on the activation
// page.
func (w *world) activation(t *testing.T) {
	const cprNumber = "3101901234"
	r := w.admin.do(t, "create a user", "POST", "/admin/v1/users",
		fmt.Sprintf(`{"firstName":"Gustav","lastName":"Holm","email":%q,"cpr":%q}`, w.address("gustav"), cprNumber), http.StatusCreated)
	u, err := w.setup.Store.User(w.ctx, w.org.ID, jsonString(t, r, "id"))
	if err != nil {
		t.Fatal(err)
	}
	token, err := w.setup.Users.ActivationToken(u)
	if err != nil {
		t.Fatal(err)
	}
	form := w.web.do(t, "open an activation", "GET", "/activate/"+token, "", http.StatusOK)
	w.web.do(t, "activate with a CPR number", "POST", "/activate/"+token,
		url.Values{"csrf": {csrfOf(t, form)}, "cpr": {cprNumber}}, http.StatusSeeOther)
}

// csvDelete imports a file whose row deletes a user who is in the group,
// as a tool does: it asks the admin API for an upload, PUTs the file to
// the presigned URL, and reads the receipt through the admin API.
func (w *world) csvDelete(t *testing.T) {
	dora := w.scimUser(t, "dora")
	w.addMembers(t, dora, w.bo) // bo stays in the group for scimDeleteGroup
	file := []byte("Aktion;UUID;Fornavn;Efternavn;CPR;Email;TargetIAL\r\nD;" + dora + ";;;;;\r\n")
	var grant struct {
		ID, Key, Method, URL string
		Headers              map[string]string
	}
	decode(t, w.admin.do(t, "grant an upload", "POST", "/admin/v1/imports",
		fmt.Sprintf(`{"contentLength":%d,"fileName":"leavers.csv"}`, len(file)), http.StatusCreated), &grant)
	req, err := http.NewRequestWithContext(w.ctx, grant.Method, grant.URL, bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range grant.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("presigned PUT: %s", resp.Status)
	}
	ev := testenv.Created(t, w.s3, w.bucket, grant.Key)
	f := w.fns["csvimport"]
	f.as("S3 event of an uploaded file whose row deletes a user who is in a group", func() {
		if err := f.app.CSVImport(nil).Handle(w.ctx, ev); err != nil {
			t.Fatal(err)
		}
	})
	var receipt imports.Receipt
	decode(t, w.admin.do(t, "read an import's JSON receipt", "GET", "/admin/v1/imports/"+grant.ID+"/receipt.json", "", http.StatusOK), &receipt)
	if receipt.Status != "completed" || receipt.Deleted != 1 || receipt.Failed != 0 {
		t.Fatalf("the import did not delete the user: %+v", receipt)
	}
	w.admin.do(t, "read an import's CSV receipt", "GET", "/admin/v1/imports/"+grant.ID+"/receipt.csv", "", http.StatusOK)
}

// scimDeleteGroup deletes the group, with a member left in it.
func (w *world) scimDeleteGroup(t *testing.T) {
	w.scim.do(t, "delete a group with members", "DELETE", "/scim/v2/Groups/"+w.group, "", http.StatusNoContent)
}

// scheduledExpiry runs the scheduler once with an activation overdue, so
// that it changes a user.
func (w *world) scheduledExpiry(t *testing.T) {
	r := w.admin.do(t, "create a user", "POST", "/admin/v1/users",
		fmt.Sprintf(`{"firstName":"Frida","lastName":"Holm","email":%q,"dateOfBirth":"1985-06-15"}`, w.address("frida")), http.StatusCreated)
	// As 31 days of waiting would: the link's schedule entry moves to
	// yesterday, which the sweep reads.
	old, err := w.setup.Store.User(w.ctx, w.org.ID, jsonString(t, r, "id"))
	if err != nil {
		t.Fatal(err)
	}
	next := old.Clone()
	next.Activation.IssuedAt = time.Now().Add(-31 * 24 * time.Hour)
	next.Activation.ExpiresAt = time.Now().Add(-24 * time.Hour)
	if err := w.setup.Store.UpdateUser(w.ctx, old, next, tilgang.Change{Activity: tilgang.Activity{Actor: "test", Source: "test", Action: "test.expired"}}); err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	load(t, "scheduler-schedule.json", &ev)
	f := w.fns["scheduler"]
	f.as("EventBridge schedule with an activation overdue", func() {
		if err := f.app.Scheduler().Handle(w.ctx, ev); err != nil {
			t.Fatal(err)
		}
	})
}

// mail delivers the outbox mail of every step before to the mailer, as
// the table's stream does.
func (w *world) mail(t *testing.T) {
	last := w.scimUser(t, "erik") // its mail is the stream's last
	recs := w.outboxRecords(t, last)
	f := w.fns["mailer"]
	f.as("start-up check of the sender identity", func() {
		// The emulator does not implement the call; only the grant counts here.
		_ = mail.CheckSender(w.ctx, f.app.SES(), mailFrom)
	})
	m := f.app.Mailer()
	f.as("DynamoDB stream of the outbox mail of every step", func() {
		for batch := range slices.Chunk(recs, 100) { // the template's BatchSize
			resp, err := m.Handle(w.ctx, events.DynamoDBEvent{Records: batch})
			if err != nil || len(resp.BatchItemFailures) != 0 {
				t.Errorf("mailer: failures %v, err %v", resp.BatchItemFailures, err)
			}
		}
	})
}

// sesEvents feeds the sesevents function SES's bounce of a user's mail, as
// EventBridge delivers it, so that it records the user's mail state.
func (w *world) sesEvents(t *testing.T) {
	email := w.address("gerda")
	r := w.admin.do(t, "create a user", "POST", "/admin/v1/users",
		fmt.Sprintf(`{"firstName":"Gerda","lastName":"Lund","email":%q,"dateOfBirth":"1980-01-01"}`, email), http.StatusCreated)
	id := jsonString(t, r, "id")
	var ev events.EventBridgeEvent
	load(t, "sesevents-bounce.json", &ev, "anna.hansen@example.dk", email,
		"0190f0c4-0000-7000-8000-00000000000a", w.org.ID, "0190f0c4-0000-7000-8000-00000000000b", id)
	f := w.fns["sesevents"]
	f.as("EventBridge: SES bounced a user's mail", func() {
		if err := f.app.SESEvents().Handle(w.ctx, ev); err != nil {
			t.Fatal(err)
		}
	})
	st, err := w.setup.Store.MailState(w.ctx, tilgang.MailTarget{OrgID: w.org.ID, UserID: id})
	if err != nil || st == nil || st.State != tilgang.MailStateBounced {
		t.Fatalf("mail state after the bounce = %+v, %v", st, err)
	}
}

// outboxRecords reads the table's stream, as the mailer's event source
// mapping would, up to the outbox insert of user last.
func (w *world) outboxRecords(t *testing.T, last string) []events.DynamoDBEventRecord {
	t.Helper()
	// The timeout only ends a run whose record never comes.
	ctx, cancel := context.WithTimeout(w.ctx, time.Minute)
	defer cancel()
	var recs []events.DynamoDBEventRecord
	seen := false
	err := localstack.PollStream(ctx, testenv.AWS(t), localstack.StreamOptions{
		Table: w.table, Filter: localstack.InsertsOfType(store.OutboxType), Interval: 20 * time.Millisecond, BatchSize: 1000,
	}, func(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		for _, r := range ev.Records {
			recs = append(recs, r)
			if u, ok := r.Change.NewImage["userId"]; ok && u.DataType() == events.DataTypeString && u.String() == last {
				seen = true
				cancel()
			}
		}
		return events.DynamoDBEventResponse{}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !seen {
		t.Fatalf("the stream gave %d outbox records, none of them the mail of user %s", len(recs), last)
	}
	return recs
}

// ---------------------------------------------------------------- HTTP doors

// door sends requests to an HTTP function as API Gateway (payload format
// 2.0) delivers them to Lambda, through the adapter its main.go starts. It
// keeps cookies, as a browser does.
type door struct {
	fn          *function
	proxy       func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
	token       string // bearer token; "" for none
	contentType string // of request bodies
	cookies     map[string]string
	headers     map[string]string // sent with every request, as a script sets them
}

func newDoor(fn *function, h http.Handler, token, contentType string) *door {
	return &door{fn: fn, proxy: httpadapter.NewV2(h).ProxyWithContext, token: token, contentType: contentType, cookies: map[string]string{}}
}

// do sends a request and fails t unless it is answered with status want.
// body is sent as is, or as a form if it is url.Values. step says what the
// request does.
func (d *door) do(t *testing.T, step, method, target string, body any, want int) events.APIGatewayV2HTTPResponse {
	t.Helper()
	path, query, _ := strings.Cut(target, "?")
	req := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RawPath: path, RawQueryString: query, Headers: map[string]string{"host": "tilgang.test"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{DomainName: "tilgang.test", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
			Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "192.0.2.20",
		}},
	}
	switch b := body.(type) {
	case string:
		if b != "" {
			req.Body, req.Headers["content-type"] = b, d.contentType
		}
	case url.Values:
		req.Body, req.Headers["content-type"] = b.Encode(), "application/x-www-form-urlencoded"
	default:
		t.Fatalf("body of type %T", body)
	}
	if d.token != "" {
		req.Headers["authorization"] = "Bearer " + d.token
	}
	for k, v := range d.headers {
		req.Headers[k] = v
	}
	for _, name := range slices.Sorted(maps.Keys(d.cookies)) {
		req.Cookies = append(req.Cookies, name+"="+d.cookies[name])
	}
	var resp events.APIGatewayV2HTTPResponse
	var err error
	d.fn.as(method+" "+route(path)+": "+step, func() {
		resp, err = d.proxy(t.Context(), req)
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("%s: %s %s: status %d, want %d; body %s", d.fn.name, method, target, resp.StatusCode, want, resp.Body)
	}
	for _, line := range resp.Cookies {
		if c, err := http.ParseSetCookie(line); err == nil {
			d.cookies[c.Name] = c.Value
		}
	}
	return resp
}

// route is path with its ids and tokens (the long segments) as {id}, for
// messages.
func route(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if len(s) >= 32 {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}

func decode(t *testing.T, r events.APIGatewayV2HTTPResponse, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("body is not the JSON expected: %v: %s", err, r.Body)
	}
}

// jsonString is the string member name of the JSON object r answers.
func jsonString(t *testing.T, r events.APIGatewayV2HTTPResponse, name string) string {
	t.Helper()
	var m map[string]any
	decode(t, r, &m)
	s, _ := m[name].(string)
	if s == "" {
		t.Fatalf("no %q in %s", name, r.Body)
	}
	return s
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf is the CSRF field of the form a page holds.
func csrfOf(t *testing.T, page events.APIGatewayV2HTTPResponse) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("no CSRF field on the page: %s", page.Body)
	}
	return m[1]
}

var signInLink = regexp.MustCompile(`/console/signin/[A-Z2-7]+`)

// consoleSteps: an administrator signs in to the console with a mailed
// link, lists the users, creates one and makes a SCIM token.
func (w *world) consoleSteps(t *testing.T) {
	address := w.address("cora")
	if _, err := w.setup.Users.Create(w.ctx, tilgang.Actor{Name: "test", Roles: tilgang.AdminRoles}, w.org, users.NewRequest{
		User: &tilgang.User{FirstName: "Cora", LastName: "Holm", Email: address, DateOfBirth: "1980-01-01",
			Roles: []tilgang.Role{{Role: tilgang.RoleCompanyAdmin}, {Role: tilgang.RoleUserAdmin}}},
		Profile: users.AdminProfile,
	}); err != nil {
		t.Fatal(err)
	}
	form := w.console.do(t, "open the sign-in page", "GET", "/console/signin", "", http.StatusOK)
	w.console.do(t, "ask for a sign-in link", "POST", "/console/signin", url.Values{"csrf": {csrfOf(t, form)}, "email": {address}}, http.StatusOK)
	mails := testenv.MailTo(t, address)
	if len(mails) == 0 {
		t.Fatal("no sign-in mail")
	}
	link := signInLink.FindString(mails[len(mails)-1].Body.Text)
	page := w.console.do(t, "open a sign-in link", "GET", link, "", http.StatusOK)
	w.console.do(t, "sign in", "POST", link, url.Values{"csrf": {csrfOf(t, page)}}, http.StatusSeeOther)
	list := w.console.do(t, "list users", "GET", "/console/users", "", http.StatusOK)
	csrf := csrfOf(t, list)
	w.console.do(t, "create a user", "POST", "/console/users/new", url.Values{"csrf": {csrf}, "firstName": {"Dan"}, "lastName": {"Holm"},
		"email": {w.address("dan")}, "identity": {"cpr"}, "cpr": {"0202901234"}, "kind": {"employee"}}, http.StatusSeeOther)
	w.console.do(t, "make a SCIM token", "POST", "/console/tokens", url.Values{"csrf": {csrf}, "name": {"Entra ID"}, "kind": {"scim"}}, http.StatusOK)
	w.passkeySteps(t, csrf)
}

// passkeySteps: the signed-in administrator registers a passkey, then
// signs in with it from the sign-in page, as the console's script does.
func (w *world) passkeySteps(t *testing.T, csrf string) {
	u, err := url.Parse(baseURL)
	if err != nil {
		t.Fatal(err)
	}
	key := passkeytest.New(t, u.Hostname(), u.Scheme+"://"+u.Host)
	w.passkeys.headers = map[string]string{"x-csrf-token": csrf}
	opts := w.passkeys.do(t, "begin registering a passkey", "POST", "/console/passkeys/register/begin", "{}", http.StatusOK)
	w.passkeys.do(t, "register the passkey", "POST", "/console/passkeys/register/finish", string(key.Create(t, []byte(opts.Body))), http.StatusOK)
	form := w.console.do(t, "open the sign-in page", "GET", "/console/signin", "", http.StatusOK)
	w.passkeys.headers = map[string]string{"x-csrf-token": csrfOf(t, form)}
	opts = w.passkeys.do(t, "begin signing in with a passkey", "POST", "/console/passkeys/signin/begin", "{}", http.StatusOK)
	w.passkeys.do(t, "sign in with the passkey", "POST", "/console/passkeys/signin/finish", string(key.Get(t, []byte(opts.Body), nil)), http.StatusOK)
}
