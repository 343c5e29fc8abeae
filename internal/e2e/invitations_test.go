package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tilgang/tilgang/internal/browsertest"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

type inviteResult struct {
	Email        string `json:"email"`
	OK           bool   `json:"ok"`
	InvitationID string `json:"invitationId"`
	Error        *struct {
		Code string `json:"code"`
	} `json:"error"`
}

func (w *world) invite(emails ...string) []inviteResult {
	w.t.Helper()
	var out struct{ Results []inviteResult }
	body := map[string]any{"emails": emails, "role": tilgang.RoleUserAdmin, "language": "da", "inviter": "Jens Jensen, HR"}
	if s := w.admin("POST", "/invitations", body, &out); s != http.StatusOK {
		w.t.Fatalf("POST /invitations: %d", s)
	}
	return out.Results
}

// TestInvitations follows SPEC §8 through mail and pages: four addresses
// (one invalid, one repeated) make two invitations and two mails; one is
// accepted on its page and approved, and the user is then active and seen
// over SCIM; the other is revoked and its page says so; a resend kills the
// old link; 251 addresses are refused and send nothing; another
// organisation finds none of it.
func TestInvitations(t *testing.T) {
	t.Parallel()
	boss := uniqueEmail(t, "boss")
	w := newWorld(t, &tilgang.Organisation{Name: "Invitér ApS", IAL: 3, Language: "da", AdminEmails: []string{boss}})
	ida, ole := uniqueEmail(t, "ida"), uniqueEmail(t, "ole")
	res := w.invite(ida, "ikke-en-adresse", ole, strings.ToUpper(ida))
	var codes []string
	for _, r := range res {
		if r.OK {
			codes = append(codes, "ok")
		} else {
			codes = append(codes, r.Error.Code)
		}
	}
	if fmt.Sprint(codes) != "[ok email.format ok invitation.duplicate]" {
		t.Fatalf("results %v", codes)
	}
	idaMail, oleMail := mailsTo(t, ida, 1)[0], mailsTo(t, ole, 1)[0]
	if !strings.Contains(idaMail.Body.Text, "Invitér ApS") || !strings.Contains(idaMail.Subject+idaMail.Body.Text, "Jens Jensen, HR") {
		t.Errorf("invitation mail without the organisation or the inviter:\n%s\n%s", idaMail.Subject, idaMail.Body.Text)
	}

	// Ida accepts on her page and is approved.
	b := newBrowser(t)
	form := b.get(w.link(idaMail, "/invitations/"))
	wantPage(t, form, http.StatusOK, "Invitér ApS", ida, "Jens Jensen, HR", `name="firstName"`)
	done := b.submit(form, url.Values{"firstName": {"Ida"}, "lastName": {"Holm"}, "phone": {""}, "accept": {"yes"}})
	wantPage(t, done, http.StatusOK)
	var approved struct{ Status, UserID string }
	if s := w.admin("POST", "/invitations/"+res[0].InvitationID+"/approve", nil, &approved); s != http.StatusOK {
		t.Fatalf("approve: %d", s)
	}
	var u userJSON
	w.admin("GET", "/users/"+approved.UserID, nil, &u)
	if u.Status != "active" || !strings.EqualFold(u.Email, ida) {
		t.Fatalf("approved user %+v", u)
	}
	// The admins' mail links to the invitation's page in the console; the
	// approval mail says what a user administrator can do there now.
	// (The console is at the public address, by host name under make dev.)
	if m := mailsTo(t, boss, 1)[0]; !strings.Contains(m.Body.Text, "/console/invitations/"+res[0].InvitationID+"\n") {
		t.Errorf("accepted mail to the admins:\n%s", m.Body.Text)
	}
	if done := mailsTo(t, ida, 2)[1]; !strings.Contains(done.Body.Text, "brugeradministrator") || !strings.Contains(done.Body.Text, "/console/\n") {
		t.Errorf("approval mail:\n%s", done.Body.Text)
	}
	filter := url.QueryEscape(`userName eq "` + ida + `"`)
	resp, body := testenv.Request(t, "GET", w.base+"/scim/v2/Users?filter="+filter, w.creds.SCIMToken, "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"totalResults":1`) || !strings.Contains(string(body), `"active":true`) {
		t.Fatalf("SCIM: %d %s", resp.StatusCode, body)
	}

	// Ole's invitation is resent (old link dead), then revoked.
	oldLink := w.link(oleMail, "/invitations/")
	if s := w.admin("POST", "/invitations/"+res[2].InvitationID+"/resend", nil, nil); s != http.StatusOK {
		t.Fatalf("resend: %d", s)
	}
	newLink := w.link(mailsTo(t, ole, 2)[1], "/invitations/")
	if p := newBrowser(t).get(oldLink); p.status == http.StatusOK || strings.Contains(p.body, "<form") {
		t.Fatalf("the old link still opens: %d\n%s", p.status, p.body)
	}
	wantPage(t, newBrowser(t).get(newLink), http.StatusOK, `name="firstName"`)
	if s := w.admin("DELETE", "/invitations/"+res[2].InvitationID, nil, nil); s != http.StatusNoContent {
		t.Fatalf("revoke: %d", s)
	}
	withdrawn := newBrowser(t).get(newLink)
	wantPage(t, withdrawn, http.StatusGone)
	if strings.Contains(withdrawn.body, "<form") || !strings.Contains(strings.ToLower(withdrawn.body), "trukket tilbage") {
		t.Fatalf("revoked page:\n%s", withdrawn.body)
	}

	// 251 addresses: refused whole, nothing sent.
	many := make([]string, 251)
	for i := range many {
		many[i] = fmt.Sprintf("n%d.%s", i, ida)
	}
	if s := w.admin("POST", "/invitations", map[string]any{"emails": many, "role": tilgang.RoleUserAdmin}, nil); s != http.StatusBadRequest {
		t.Fatalf("251 addresses: %d", s)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(testenv.MailTo(t, many[0])); n != 0 {
		t.Errorf("%d mails for a refused request", n)
	}

	// Another organisation's admin finds none of the invitations.
	other, err := w.app.Tenants.Provision(context.Background(), &tilgang.Organisation{Name: "Anden A/S", IAL: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{res[0].InvitationID, res[2].InvitationID} {
		for _, call := range [][2]string{{"GET", ""}, {"DELETE", ""}, {"POST", "/resend"}, {"POST", "/approve"}, {"POST", "/reject"}} {
			resp, body := testenv.Request(t, call[0], w.base+"/admin/v1/invitations/"+id+call[1], other.AdminToken, "application/json", nil)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s%s by another organisation: %d %s", call[0], id, call[1], resp.StatusCode, body)
			}
		}
	}
}

// TestInvitationInBrowser opens the link of a mailed invitation in real
// Chromium and accepts with the keyboard only; the admin API then shows
// the user awaiting approval.
func TestInvitationInBrowser(t *testing.T) {
	t.Parallel()
	w := newWorld(t, &tilgang.Organisation{Name: "Browser ApS", IAL: 3, Language: "en"})
	addr := uniqueEmail(t, "kim")
	w.invite(addr)
	link := w.link(mailsTo(t, addr, 1)[0], "/invitations/")

	tab := newTab(t)
	tab.do(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#firstName")))
	tab.tabTo("firstName")
	tab.do(chromedp.KeyEvent("Kim"), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent("Krog"), chromedp.KeyEvent(kb.Tab),
		chromedp.KeyEvent(kb.Tab))
	if !tab.focused("accept") {
		t.Fatal("the third Tab does not reach the accept box")
	}
	tab.do(chromedp.KeyEvent(" "), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`main[data-page="accepted"]`)))
	var page struct{ Items []userJSON }
	w.admin("GET", "/users?status=awaiting_approval", nil, &page)
	if len(page.Items) != 1 || !strings.EqualFold(page.Items[0].Email, addr) {
		t.Fatalf("users awaiting approval: %+v", page.Items)
	}
}

// TestActivationInBrowser opens the link of a mailed activation in real
// Chromium and activates with the keyboard only; the admin API then shows
// the user active.
func TestActivationInBrowser(t *testing.T) {
	t.Parallel()
	w := newWorld(t, &tilgang.Organisation{Name: "Browser Aktivering ApS", IAL: 3, Language: "da"})
	addr := uniqueEmail(t, "liv")
	u := w.createUser(map[string]any{"firstName": "Liv", "lastName": "Lund", "email": addr, "cpr": "0707901234"})
	link := w.link(mailsTo(t, addr, 1)[0], "/activate/")

	tab := newTab(t)
	tab.do(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#cpr")))
	tab.tabTo("cpr")
	tab.do(chromedp.KeyEvent("0707901234"), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`main[data-page="activated"]`)))
	if path, err := chromedp.Run(tab.ctx, chromedp.Evaluate[string](`location.pathname`)); err != nil || path != "/activate/done" {
		t.Errorf("after submitting, the browser is at %q (%v)", path, err)
	}
	if got := w.user(u.ID).Status; got != "active" {
		t.Fatalf("the admin API shows the user %s", got)
	}
}

// tab is a Chromium tab driven with the keyboard, as a person without a
// mouse would.
type tab struct {
	t   *testing.T
	ctx context.Context
}

func newTab(t *testing.T) *tab {
	return &tab{t: t, ctx: browsertest.Tab(t, browsertest.Chrome(t))}
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

// focused reports whether the element with id has the focus.
func (b *tab) focused(id string) bool {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.activeElement.id === "`+id+`"`))
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

// tabTo presses Tab until the element with id has the focus.
func (b *tab) tabTo(id string) {
	b.t.Helper()
	for i := 0; !b.focused(id); i++ {
		if i == 20 {
			b.t.Fatalf("Tab never reaches #%s", id)
		}
		b.do(chromedp.KeyEvent(kb.Tab))
	}
}
