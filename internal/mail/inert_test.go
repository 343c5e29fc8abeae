package mail

import (
	"regexp"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestNamesAreInert: a name renders as one quoted line of text that no
// mail client takes for a link, and never inside an <a> (issue 14,
// finding 4).
func TestNamesAreInert(t *testing.T) {
	t.Parallel()
	r := newRenderer([]string{tilgang.MailInvitationAccepted, tilgang.MailInvitation})
	evil := "Bo\n\nURGENT: your account is locked. Pay at https://evil.example/pay or mail help@evil.example\u2028<b>x</b>"
	for _, lang := range tilgang.Languages {
		for kind, d := range map[string]Data{
			tilgang.MailInvitationAccepted: {OrgName: "Firma A/S", PersonName: evil, Link: "https://tilgang.example/console/invitations/ID"},
			tilgang.MailInvitation:         {OrgName: "Firma A/S", InviterName: evil, Link: "https://tilgang.example/invitations/TOKEN"},
		} {
			msg, err := r.render(kind, lang, d)
			if err != nil {
				t.Fatal(err)
			}
			for part, body := range map[string]string{"subject": msg.Subject, "text": msg.Text, "html": msg.HTML} {
				for _, bad := range []string{"https://evil", "evil.example", "help@", "\n\nURGENT", "\u2028", "<b>"} {
					if strings.Contains(body, bad) && (bad != "<b>" || part == "html") {
						t.Errorf("%s %s %s holds %q:\n%s", kind, lang, part, bad, body)
					}
				}
				if !strings.Contains(body, "URGENT") {
					t.Errorf("%s %s %s lost the name's text:\n%s", kind, lang, part, body)
				}
			}
			// The name is one quoted line of the text part.
			open, close := quotes(lang)
			if !regexp.MustCompile(regexp.QuoteMeta(open) + "Bo URGENT[^\n]*" + regexp.QuoteMeta(close)).MatchString(msg.Text) {
				t.Errorf("%s %s: name not quoted on one line:\n%s", kind, lang, msg.Text)
			}
			// The only links are the message's own.
			for _, a := range regexp.MustCompile(`(?s)<a [^>]*>.*?</a>`).FindAllString(msg.HTML, -1) {
				if strings.Contains(a, "URGENT") || strings.Contains(a, "evil") {
					t.Errorf("%s %s: name inside a link: %s", kind, lang, a)
				}
			}
		}
	}
}

func FuzzInertHTML(f *testing.F) {
	for _, s := range []string{"Bo", "https://evil.example", "a<b>&\"'", "\u2028\u202e", "x@y.z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h := string(inertHTML(s))
		if strings.ContainsAny(strings.NewReplacer("<span>", "", "</span>", "").Replace(h), "<>\"'\n\r") {
			t.Fatalf("inertHTML(%q) = %q", s, h)
		}
		if tilgang.HasControl(h) || tilgang.HasControl(inertText(s)) {
			t.Fatalf("control character left in %q", s)
		}
	})
}
