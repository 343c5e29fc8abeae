package mail

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenData is one message's data per kind, as the mailer or a Lookup
// would fill it.
func goldenData() map[string]Data {
	expires := time.Date(2026, 12, 26, 9, 30, 0, 0, time.UTC)
	return map[string]Data{
		tilgang.MailActivation: {OrgName: "Bager Hansen ApS", RecipientName: "Anna Hansen",
			Link: "https://tilgang.example/activate/TOKEN", Expires: expires, Proof: ProofCPR},
		tilgang.MailActivationReminder: {OrgName: "Bager Hansen ApS", RecipientName: "Anna Hansen",
			Link: "https://tilgang.example/activate/TOKEN", Expires: expires, Proof: ProofCode},
		tilgang.MailInvitation: {OrgName: "Bager Hansen ApS", InviterName: "Bo Jensen", Role: "user-admin",
			Link: "https://tilgang.example/invitations/TOKEN", Expires: expires},
		tilgang.MailInvitationAccepted: {OrgName: "Bager Hansen ApS", PersonName: "Carl Nielsen",
			Link: "https://tilgang.example/console/invitations/ID"},
		tilgang.MailApprovalDone: {OrgName: "Bager Hansen ApS", RecipientName: "Carl Nielsen", Role: "user-admin",
			Link: "https://tilgang.example/console/"},
	}
}

// TestGolden renders one message per kind and language and compares it
// with testdata/golden/<kind>.<lang>.txt (subject and text part) and .html.
// go test -run TestGolden -update rewrites them.
func TestGolden(t *testing.T) {
	r := newRenderer(kindNames())
	for kind, d := range goldenData() {
		for _, lang := range tilgang.Languages {
			t.Run(kind+"."+lang, func(t *testing.T) {
				msg, err := r.render(kind, lang, d)
				if err != nil {
					t.Fatal(err)
				}
				base := filepath.Join("testdata", "golden", kind+"."+lang)
				golden(t, base+".txt", "Subject: "+msg.Subject+"\n\n"+msg.Text)
				golden(t, base+".html", msg.HTML)
			})
		}
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the rendered message:\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

// TestMessagesAreAccessibleAndComplete checks what every message must
// carry (SPEC §7) in both languages: the organisation, the call to action
// with its link, the expiry date, and a plain HTML page with a language.
func TestMessagesAreAccessibleAndComplete(t *testing.T) {
	r := newRenderer(kindNames())
	for kind, d := range goldenData() {
		for _, lang := range tilgang.Languages {
			msg, err := r.render(kind, lang, d)
			if err != nil {
				t.Fatal(err)
			}
			name := kind + "." + lang
			for _, part := range []string{msg.Subject, msg.Text, msg.HTML} {
				if !strings.Contains(part, d.OrgName) {
					t.Errorf("%s: a part lacks the organisation name: %q", name, part)
				}
			}
			if !strings.Contains(msg.Text, d.Link) || !strings.Contains(msg.HTML, `<a href="`+d.Link+`"`) {
				t.Errorf("%s: the link is missing from a part", name)
			}
			if !d.Expires.IsZero() {
				date := formatDate(d.Expires, lang)
				if !strings.Contains(msg.Text, date) || !strings.Contains(msg.HTML, date) {
					t.Errorf("%s: the expiry date %q is missing from a part", name, date)
				}
			}
			if !strings.Contains(msg.HTML, `<html lang="`+lang+`">`) {
				t.Errorf("%s: the HTML does not name its language", name)
			}
			for _, banned := range []string{"<script", "<img", "<style", "<link", "javascript:"} {
				if strings.Contains(strings.ToLower(msg.HTML), banned) {
					t.Errorf("%s: the HTML contains %s", name, banned)
				}
			}
		}
	}
}

// TestRenderEscapes keeps names from turning into markup or headers.
func TestRenderEscapes(t *testing.T) {
	r := newRenderer(kindNames())
	d := Data{OrgName: "A & B <i>ApS</i>", RecipientName: "Eve\r\nBcc: x@example.org", Link: "https://tilgang.example/a?b=1&c=2"}
	msg, err := r.render(tilgang.MailApprovalDone, "en", d)
	if err != nil {
		t.Fatal(err)
	}
	// Names are inert (inert.go): "/" sits in a span between word joiners.
	visible := strings.NewReplacer("<span>"+wordJoiner, "", wordJoiner+"</span>", "").Replace(msg.HTML)
	if strings.Contains(msg.HTML, "<i>") || !strings.Contains(visible, "A &amp; B &lt;i&gt;ApS&lt;/i&gt;") {
		t.Errorf("HTML does not escape the organisation name:\n%s", msg.HTML)
	}
	if !strings.Contains(msg.HTML, `href="https://tilgang.example/a?b=1&amp;c=2"`) {
		t.Errorf("HTML does not escape the link:\n%s", msg.HTML)
	}
	if strings.ContainsAny(msg.Subject, "\r\n") {
		t.Errorf("subject spans lines: %q", msg.Subject)
	}
}

func TestFormatDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		at     time.Time
		da, en string
	}{
		{time.Date(2026, 12, 26, 9, 0, 0, 0, time.UTC), "26. december 2026", "26 December 2026"},
		// 23:30 UTC is the next day in Copenhagen, in winter and summer.
		{time.Date(2026, 1, 31, 23, 30, 0, 0, time.UTC), "1. februar 2026", "1 February 2026"},
		{time.Date(2026, 6, 30, 22, 30, 0, 0, time.UTC), "1. juli 2026", "1 July 2026"},
		{time.Date(2026, 5, 3, 12, 0, 0, 0, time.UTC), "3. maj 2026", "3 May 2026"},
	}
	for _, tt := range tests {
		if got := formatDate(tt.at, "da"); got != tt.da {
			t.Errorf("formatDate(%v, da) = %q, want %q", tt.at, got, tt.da)
		}
		if got := formatDate(tt.at, "en"); got != tt.en {
			t.Errorf("formatDate(%v, en) = %q, want %q", tt.at, got, tt.en)
		}
	}
}

func TestLanguage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mail, org, want string
	}{
		{"en", "da", "en"}, // the invitee's choice wins
		{"", "en", "en"},   // else the organisation's
		{"", "", "da"},     // else Danish
		{"de", "en", "en"}, // an unknown language is no choice
		{"de", "fr", "da"},
	}
	for _, tt := range tests {
		got := language(tilgang.Mail{Language: tt.mail}, &tilgang.Organisation{Language: tt.org})
		if got != tt.want {
			t.Errorf("language(mail %q, org %q) = %q, want %q", tt.mail, tt.org, got, tt.want)
		}
	}
}

// TestApprovalSaysWhatTheUserCanDo: the approval mail tells an ordinary
// user that there is nothing more to do and sends no link, and tells an
// administrator what the role lets them do in the console, with a link to
// it (issue 16).
func TestApprovalSaysWhatTheUserCanDo(t *testing.T) {
	t.Parallel()
	r := newRenderer(kindNames())
	console := "https://tilgang.example/console/"
	tests := []struct {
		role, link string
		want       map[string]string // by language
	}{
		{"", "", map[string]string{"en": "nothing more you need to do", "da": "du behøver ikke gøre mere"}},
		{tilgang.RoleUserAdmin, console, map[string]string{"en": "create, import, activate", "da": "oprette, importere, aktivere"}},
		{tilgang.RoleCompanyAdmin, console, map[string]string{"en": "invite and approve people", "da": "invitere og godkende personer"}},
		{tilgang.RoleRightsAdmin, console, map[string]string{"en": "rights, signing and seal", "da": "rettigheder, signering og segl"}},
	}
	for _, tt := range tests {
		for _, lang := range tilgang.Languages {
			d := Data{OrgName: "Bager Hansen ApS", RecipientName: "Carl Nielsen", Role: tt.role, Link: tt.link}
			msg, err := r.render(tilgang.MailApprovalDone, lang, d)
			if err != nil {
				t.Fatal(err)
			}
			for part, body := range map[string]string{"text": msg.Text, "html": msg.HTML} {
				if !strings.Contains(body, tt.want[lang]) {
					t.Errorf("role %q, %s %s: no %q in\n%s", tt.role, lang, part, tt.want[lang], body)
				}
				if hasLink := strings.Contains(body, console); hasLink != (tt.link != "") {
					t.Errorf("role %q, %s %s: link shown %v, want %v", tt.role, lang, part, hasLink, tt.link != "")
				}
			}
		}
	}
}

// TestAcceptedLinksToTheConsole: the mail to the admins links to the
// invitation's page in the console, where they approve or reject.
func TestAcceptedLinksToTheConsole(t *testing.T) {
	t.Parallel()
	r := newRenderer(kindNames())
	link := "https://tilgang.example/console/invitations/8d0f"
	for _, lang := range tilgang.Languages {
		msg, err := r.render(tilgang.MailInvitationAccepted, lang, Data{OrgName: "Bager Hansen ApS", PersonName: "Carl Nielsen", Link: link})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(msg.Text, link) || !strings.Contains(msg.HTML, `href="`+link+`"`) {
			t.Errorf("%s: the mail does not link to the invitation's page:\n%s\n%s", lang, msg.Text, msg.HTML)
		}
	}
}
