package operator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/operator"
	"github.com/tilgang/tilgang/internal/testenv"
)

// createOrg creates an organisation through the command and returns its id.
func (p *product) createOrg(args ...string) string {
	p.t.Helper()
	var org struct{ ID string }
	p.json(&org, append([]string{"org", "create", "--cvr", "12345678", "--ial", "3"}, args...)...)
	return org.ID
}

func TestOrganisationShowAndUpdate(t *testing.T) {
	t.Parallel()
	p := newProduct(t)
	id := p.createOrg("--name", "Acme ApS", "--ean", "5790000123456", "--max-admins", "2")

	var org struct {
		Name, CVR, Language string
		IAL, MaxAdmins      int
		EANNumbers          []string
		AllowAnonymous      bool
		Version             int
		Users               struct{ Total int }
	}
	p.json(&org, "org", "update", "--org", id, "--ial", "4", "--ean", "", "--allow-anonymous", "--language", "en")
	p.json(&org, "org", "show", "--org", id)
	if org.Name != "Acme ApS" || org.CVR != "12345678" || org.IAL != 4 || len(org.EANNumbers) != 0 || !org.AllowAnonymous ||
		org.Language != "en" || org.MaxAdmins != 2 || org.Version != 2 || org.Users.Total != 0 {
		t.Fatalf("after update: %+v", org)
	}

	// A value the domain refuses is the caller's fault (exit 2), and
	// changes nothing.
	_, err := p.tilgang("org", "update", "--org", id, "--cvr", "1234567", "--p-number", "12")
	if operator.ExitCode(err) != 2 || !strings.Contains(err.Error(), "cvr") || !strings.Contains(err.Error(), "pNumbers") {
		t.Fatalf("invalid update: %v (exit %d)", err, operator.ExitCode(err))
	}
	p.json(&org, "org", "show", "--org", id)
	if org.CVR != "12345678" || org.Version != 2 {
		t.Fatalf("an invalid update changed %+v", org)
	}
	if _, err := p.tilgang("org", "show", "--org", "0b6f7c1e-5d2a-4c3b-9e8f-000000000001"); operator.ExitCode(err) != 1 || !strings.Contains(err.Error(), "no such organisation") {
		t.Fatalf("unknown organisation: %v", err)
	}

	text, err := p.tilgang("org", "show", "--org", id)
	if err != nil || !strings.Contains(text, "Acme ApS") || !strings.Contains(text, "awaiting_activation") && !strings.Contains(text, "active") {
		t.Fatalf("org show as text: %v\n%s", err, text)
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	p := newProduct(t)
	id := p.createOrg("--name", "Tokens ApS")

	var scim, admin struct {
		ID, Kind, Token string
		Roles           []string
		ExpiresAt       string
	}
	p.json(&scim, "token", "create", "--org", id, "--kind", "scim", "--name", "Okta", "--expires", "90d")
	p.json(&admin, "token", "create", "--org", id, "--kind", "admin", "--name", "HR script", "--role", "user-admin")
	if !strings.HasPrefix(scim.Token, "tlg_scim_") || scim.ExpiresAt == "" || !strings.HasPrefix(admin.Token, "tlg_admin_") || len(admin.Roles) != 1 {
		t.Fatalf("minted %+v and %+v", scim, admin)
	}
	if status, body := p.request("GET", "/scim/v2/Users", scim.Token, nil); status != http.StatusOK {
		t.Fatalf("SCIM: %d %s", status, body)
	}
	if status, body := p.request("GET", "/admin/v1/users", admin.Token, nil); status != http.StatusOK {
		t.Fatalf("admin API: %d %s", status, body)
	}
	if status, _ := p.request("GET", "/admin/v1/tokens", admin.Token, nil); status != http.StatusForbidden {
		t.Fatalf("a user-admin token listed tokens: %d", status)
	}

	// The list never shows a secret.
	out, err := p.tilgang("token", "list", "--org", id, "--json")
	if err != nil || strings.Contains(out, scim.Token) || strings.Contains(out, admin.Token) || strings.Contains(out, `"token"`) {
		t.Fatalf("token list: %v\n%s", err, out)
	}
	var listed []struct{ ID, Name string }
	if err := json.Unmarshal([]byte(out), &listed); err != nil || len(listed) != 2 {
		t.Fatalf("token list: %v %s", err, out)
	}

	if _, err := p.tilgang("token", "revoke", "--org", id, "--id", admin.ID); err != nil {
		t.Fatal(err)
	}
	if status, _ := p.request("GET", "/admin/v1/users", admin.Token, nil); status != http.StatusUnauthorized {
		t.Fatalf("revoked admin token: %d", status)
	}
	if _, err := p.tilgang("token", "revoke", "--org", id, "--id", admin.ID); operator.ExitCode(err) != 1 || !strings.Contains(err.Error(), "no such token") {
		t.Fatalf("revoke twice: %v", err)
	}
	for _, args := range [][]string{
		{"--kind", "scim", "--name", "x", "--role", "user-admin"}, // SCIM tokens carry no roles
		{"--kind", "admin", "--name", "x"},                        // admin tokens need one
		{"--kind", "ldap", "--name", "x"},
		{"--kind", "scim", "--name", "x", "--expires", "2001-01-01"},
	} {
		if _, err := p.tilgang(append([]string{"token", "create", "--org", id}, args...)...); operator.ExitCode(err) != 2 {
			t.Errorf("token create %v: %v (exit %d), want a usage error", args, err, operator.ExitCode(err))
		}
	}
}

// TestCountsRepair is issue 18's repair command: it finds a deliberately
// corrupted counter shard, reports the difference with exit status 3,
// repairs it, and a second run finds nothing.
func TestCountsRepair(t *testing.T) {
	t.Parallel()
	p := newProduct(t)
	good := p.createOrg("--name", "Right ApS")
	bad := p.createOrg("--name", "Wrong ApS")
	db := dynamodb.NewFromConfig(testenv.AWS(t))
	testenv.SeedUsers(t, db, p.app.Config.TableName, bad, 7)
	testenv.SeedUsers(t, db, p.app.Config.TableName, good, 3)
	_, err := db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(p.app.Config.TableName),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "ORG#" + bad + "#COUNT#5"}, "SK": &types.AttributeValueMemberS{Value: "USERS"},
		},
		UpdateExpression:          aws.String("ADD #total :n, #active :n"),
		ExpressionAttributeNames:  map[string]string{"#total": "users", "#active": "active"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": &types.AttributeValueMemberN{Value: "4"}},
	})
	if err != nil {
		t.Fatal(err)
	}

	var out, errOut bytes.Buffer
	err = operator.Run(context.Background(), []string{"counts", "repair", "--json", "--local", "--dev-file", p.devFile}, &out, &errOut, operator.Deps{Connect: operator.Connect(nil)})
	if !errors.Is(err, operator.ErrDifferences) || operator.ExitCode(err) != 3 {
		t.Fatalf("repair of a corrupted shard: %v (exit %d)", err, operator.ExitCode(err))
	}
	var reports []struct {
		OrgID       string
		Items       struct{ Total int }
		Differences map[string]int
	}
	if err := json.Unmarshal(out.Bytes(), &reports); err != nil || len(reports) != 2 {
		t.Fatalf("report: %v\n%s", err, out.String())
	}
	for _, r := range reports {
		switch {
		case r.OrgID == bad && (r.Items.Total != 7 || r.Differences["total"] != -4 || r.Differences["active"] != -4 || len(r.Differences) != 2):
			t.Errorf("corrupted organisation: %+v", r)
		case r.OrgID == good && (r.Items.Total != 3 || len(r.Differences) != 0):
			t.Errorf("sound organisation: %+v", r)
		}
	}
	if status, body := p.request("GET", "/admin/v1/organisation/stats", p.adminToken(bad), nil); status != http.StatusOK || !strings.Contains(string(body), `"total":7`) {
		t.Errorf("stats after repair: %d %s", status, body)
	}
	if text, err := p.tilgang("counts", "repair", "--org", bad); err != nil || !strings.Contains(text, "counters right") {
		t.Fatalf("second repair: %v\n%s", err, text)
	}
}

// adminToken mints an admin token of org with every role.
func (p *product) adminToken(org string) string {
	p.t.Helper()
	var tok struct{ Token string }
	p.json(&tok, "token", "create", "--org", org, "--kind", "admin", "--name", "test", "--role", "user-admin,company-admin,rights-admin")
	return tok.Token
}

// TestImportRedrive: a file uploaded through the admin API whose event
// never reached csvimport (it went to the dead-letter queue) is imported
// by a re-drive; a finished import is left alone.
func TestImportRedrive(t *testing.T) {
	t.Parallel()
	p := newProduct(t)
	org := p.createOrg("--name", "Import ApS")
	token := p.adminToken(org)
	file, err := os.ReadFile("testdata/import.csv")
	if err != nil {
		t.Fatal(err)
	}
	status, body := p.request("POST", "/admin/v1/imports", token, map[string]any{"contentLength": len(file), "fileName": "staff.csv"})
	var grant struct {
		ID, Method, URL string
		Headers         map[string]string
	}
	if status != http.StatusCreated || json.Unmarshal(body, &grant) != nil {
		t.Fatalf("POST /imports: %d %s", status, body)
	}
	req, _ := http.NewRequest(grant.Method, grant.URL, bytes.NewReader(file))
	for k, v := range grant.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %v %v", err, resp)
	}
	resp.Body.Close()

	var out struct{ Ran, Status string }
	p.json(&out, "import", "redrive", "--org", org, "--import", grant.ID)
	if out.Ran != "here" || out.Status != "completed" {
		t.Fatalf("redrive: %+v", out)
	}
	status, body = p.request("GET", "/admin/v1/imports/"+grant.ID, token, nil)
	if status != http.StatusOK || !strings.Contains(string(body), `"created":2`) {
		t.Fatalf("import after redrive: %d %s", status, body)
	}
	if _, err := p.tilgang("import", "redrive", "--org", org, "--import", grant.ID); operator.ExitCode(err) != 1 || !strings.Contains(err.Error(), "is completed") {
		t.Fatalf("redrive of a finished import: %v", err)
	}
	if _, err := p.tilgang("import", "redrive", "--org", org, "--import", "0b6f7c1e-5d2a-4c3b-9e8f-000000000001"); err == nil || !strings.Contains(err.Error(), "no import or upload") {
		t.Fatalf("redrive of an unknown import: %v", err)
	}
}
