package console_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/console"
	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/ratelimit"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// flowPages and flowPosts are the invitation, import, history and groups
// pages; {id} is an invitation or import id of the person's organisation.
var (
	flowPages = []string{"/console/invitations", "/console/invitations/{inv}", "/console/imports", "/console/imports/new",
		"/console/imports/activate", "/console/imports/{imp}", "/console/imports/{imp}/receipt.csv", "/console/history", "/console/groups"}
	flowPosts = []string{"/console/invitations", "/console/invitations/{inv}/approve", "/console/invitations/{inv}/reject",
		"/console/invitations/{inv}/revoke", "/console/invitations/{inv}/resend", "/console/imports/activate", "/console/groups/roles"}
)

var invitationLink = regexp.MustCompile(`/console/invitations/([0-9a-f-]{36})`)

// invite invites addresses from the invitations page and returns the
// answer.
func (b *browser) invite(role string, addresses string) page {
	b.e.t.Helper()
	form := b.get("/console/invitations")
	if form.status != http.StatusOK {
		b.e.t.Fatalf("invitations page: %d %s", form.status, form.body)
	}
	return b.post("/console/invitations", url.Values{"csrf": {form.csrf(b.e.t)}, "emails": {addresses}, "role": {role}, "inviter": {"Jens Jensen, HR"}})
}

// fill replaces {inv} and {imp} in path.
func fill(path, inv, imp string) string {
	return strings.NewReplacer("{inv}", inv, "{imp}", imp).Replace(path)
}

// someFlowIDs makes an invitation and an import grant of org and returns
// their ids.
func (e *env) someFlowIDs(b *browser) (inv, imp string) {
	e.t.Helper()
	p := b.invite("", e.address("x"+strings.ToLower(b.e.run[:3])))
	m := invitationLink.FindStringSubmatch(p.body)
	if m == nil {
		e.t.Fatalf("no invitation made: %d %s", p.status, p.body)
	}
	up := b.get("/console/imports/new")
	key := regexp.MustCompile(`name="key" value="imports/[^/]+/([0-9a-f-]{36})\.csv"`).FindStringSubmatch(up.body)
	if key == nil {
		e.t.Fatalf("no upload form: %d %s", up.status, up.body)
	}
	return m[1], key[1]
}

func TestFlowPagesNeedASessionAndCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.signedIn(e.admin)
	inv, imp := e.someFlowIDs(admin)
	anon := e.browser()
	for _, path := range flowPages {
		p := anon.get(fill(path, inv, imp))
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/console/signin") {
			t.Errorf("GET %s without a session: %d to %q", path, p.status, p.location)
		}
	}
	for _, path := range flowPosts {
		p := anon.post(fill(path, inv, imp), url.Values{})
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/console/signin") {
			t.Errorf("POST %s without a session: %d to %q", path, p.status, p.location)
		}
		for name, form := range map[string]url.Values{"no": {"emails": {e.address("y")}}, "a wrong": {"csrf": {"AAAA"}, "emails": {e.address("y")}}} {
			if p := admin.post(fill(path, inv, imp), form); p.status != http.StatusForbidden {
				t.Errorf("POST %s with %s CSRF: %d", path, name, p.status)
			}
		}
	}
	if got, err := e.invitations.Get(t.Context(), e.org, inv); err != nil || got.Status != tilgang.InvitationPending {
		t.Errorf("a refused post changed the invitation: %+v %v", got, err)
	}
}

// TestFlowPagesKeepOrganisationsApart: another organisation's invitation
// and import are not found, read or changed.
func TestFlowPagesKeepOrganisationsApart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := e.newOrg("Anden ApS")
	olga := e.person(other, "olga", tilgang.RoleCompanyAdmin, tilgang.RoleUserAdmin)
	theirInv, theirImp := e.someFlowIDs(e.signedIn(olga))
	b := e.signedIn(e.admin)
	csrf := b.get("/console/invitations").csrf(t)
	for _, path := range flowPages {
		if !strings.Contains(path, "{") {
			continue
		}
		if p := b.get(fill(path, theirInv, theirImp)); p.status != http.StatusNotFound {
			t.Errorf("GET %s of another organisation: %d", path, p.status)
		}
	}
	for _, path := range flowPosts {
		if !strings.Contains(path, "{") {
			continue
		}
		if p := b.post(fill(path, theirInv, theirImp), url.Values{"csrf": {csrf}}); p.status != http.StatusNotFound {
			t.Errorf("POST %s of another organisation: %d", path, p.status)
		}
	}
	if got, err := e.invitations.Get(t.Context(), other, theirInv); err != nil || got.Status != tilgang.InvitationPending {
		t.Errorf("the other organisation's invitation: %+v %v", got, err)
	}
	for _, path := range []string{"/console/invitations", "/console/imports"} {
		if p := b.get(path); strings.Contains(p.body, theirInv) || strings.Contains(p.body, theirImp) {
			t.Errorf("%s lists another organisation's ids", path)
		}
	}
	// A user-admin sees no invitations and may not configure groupRoles.
	ua := e.signedIn(e.person(e.org, "ulla", tilgang.RoleUserAdmin))
	if p := ua.get("/console/invitations"); p.status != http.StatusForbidden {
		t.Errorf("invitations as user-admin: %d", p.status)
	}
	groups := ua.get("/console/groups")
	if groups.status != http.StatusOK || strings.Contains(groups.body, `action="/console/groups/roles"`) {
		t.Errorf("groups as user-admin: %d, form offered %v", groups.status, strings.Contains(groups.body, "grouproles"))
	}
	if p := ua.post("/console/groups/roles", url.Values{"csrf": {groups.csrf(t)}, "group": {"Salg"}, "role": {"company-admin"}}); p.status != http.StatusForbidden {
		t.Errorf("groupRoles as user-admin: %d", p.status)
	}
}

// TestInviteApproveAndHistory: pasted addresses are invited as ordinary
// users with a result per address; the accepted invitation is approved
// on its page; history names the person who approved.
func TestInviteApproveAndHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn(e.admin)
	ida := e.address("ida")
	p := b.invite("", "Ida Holm <"+ida+">; ikke-en-adresse\n"+strings.ToUpper(ida))
	if p.status != http.StatusOK || strings.Count(p.body, "Invitation sent") != 1 || !strings.Contains(p.body, "1 of 3 addresses invited") {
		t.Fatalf("invite: %d %s", p.status, p.body)
	}
	m := invitationLink.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no link to the invitation")
	}
	id := m[1]
	if list := b.get("/console/invitations?status=pending"); !strings.Contains(list.body, ida) {
		t.Errorf("the pending list lacks %s", ida)
	}
	if list := b.get("/console/invitations?status=accepted"); strings.Contains(list.body, ida) {
		t.Errorf("the accepted list shows a pending invitation")
	}

	inv, err := e.invitations.Get(t.Context(), e.org, id)
	if err != nil || inv.Role != "" {
		t.Fatalf("invitation %+v %v", inv, err)
	}
	token, err := e.invitations.Token(inv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.invitations.Accept(t.Context(), token, invitations.Acceptance{FirstName: "Ida", LastName: "Holm"}); err != nil {
		t.Fatal(err)
	}
	page := b.get("/console/invitations/" + id)
	if !strings.Contains(page.body, `id="approve"`) || strings.Contains(page.body, `id="revoke"`) {
		t.Fatalf("accepted invitation's page: %s", page.body)
	}
	done := b.post("/console/invitations/"+id+"/approve", url.Values{"csrf": {page.csrf(t)}})
	if done.status != http.StatusSeeOther || done.location != "/console/invitations/"+id+"?done=approve" {
		t.Fatalf("approve: %d %q", done.status, done.location)
	}
	if inv, _ = e.invitations.Get(t.Context(), e.org, id); inv.Status != tilgang.InvitationApproved {
		t.Fatalf("after approval: %s", inv.Status)
	}
	u, err := e.users.Get(t.Context(), e.org, inv.UserID)
	if err != nil || u.Status != tilgang.StatusActive || u.IsAdmin() {
		t.Fatalf("approved user %+v %v", u, err)
	}

	h := b.get("/console/history?actor=person")
	if h.status != http.StatusOK || !strings.Contains(h.body, "invitation.approved") || !strings.Contains(h.body, html.EscapeString("Admin Admin <"+e.admin.Email+">")) {
		t.Errorf("history by people: %d %s", h.status, h.body)
	}
	if h := b.get("/console/history?actor=scim"); strings.Contains(h.body, "invitation.approved") {
		t.Errorf("the SCIM filter shows a person's approval")
	}
	if h := b.get("/console/history?user=" + u.ID); !strings.Contains(h.body, "invitation.accepted") {
		t.Errorf("history of the user: %s", h.body)
	}

	// Inviting into an admin role grants it: it asks for a fresh sign-in.
	e.clock.Advance(tilgang.ReauthWindow + time.Minute)
	if p := b.invite(tilgang.RoleUserAdmin, e.address("bo")); p.status != http.StatusForbidden || !strings.Contains(p.body, `data-page="reauth"`) {
		t.Errorf("an admin-role invitation without a fresh sign-in: %d", p.status)
	}
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// header is the header of the answer to a GET of path.
func (b *browser) header(path string) http.Header {
	t := b.e.t
	t.Helper()
	resp, err := b.client.Get(b.e.url(path))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header
}

// uploadThroughForm opens the upload page and posts file, called name, to
// the bucket as the browser would with the console's script (which puts
// the name, percent-encoded, into the form), returning where S3 sends the
// browser.
func (b *browser) uploadThroughForm(file, name string) (key, location string) {
	t := b.e.t
	t.Helper()
	up := b.get("/console/imports/new")
	action := regexp.MustCompile(`<form method="post" action="([^"]+)" enctype="multipart/form-data">`).FindStringSubmatch(up.body)
	if up.status != http.StatusOK || action == nil {
		t.Fatalf("upload page: %d %s", up.status, up.body)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, f := range hiddenField.FindAllStringSubmatch(up.body, -1) {
		field, value := html.UnescapeString(f[1]), html.UnescapeString(f[2])
		if field == "key" {
			key = value
		}
		if field == imports.FileNameField {
			value = url.PathEscape(name)
		}
		if field != "csrf" {
			w.WriteField(field, value)
		}
	}
	fw, _ := w.CreateFormFile("file", name)
	io.WriteString(fw, file)
	w.Close()
	req, err := http.NewRequest(http.MethodPost, html.UnescapeString(action[1]), &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("form upload: %d", resp.StatusCode)
	}
	return key, resp.Header.Get("Location")
}

// TestUploadReceiptAndBulkActivation: a CSV file with a good and a bad row
// goes from the upload form straight to the bucket; S3 sends the browser to
// the import's page, which shows progress and then the receipt with what
// to fix; the imported user is activated in bulk with a result per user;
// history names the import, its file and its uploader.
func TestUploadReceiptAndBulkActivation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn(e.admin)
	anna := e.address("anna")
	file := "Aktion;Fornavn;Efternavn;CPR;Email;TargetIAL;EAN;P-nummer;SE-nummer\r\n" +
		"C;Anna;Hansen;0101901234;" + anna + ";3;;1012345678;12345678\r\n" +
		"C;Bo;Berg;0202901234;ikke-en-adresse;3;;1012345678;12345678\r\n"
	key, location := b.uploadThroughForm(file, "medarbejdere-æøå.csv")
	u, err := url.Parse(location)
	if err != nil || u.Host != strings.TrimPrefix(e.base, "http://") || !strings.HasPrefix(u.Path, "/console/imports/") {
		t.Fatalf("S3 sent the browser to %q", location)
	}
	importPath := u.Path
	if p := b.get(importPath); p.status != http.StatusOK || !strings.Contains(p.body, "<progress") {
		t.Errorf("the import's page before the import: %d %s", p.status, p.body)
	}
	h := csvimport.New(e.s3, e.store, e.users, nil, e.logs.Logger(), csvimport.Options{})
	if err := h.Handle(context.Background(), testenv.Created(t, e.s3, e.bucket, key)); err != nil {
		t.Fatal(err)
	}
	p := b.get(importPath)
	if p.status != http.StatusOK || strings.Contains(p.body, "<progress") || !strings.Contains(p.body, `id="receipt"`) ||
		!strings.Contains(p.body, "1 created, 0 updated, 0 deleted, 1 failed") || !strings.Contains(p.body, `class="row-failed"`) ||
		!strings.Contains(p.body, "Email: ") {
		t.Fatalf("the import's page after the import: %d %s", p.status, p.body)
	}
	if strings.Contains(p.body, "0101901234") {
		t.Errorf("the receipt page shows a CPR number")
	}
	if !strings.Contains(p.body, "<h1>Import of medarbejdere-æøå.csv</h1>") {
		t.Errorf("the import's page does not name the file: %s", p.body)
	}
	if l := b.get("/console/imports"); !strings.Contains(l.body, "medarbejdere-æøå.csv") {
		t.Errorf("the import list does not name the file: %s", l.body)
	}
	if r := b.get(importPath + "/receipt.csv"); r.status != http.StatusOK || !strings.Contains(r.body, anna) {
		t.Errorf("receipt download: %d %s", r.status, r.body)
	}
	if d := b.header(importPath + "/receipt.csv").Get("Content-Disposition"); d !=
		`attachment; filename="medarbejdere-___-receipt.csv"; filename*=UTF-8''medarbejdere-%C3%A6%C3%B8%C3%A5-receipt.csv` {
		t.Errorf("the receipt downloads as %s", d)
	}

	list := b.get("/console/imports/activate")
	m := regexp.MustCompile(`name="user" value="([0-9a-f-]{36})" checked`).FindStringSubmatch(list.body)
	if m == nil {
		t.Fatalf("imported users: %s", list.body)
	}
	done := b.post("/console/imports/activate", url.Values{"csrf": {list.csrf(t)}, "user": {m[1], "not-a-user"}})
	if done.status != http.StatusOK || !strings.Contains(done.body, "Activation sent to 1 of 2") {
		t.Fatalf("bulk activation: %d %s", done.status, done.body)
	}
	if got, err := e.users.Get(t.Context(), e.org, m[1]); err != nil || got.Status != tilgang.StatusPendingActivation {
		t.Errorf("activated user %+v %v", got, err)
	}
	hist := b.get("/console/history?actor=import")
	if !strings.Contains(hist.body, "Import of medarbejdere-æøå.csv") {
		t.Errorf("history by imports: %s", hist.body)
	}
	if !strings.Contains(hist.body, html.EscapeString("(uploaded by Admin Admin <"+e.admin.Email+">)")) {
		t.Errorf("history does not name the uploader: %s", hist.body)
	}
}

func TestGroupRolesFromTheConsole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.signedIn(e.admin)
	page := b.get("/console/groups")
	p := b.post("/console/groups/roles", url.Values{"csrf": {page.csrf(t)}, "group": {"Salg", "", "IT"}, "role": {"user-admin", "", "sagsbehandler"},
		"orgUnit": {"", "", ""}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", p.status, p.body)
	}
	org, err := e.tenants.Organisation(t.Context(), e.org.ID)
	if err != nil || len(org.GroupRoles) != 2 || org.GroupRoles[0] != (tilgang.GroupRole{Group: "Salg", Role: "user-admin"}) {
		t.Fatalf("groupRoles %+v %v", org.GroupRoles, err)
	}
	if p := b.get("/console/groups?done=saved"); !strings.Contains(p.body, `value="Salg"`) || !strings.Contains(p.body, `value="sagsbehandler"`) {
		t.Errorf("the form does not show the mappings: %s", p.body)
	}
	// A mapping the rules refuse keeps the form, with the problem.
	bad := b.post("/console/groups/roles", url.Values{"csrf": {page.csrf(t)}, "group": {""}, "role": {"user-admin"}, "orgUnit": {""}})
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "error-summary") {
		t.Errorf("an invalid mapping: %d %s", bad.status, bad.body)
	}
}

// TestSendingSpendsTheMailBudget: inviting spends a mail per address from
// the organisation's budget of the day, as the admin API does; a spent
// budget sends nothing and says so, and what was not sent is refunded.
func TestSendingSpendsTheMailBudget(t *testing.T) {
	t.Parallel()
	var st *store.Store
	e := newEnvWith(t, func(d *console.Deps) {
		st = d.Store.(*store.Store)
		d.Budget = ratelimit.NewBudget(st, 3)
	})
	b := e.signedIn(e.admin)
	// Two addresses and a bad one: three spent, the bad one refunded.
	if p := b.invite("", e.address("a")+" "+e.address("b")+" ikke-en-adresse"); p.status != http.StatusOK || !strings.Contains(p.body, "2 of 3 addresses invited") {
		t.Fatalf("first invite: %d %s", p.status, p.body)
	}
	if p := b.invite("", e.address("c")); p.status != http.StatusOK || !strings.Contains(p.body, "1 of 1 addresses invited") {
		t.Fatalf("the refunded mail: %d %s", p.status, p.body)
	}
	p := b.invite("", e.address("d"))
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "used up") {
		t.Fatalf("over the budget: %d %s", p.status, p.body)
	}
	if page, err := e.invitations.List(t.Context(), e.org, invitations.Query{}); err != nil || len(page.Invitations) != 3 {
		t.Errorf("invitations %d, %v; want 3", len(page.Invitations), err)
	}
}
