package e2e_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/scheduler"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

type userJSON struct {
	ID             string `json:"id"`
	Email          string `json:"email"`
	Status         string `json:"status"`
	ActivationCode string `json:"activationCode"`
	Deactivation   *struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"deactivation"`
}

func (w *world) user(id string) userJSON {
	w.t.Helper()
	var u userJSON
	if s := w.admin("GET", "/users/"+id, nil, &u); s != http.StatusOK {
		w.t.Fatalf("GET user: %d", s)
	}
	return u
}

func (w *world) createUser(body map[string]any) userJSON {
	w.t.Helper()
	var u userJSON
	if s := w.admin("POST", "/users", body, &u); s != http.StatusCreated {
		w.t.Fatalf("POST /users: %d", s)
	}
	return u
}

// TestActivationByMail: an admin creates a CPR user; the activation mail
// arrives; the link's page asks for the CPR number; a wrong one is refused
// and changes nothing else; the right one activates; the link is then dead;
// the history tells each step without the number.
func TestActivationByMail(t *testing.T) {
	t.Parallel()
	w := newWorld(t, &tilgang.Organisation{Name: "Tømrer Hansen ApS", IAL: 3, Language: "da"})
	email := uniqueEmail(t, "mette")
	u := w.createUser(map[string]any{"firstName": "Mette", "lastName": "Hansen", "email": email, "cpr": "0101901234"})
	if u.Status != "pending_activation" {
		t.Fatalf("created user status %s", u.Status)
	}
	m := mailsTo(t, email, 1)[0]
	if !strings.Contains(m.Body.Text, "Tømrer Hansen ApS") || !strings.Contains(m.Body.HTML, `lang="da"`) {
		t.Errorf("activation mail lacks the organisation or language:\n%s", m.Body.Text)
	}
	link := w.link(m, "/activate/")

	b := newBrowser(t)
	form := b.get(link)
	wantPage(t, form, http.StatusOK, `name="cpr"`, "Tømrer Hansen ApS")
	if got := w.user(u.ID).Status; got != "pending_activation" {
		t.Fatalf("opening the link changed the status to %s", got)
	}
	wrong := b.submit(form, url.Values{"cpr": {"0202901234"}})
	wantPage(t, wrong, http.StatusUnprocessableEntity, `aria-invalid="true"`)
	if strings.Contains(wrong.body, "0202901234") {
		t.Error("the page repeats the CPR number typed")
	}
	if got := w.user(u.ID).Status; got != "pending_activation" {
		t.Fatalf("a wrong CPR changed the status to %s", got)
	}
	done := b.submit(wrong, url.Values{"cpr": {"0101901234"}})
	wantPage(t, done, http.StatusOK)
	if !strings.HasSuffix(strings.SplitN(done.url, "?", 2)[0], "/activate/done") {
		t.Errorf("after activation the browser is at %s", done.url)
	}
	if got := w.user(u.ID).Status; got != "active" {
		t.Fatalf("after the right CPR the status is %s", got)
	}
	wantPage(t, newBrowser(t).get(link), http.StatusGone)

	resp, body := testenv.Request(t, "GET", w.base+"/admin/v1/users/"+u.ID+"/history?sort=time", w.creds.AdminToken, "", nil)
	if resp.StatusCode != http.StatusOK || strings.Contains(string(body), "0101901234") || strings.Contains(string(body), "0202901234") {
		t.Fatalf("history: %d %s", resp.StatusCode, body)
	}
	for _, want := range []string{`"action":"user.created"`, `"actor":"admin token`, `"source":"web"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("history lacks %s: %s", want, body)
		}
	}
}

// TestResendKillsTheOldLink: a resent activation mail has a new link and
// the old one no longer opens.
func TestResendKillsTheOldLink(t *testing.T) {
	t.Parallel()
	w := newWorld(t, &tilgang.Organisation{Name: "Resend A/S", IAL: 3, Language: "en"})
	email := uniqueEmail(t, "bo")
	u := w.createUser(map[string]any{"firstName": "Bo", "lastName": "Berg", "email": email, "cpr": "0303901234"})
	first := w.link(mailsTo(t, email, 1)[0], "/activate/")
	if s := w.admin("POST", "/users/"+u.ID+"/activation", nil, nil); s != http.StatusAccepted {
		t.Fatalf("resend: %d", s)
	}
	second := w.link(mailsTo(t, email, 2)[1], "/activate/")
	if first == second {
		t.Fatal("the resent mail has the old link")
	}
	if p := newBrowser(t).get(first); p.status == http.StatusOK {
		t.Fatalf("the old link still opens the form:\n%s", p.body)
	}
	b := newBrowser(t)
	done := b.submit(b.get(second), url.Values{"cpr": {"0303901234"}})
	wantPage(t, done, http.StatusOK)
	if got := w.user(u.ID).Status; got != "active" {
		t.Fatalf("status %s after activating with the new link", got)
	}
}

// TestTemporaryCode: a date-of-birth user's code is shown once; five wrong
// codes lock the link; a new code (and its new link) works and the old code
// does not.
func TestTemporaryCode(t *testing.T) {
	t.Parallel()
	w := newWorld(t, &tilgang.Organisation{Name: "Kode ApS", IAL: 3, Language: "da"})
	email := uniqueEmail(t, "lis")
	u := w.createUser(map[string]any{"firstName": "Lis", "lastName": "Lund", "email": email, "dateOfBirth": "1990-02-01"})
	if len(u.ActivationCode) != 8 {
		t.Fatalf("activation code %q", u.ActivationCode)
	}
	if again := w.user(u.ID); again.ActivationCode != "" {
		t.Fatal("the code is shown again on GET")
	}
	link := w.link(mailsTo(t, email, 1)[0], "/activate/")
	b := newBrowser(t)
	p := b.get(link)
	wantPage(t, p, http.StatusOK, `name="code"`)
	for range 5 {
		p = b.submit(p, url.Values{"code": {"AAAAAAAA"}})
	}
	if p.status != http.StatusGone {
		t.Fatalf("after 5 wrong codes: %d\n%s", p.status, p.body)
	}
	wantPage(t, b.get(link), http.StatusGone)

	var fresh struct {
		ActivationCode string `json:"activationCode"`
	}
	if s := w.admin("POST", "/users/"+u.ID+"/activation-code", nil, &fresh); s != http.StatusOK || fresh.ActivationCode == "" {
		t.Fatalf("new code: %d %+v", s, fresh)
	}
	newLink := w.link(mailsTo(t, email, 2)[1], "/activate/")
	b = newBrowser(t)
	p = b.get(newLink)
	p = b.submit(p, url.Values{"code": {u.ActivationCode}}) // the old code
	wantPage(t, p, http.StatusUnprocessableEntity)
	done := b.submit(p, url.Values{"code": {strings.ToLower(fresh.ActivationCode)}})
	wantPage(t, done, http.StatusOK)
	if got := w.user(u.ID).Status; got != "active" {
		t.Fatalf("status %s after the new code", got)
	}
}

// TestBulkActivationOfImportedUsers: users from a CSV file get no mail;
// bulk activation activates the CPR users (mail each) and tells the
// date-of-birth user to be activated individually.
func TestBulkActivationOfImportedUsers(t *testing.T) {
	t.Parallel()
	w := newWorld(t, &tilgang.Organisation{Name: "Bulk A/S", IAL: 3, Language: "da"})
	s3c, bucket := testenv.Bucket(t)
	imp := csvimport.New(s3c, w.app.Store, w.app.Users, nil, slog.New(slog.NewJSONHandler(io.Discard, nil)), csvimport.Options{})
	emails := []string{uniqueEmail(t, "a"), uniqueEmail(t, "b"), uniqueEmail(t, "c"), uniqueEmail(t, "d")}
	file := "Aktion;Fornavn;Efternavn;CPR;Foedselsdato;Email;TargetIAL\r\n" +
		"C;A;A;0101801111;;" + emails[0] + ";3\r\n" +
		"C;B;B;0202802222;;" + emails[1] + ";3\r\n" +
		"C;C;C;0303803333;;" + emails[2] + ";3\r\n" +
		"C;D;D;;04041980;" + emails[3] + ";3\r\n"
	if err := imp.Handle(context.Background(), testenv.GrantedUpload(t, w.app.Store, s3c, bucket, "imports/"+w.org.ID+"/bulk.csv", []byte(file))); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range emails {
		var page struct{ Items []userJSON }
		w.admin("GET", "/users?q="+url.QueryEscape(e), nil, &page)
		if len(page.Items) != 1 || page.Items[0].Status != "imported" {
			t.Fatalf("imported user %s: %+v", e, page.Items)
		}
		ids = append(ids, page.Items[0].ID)
	}
	time.Sleep(300 * time.Millisecond) // time for a wrong mail to show
	if n := len(testenv.MailTo(t, emails[0])); n != 0 {
		t.Fatalf("an imported user got %d mails", n)
	}
	var res struct {
		Results []struct {
			UserID string `json:"userId"`
			OK     bool   `json:"ok"`
			Error  *struct {
				Code string `json:"code"`
			} `json:"error"`
		} `json:"results"`
	}
	if s := w.admin("POST", "/users/activate", map[string]any{"userIds": ids}, &res); s != http.StatusOK {
		t.Fatalf("bulk: %d", s)
	}
	var got []string
	for _, r := range res.Results {
		switch {
		case r.OK:
			got = append(got, "ok")
		case r.Error != nil:
			got = append(got, r.Error.Code)
		}
	}
	if !slices.Equal(got, []string{"ok", "ok", "ok", "activation.individual_only"}) {
		t.Fatalf("bulk results %v", got)
	}
	for _, e := range emails[:3] {
		mailsTo(t, e, 1)
	}
	if w.user(ids[3]).Status != "imported" {
		t.Error("the date-of-birth user changed")
	}
}

// TestDeactivationWindow: a window of today only deactivates at once; the
// scheduler leaves it until midnight in Copenhagen and reactivates it the
// next day; a future window starts on its day.
func TestDeactivationWindow(t *testing.T) {
	t.Parallel()
	w := newWorld(t, &tilgang.Organisation{Name: "Vindue ApS", IAL: 3})
	now := time.Now()
	today := tilgang.Today(now)
	u := w.createUser(map[string]any{"firstName": "Ib", "lastName": "Ibsen", "email": uniqueEmail(t, "ib"), "cpr": "0505801234"})
	var d userJSON
	if s := w.admin("POST", "/users/"+u.ID+"/deactivate", map[string]any{"from": today, "to": today}, &d); s != http.StatusOK || d.Status != "deactivated" {
		t.Fatalf("deactivate: %d %+v", s, d)
	}
	loc := tilgang.Copenhagen()
	y, m, dd := now.In(loc).Date()
	lastMinute := time.Date(y, m, dd, 23, 59, 0, 0, loc)
	nextDay := time.Date(y, m, dd+1, 0, 0, 30, 0, loc)
	sweep := func(at time.Time) {
		s := scheduler.New(w.app.Store, func() time.Time { return at }, slog.New(slog.NewJSONHandler(io.Discard, nil)))
		if _, err := s.Sweep(context.Background(), at); err != nil {
			t.Fatal(err)
		}
	}
	sweep(lastMinute)
	if got := w.user(u.ID).Status; got != "deactivated" {
		t.Fatalf("at 23:59 the user is %s; the window includes today", got)
	}
	sweep(nextDay)
	if got := w.user(u.ID).Status; got != "pending_activation" {
		t.Fatalf("the next day the user is %s; want back to pending_activation", got)
	}

	v := w.createUser(map[string]any{"firstName": "Jo", "lastName": "Jensen", "email": uniqueEmail(t, "jo"), "cpr": "0606801234"})
	tomorrow := nextDay.Format(time.DateOnly)
	if s := w.admin("POST", "/users/"+v.ID+"/deactivate", map[string]any{"from": tomorrow}, &d); s != http.StatusOK || d.Status != "pending_activation" {
		t.Fatalf("future window: %d %+v", s, d)
	}
	sweep(lastMinute)
	if got := w.user(v.ID).Status; got != "pending_activation" {
		t.Fatalf("before its day the user is %s", got)
	}
	sweep(nextDay)
	if got := w.user(v.ID).Status; got != "deactivated" {
		t.Fatalf("on its day the user is %s", got)
	}
}
