package console_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tilgang/tilgang/internal/app/mailerfn"
	"github.com/tilgang/tilgang/internal/browsertest"
	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/mail"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/web"
)

// TestFlowsBrowser drives the import and invitation pages in real
// Chromium with the keyboard only, axe-core on every page: a CSV file with
// a good and a bad row goes from the upload form straight to the bucket
// and its receipt is read as a table; the imported user is activated in
// bulk; an ordinary user is invited, accepts on the invitee's page in a
// second browser context, and is approved from the link in the mail the
// administrators get. The receipt and the invitations are photographed
// into .local/screenshots/.
func TestFlowsBrowser(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	// The pages the invitee uses, and the mailer that mails both sides.
	pages := httptest.NewServer(web.New(e.users, e.invitations, e.logs.Logger(), web.Options{Key: testenv.CPRKey}))
	t.Cleanup(pages.Close)
	mailer := mail.New(sesv2.NewFromConfig(testenv.AWS(t)), e.store, e.users, testenv.Links(t), mail.Config{
		From: "noreply@tilgang.test", BaseURL: pages.URL, Lookup: mailerfn.InvitationMail(e.invitations, pages.URL, e.base+"/console/"),
	}, e.logs.Logger())
	testenv.FeedOutbox(t, testenv.AWS(t), e.table, mailer.Handle)
	settings := tenants.SettingsOf(e.org)
	settings.AdminEmails = []string{e.admin.Email}
	org, err := e.tenants.UpdateSettings(ctx, e.org, settings)
	if err != nil {
		t.Fatal(err)
	}
	e.org = org

	browser := browsertest.Chrome(t)
	tab := browsertest.Tab(t, browser)
	arrive := func(page string) {
		t.Helper()
		browsertest.NewPage(t, tab)
		browsertest.Do(t, tab, chromedp.WaitVisible(chromedp.CSS(`main[data-page="`+page+`"]`)))
		browsertest.Axe(t, tab)
	}
	press := func(id string) {
		t.Helper()
		browsertest.TabTo(t, tab, id)
		browsertest.Mark(t, tab)
		browsertest.Enter(t, tab)
	}
	nav := func(href, page string) {
		t.Helper()
		browsertest.TabUntil(t, tab, `document.activeElement.getAttribute("href") === "`+href+`"`)
		browsertest.Mark(t, tab)
		browsertest.Enter(t, tab)
		arrive(page)
	}

	// Sign in from the mailed link.
	browsertest.Do(t, tab, chromedp.Navigate(e.base+"/console/?lang=en"))
	arrive("signin")
	browsertest.TabTo(t, tab, "email")
	browsertest.Type(t, tab, e.admin.Email)
	browsertest.Mark(t, tab)
	browsertest.Enter(t, tab)
	arrive("signin.sent")
	browsertest.Do(t, tab, chromedp.Navigate(e.base+e.lastLink(e.admin.Email)))
	arrive("signin.link")
	press("signin-button")
	arrive("users")

	// Upload a file with a good row and a bad one.
	nav("/console/imports", "imports")
	press("new-import")
	arrive("upload")
	anna := e.address("anna")
	// The file's name is not ASCII: S3 keeps it only percent-encoded.
	file := filepath.Join(t.TempDir(), "medarbejdere-æøå.csv")
	if err := os.WriteFile(file, []byte("Aktion;Fornavn;Efternavn;CPR;Email;TargetIAL;EAN;P-nummer;SE-nummer\r\n"+
		"C;Anna;Hansen;0101901234;"+anna+";3;;1012345678;12345678\r\n"+
		"C;Bo;Berg;0202901234;ikke-en-adresse;3;;1012345678;12345678\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Choosing a file is the system's dialog, not the page's: set it as
	// the dialog would, then go on with the keyboard.
	browsertest.Do(t, tab, chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}))
	key := browsertest.Eval[string](t, tab, `document.querySelector('input[name="key"]').value`)
	if got := browsertest.Eval[string](t, tab, `document.querySelector('input[name="x-amz-meta-filename"]').value`); got != "medarbejdere-%C3%A6%C3%B8%C3%A5.csv" {
		t.Errorf("the script put %q into the form as the file's name", got)
	}
	press("upload")
	arrive("import")
	if err := csvimport.New(e.s3, e.store, e.users, nil, e.logs.Logger(), csvimport.Options{}).Handle(ctx, testenv.Created(t, e.s3, e.bucket, key)); err != nil {
		t.Fatal(err)
	}
	// The page reloads itself until the import is done.
	browsertest.Do(t, tab, chromedp.WaitVisible(chromedp.CSS("#receipt")))
	browsertest.Axe(t, tab)
	browsertest.Screenshot(t, tab, "console-import-receipt")
	if s := browsertest.Text(t, tab, "#receipt-summary"); !strings.Contains(s, "1 created") || !strings.Contains(s, "1 failed") {
		t.Errorf("receipt summary %q", s)
	}
	bad := browsertest.Text(t, tab, "#receipt tr.row-failed")
	if !strings.Contains(bad, "3") || !strings.Contains(bad, "Email") {
		t.Errorf("the failed row says %q", bad)
	}
	if h := browsertest.Text(t, tab, "h1"); h != "Import of medarbejdere-æøå.csv" {
		t.Errorf("the import's page is headed %q", h)
	}

	// Activate the imported user in bulk.
	press("activate-imported")
	arrive("imported")
	press("activate")
	arrive("imported")
	if s := browsertest.Text(t, tab, "#bulk-results"); !strings.Contains(s, "Activation sent to 1 of 1") || !strings.Contains(s, "Anna Hansen") {
		t.Errorf("bulk results %q", s)
	}

	// The import list names the import after the administrator's file.
	nav("/console/imports", "imports")
	if s := browsertest.Text(t, tab, "#imports tbody td"); s != "medarbejdere-æøå.csv" {
		t.Errorf("the import list names the file %q", s)
	}

	// Invite an ordinary user.
	ida := e.address("ida")
	nav("/console/invitations", "invitations")
	browsertest.TabTo(t, tab, "emails")
	browsertest.Type(t, tab, ida)
	press("invite")
	arrive("invitations")
	if s := browsertest.Text(t, tab, "#invite-results"); !strings.Contains(s, "1 of 1 addresses invited") {
		t.Errorf("invite results %q", s)
	}
	browsertest.Screenshot(t, tab, "console-invitations")

	// The invitee accepts in a browser context of their own.
	invitee := browsertest.Tab(t, browser)
	link := regexp.MustCompile(regexp.QuoteMeta(pages.URL) + `/invitations/[A-Za-z0-9_-]+`).FindString(waitMail(t, ida, 1)[0].Body.Text)
	if link == "" {
		t.Fatal("no link in the invitation mail")
	}
	browsertest.Do(t, invitee, chromedp.Navigate(link))
	browsertest.TabTo(t, invitee, "firstName")
	browsertest.Type(t, invitee, "Ida")
	browsertest.TabTo(t, invitee, "lastName")
	browsertest.Type(t, invitee, "Holm")
	browsertest.TabTo(t, invitee, "accept")
	browsertest.Do(t, invitee, chromedp.KeyEvent(" "))
	browsertest.TabUntil(t, invitee, `document.activeElement.type === "submit"`)
	browsertest.Do(t, invitee, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`main[data-page="accepted"]`)))

	// The administrators' mail links to the invitation's page: approve.
	adminMail := waitMailAbout(t, e.admin.Email, "/console/invitations/")
	approve := regexp.MustCompile(regexp.QuoteMeta(e.base) + `/console/invitations/[0-9a-f-]{36}`).FindString(adminMail)
	if approve == "" {
		t.Fatalf("no console link in the admins' mail:\n%s", adminMail)
	}
	browsertest.Mark(t, tab)
	browsertest.Do(t, tab, chromedp.Navigate(approve))
	arrive("invitation")
	press("approve")
	arrive("invitation")
	if s := browsertest.Text(t, tab, "#invitation-status"); s != "Approved" {
		t.Errorf("status after approving: %q", s)
	}
	done := waitMail(t, ida, 2)[1].Body.Text
	if !strings.Contains(done, "nothing more you need to do") && !strings.Contains(done, "behøver ikke gøre mere") {
		t.Errorf("the approval mail to an ordinary user:\n%s", done)
	}
}

// waitMail waits until n mails to addr have arrived in the SES emulator.
func waitMail(t *testing.T, addr string, n int) []testenv.SentMail {
	t.Helper()
	for {
		if got := testenv.MailTo(t, addr); len(got) >= n {
			return got
		}
		if t.Context().Err() != nil {
			t.Fatalf("no %d mails to %s", n, addr)
		}
		sleep()
	}
}

// waitMailAbout waits for a mail to addr whose text holds part.
func waitMailAbout(t *testing.T, addr, part string) string {
	t.Helper()
	for {
		for _, m := range testenv.MailTo(t, addr) {
			if strings.Contains(m.Body.Text, part) {
				return m.Body.Text
			}
		}
		if t.Context().Err() != nil {
			t.Fatalf("no mail to %s about %s", addr, part)
		}
		sleep()
	}
}

func sleep() { time.Sleep(50 * time.Millisecond) }
