package e2e_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestInviteeNameIsPlainText: the attack (finding 4) through
// mail and pages. An invitee whose first name is "Bo\n\nURGENT: … https://
// evil…" is refused by the invitation page and by the admin API, and a
// name that holds a URL on one line reaches the admins' "invitation
// accepted" mail as quoted text that is no link. Before, the name reached
// the organisation's mail as paragraphs of its own.
func TestInviteeNameIsPlainText(t *testing.T) {
	t.Parallel()
	boss := uniqueEmail(t, "chef")
	w := newWorld(t, &tilgang.Organisation{Name: "Tekst ApS", IAL: 3, Language: "en", AdminEmails: []string{boss}})
	const attack = "Bo\n\nURGENT: your account is locked. Pay at https://evil.example/pay"

	// The inviter's name is free text too.
	resp, body := testenv.Request(t, "POST", w.base+"/admin/v1/invitations", w.creds.AdminToken, "application/json",
		map[string]any{"emails": []string{uniqueEmail(t, "x")}, "role": tilgang.RoleUserAdmin, "inviter": "Jens\r\nURGENT: https://evil.example"})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"text.control"`) {
		t.Fatalf("inviter with a line break: %d %s", resp.StatusCode, body)
	}
	// So are a user's names over the admin API.
	resp, body = testenv.Request(t, "POST", w.base+"/admin/v1/users", w.creds.AdminToken, "application/json",
		map[string]any{"firstName": attack, "lastName": "Holm", "email": uniqueEmail(t, "y"), "dateOfBirth": "1990-01-31"})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"text.control"`) {
		t.Fatalf("first name with line breaks: %d %s", resp.StatusCode, body)
	}

	ida := uniqueEmail(t, "ida")
	res := w.invite(ida)
	if !res[0].OK {
		t.Fatalf("invite: %+v", res)
	}
	b := newBrowser(t)
	form := b.get(w.link(mailsTo(t, ida, 1)[0], "/invitations/"))
	wantPage(t, form, http.StatusOK, `name="firstName"`)

	// The page refuses the name (422, the form again with the problem at
	// the field) and accepts nothing.
	again := b.submit(form, url.Values{"firstName": {attack}, "lastName": {"Holm"}, "phone": {""}, "accept": {"yes"}})
	wantPage(t, again, http.StatusUnprocessableEntity, `name="firstName"`)
	var inv struct{ Status string }
	w.admin("GET", "/invitations/"+res[0].InvitationID, nil, &inv)
	if inv.Status != "pending" {
		t.Fatalf("refused name accepted the invitation: %s", inv.Status)
	}

	// A name on one line that holds a URL is accepted, and the admins'
	// mail shows it as quoted text, never as a link.
	done := b.submit(again, url.Values{"firstName": {"Bo https://evil.example/pay"}, "lastName": {"Holm"}, "phone": {""}, "accept": {"yes"}})
	wantPage(t, done, http.StatusOK)
	m := mailsTo(t, boss, 1)[0]
	for part, text := range map[string]string{"subject": m.Subject, "text": m.Body.Text, "html": m.Body.HTML} {
		if strings.Contains(text, "https://evil") || strings.Contains(text, "evil.example") {
			t.Errorf("%s holds the name's URL as a URL:\n%s", part, text)
		}
		if !strings.Contains(text, "\u201cBo https") {
			t.Errorf("%s does not quote the name:\n%s", part, text)
		}
	}
	for _, a := range regexp.MustCompile(`(?s)<a [^>]*>.*?</a>`).FindAllString(m.Body.HTML, -1) {
		if strings.Contains(a, "evil") || strings.Contains(a, "Bo") {
			t.Errorf("the name is inside a link: %s", a)
		}
	}
}
