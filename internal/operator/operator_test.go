package operator_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/app"
	"github.com/tilgang/tilgang/internal/config"
	"github.com/tilgang/tilgang/internal/devserver"
	"github.com/tilgang/tilgang/internal/operator"
	"github.com/tilgang/tilgang/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// product is tilgang running as make dev runs it, on a fresh table and
// bucket of the local stack, with a make dev file that points the
// operator command at it.
type product struct {
	t       *testing.T
	app     *app.App
	base    string // the HTTP server: /admin/v1, /scim/v2 and the pages
	devFile string
}

func newProduct(t *testing.T) *product {
	t.Helper()
	_, table := testenv.Table(t)
	_, bucket := testenv.Bucket(t)
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	base := "http://" + srv.Listener.Addr().String()
	cfg := config.Config{TableName: table, BucketName: bucket, CPRKey: testenv.CPRKey, PublicBaseURL: base, MailFrom: "noreply@tilgang.example"}
	a, err := app.Build(cfg, testenv.AWS(t), app.NewLogger(io.Discard, slog.LevelInfo))
	if err != nil {
		t.Fatal(err)
	}
	a.S3PathStyle = true
	mux.Handle("/admin/v1/", a.AdminHandler())
	mux.Handle("/scim/v2/", a.SCIMHandler())
	mux.Handle("/", a.WebHandler())
	srv.Start()
	t.Cleanup(srv.Close)

	testenv.FeedOutbox(t, a.AWS, table, a.Mailer().Handle)

	devFile := writeDevFile(t, base, table, bucket)
	return &product{t: t, app: a, base: base, devFile: devFile}
}

// writeDevFile writes the file make dev writes, with the local stack's
// endpoints, table, bucket and the test key, and returns its path.
func writeDevFile(t *testing.T, base, table, bucket string) string {
	t.Helper()
	var info devserver.Info
	info.Web.BaseURL = base
	info.Admin.BaseURL = base + "/admin/v1"
	info.SCIM.BaseURL = base + "/scim/v2"
	info.DynamoDB.Endpoint, info.DynamoDB.Table = os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"), table
	info.S3.Endpoint, info.S3.Region, info.S3.Bucket = os.Getenv("AWS_ENDPOINT_URL_S3"), os.Getenv("AWS_REGION"), bucket
	info.SES.Endpoint, info.SES.StoreURL = os.Getenv("AWS_ENDPOINT_URL_SESV2"), os.Getenv("TILGANG_MAIL_STORE_URL")
	info.CPRKey = base64.StdEncoding.EncodeToString(testenv.CPRKey)
	b, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	devFile := filepath.Join(t.TempDir(), "dev.json")
	if err := os.WriteFile(devFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return devFile
}

// tilgang runs the operator command against the product, as
// "tilgang <args> --local" would against make dev, and returns its
// output and error.
func (p *product) tilgang(args ...string) (string, error) {
	p.t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "--local", "--dev-file", p.devFile)
	err := operator.Run(context.Background(), args, &out, &errOut, operator.Deps{Connect: operator.Connect(nil)})
	return out.String(), err
}

// json runs the operator command with --json and decodes its output.
func (p *product) json(out any, args ...string) {
	p.t.Helper()
	got, err := p.tilgang(append(args, "--json")...)
	if err != nil {
		p.t.Fatalf("tilgang %s: %v", strings.Join(args, " "), err)
	}
	if err := json.Unmarshal([]byte(got), out); err != nil {
		p.t.Fatalf("tilgang %s: %v in %s", strings.Join(args, " "), err, got)
	}
}

func (p *product) request(method, path, token string, body any) (int, []byte) {
	p.t.Helper()
	ct := "application/json"
	if strings.HasPrefix(path, "/scim/") {
		ct = "application/scim+json"
	}
	resp, b := testenv.Request(p.t, method, p.base+path, token, ct, body)
	return resp.StatusCode, b
}

// mailsTo waits until the SES emulator holds n messages to addr.
func mailsTo(t *testing.T, addr string, n int) []testenv.SentMail {
	t.Helper()
	for {
		if got := testenv.MailTo(t, addr); len(got) >= n {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestFirstOrganisationFromTheOperatorCommand is issue 15's acceptance:
// the operator command creates a third organisation and invites its first
// administrator; the invitation mail arrives at the SES emulator; the
// printed admin token works against the admin API and mints a SCIM token
// that works against SCIM. Disabling the organisation then stops both
// tokens and the mailed link.
func TestFirstOrganisationFromTheOperatorCommand(t *testing.T) {
	t.Parallel()
	p := newProduct(t)
	for _, name := range []string{"Første Demo ApS", "Anden Demo A/S"} { // make dev's two
		if _, err := p.tilgang("org", "create", "--name", name, "--cvr", "12345678", "--ial", "3"); err != nil {
			t.Fatal(err)
		}
	}

	var org struct {
		ID, Name, CVR, Status string
		IAL                   int
		EANNumbers, PNumbers  []string
	}
	p.json(&org, "org", "create", "--name", "Tredje Tømrer ApS", "--cvr", "11223344", "--ial", "4",
		"--ean", "5790000111111,5790000222222", "--p-number", "1011111111", "--se-number", "11223344", "--language", "en")
	if org.ID == "" || org.Name != "Tredje Tømrer ApS" || org.CVR != "11223344" || org.IAL != 4 || org.Status != "enabled" ||
		len(org.EANNumbers) != 2 || len(org.PNumbers) != 1 {
		t.Fatalf("created %+v", org)
	}
	var listed []struct{ ID string }
	p.json(&listed, "org", "list")
	if len(listed) != 3 {
		t.Fatalf("org list: %d organisations, want 3", len(listed))
	}

	email := "first.admin." + strings.ToLower(org.ID[:8]) + "@tredje.example"
	var invited struct {
		InvitationID, AdminToken, Role string
	}
	p.json(&invited, "org", "invite-admin", "--org", org.ID, "--email", email, "--name", "Første Administrator")
	if invited.InvitationID == "" || !strings.HasPrefix(invited.AdminToken, "tlg_admin_") || invited.Role != "company-admin" {
		t.Fatalf("invite-admin: %+v", invited)
	}

	mail := mailsTo(t, email, 1)[0]
	link := regexp.MustCompile(regexp.QuoteMeta(p.base+"/invitations/") + `[A-Za-z0-9_-]+`).FindString(mail.Body.Text)
	if link == "" || !strings.Contains(mail.Body.Text, "Tredje Tømrer ApS") {
		t.Fatalf("invitation mail %q:\n%s", mail.Subject, mail.Body.Text)
	}
	if resp, _ := testenv.Request(t, "GET", link, "", "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("invitation page: %d", resp.StatusCode)
	}

	status, body := p.request("GET", "/admin/v1/organisation", invited.AdminToken, nil)
	if status != http.StatusOK || !strings.Contains(string(body), org.ID) {
		t.Fatalf("GET /organisation with the printed token: %d %s", status, body)
	}
	status, body = p.request("POST", "/admin/v1/tokens", invited.AdminToken, map[string]string{"name": "Entra ID", "kind": "scim"})
	var scim struct{ Token string }
	if status != http.StatusCreated && status != http.StatusOK || json.Unmarshal(body, &scim) != nil || scim.Token == "" {
		t.Fatalf("POST /tokens: %d %s", status, body)
	}
	if status, body := p.request("GET", "/scim/v2/Users?startIndex=1&count=10", scim.Token, nil); status != http.StatusOK {
		t.Fatalf("SCIM with the minted token: %d %s", status, body)
	}

	if _, err := p.tilgang("org", "disable", "--org", org.ID); err != nil {
		t.Fatal(err)
	}
	if status, _ := p.request("GET", "/admin/v1/organisation", invited.AdminToken, nil); status != http.StatusUnauthorized {
		t.Errorf("admin API after disable: %d, want 401", status)
	}
	if resp, _ := testenv.Request(t, "GET", link, "", "", nil); resp.StatusCode == http.StatusOK {
		t.Errorf("invitation page after disable: %d, want no page", resp.StatusCode)
	}
	// SCIM may remember a checked token for app.SCIMTokenTTL; a new
	// handler has not seen it.
	scimAfter := httptest.NewServer(p.app.SCIMHandler())
	defer scimAfter.Close()
	resp, _ := testenv.Request(t, "GET", scimAfter.URL+"/scim/v2/Users", scim.Token, "", nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("SCIM after disable: %d, want 401", resp.StatusCode)
	}

	if _, err := p.tilgang("org", "enable", "--org", org.ID); err != nil {
		t.Fatal(err)
	}
	if status, _ := p.request("GET", "/admin/v1/organisation", invited.AdminToken, nil); status != http.StatusOK {
		t.Errorf("admin API after enable: %d, want 200", status)
	}
}
