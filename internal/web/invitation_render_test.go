package web_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/validate"
	"github.com/tilgang/tilgang/internal/web"
)

// fixedInvitation answers every invitation link with the same page and
// errors, for tests of how the pages render without a table behind them.
type fixedInvitation struct {
	page      invitations.Page
	openErr   error
	acceptErr error
}

func (f fixedInvitation) Open(context.Context, string) (invitations.Page, error) {
	return f.page, f.openErr
}

// Check finds nothing wrong: the fixed refusals come from Accept.
func (f fixedInvitation) Check(invitations.Page, invitations.Acceptance) error { return nil }

func (f fixedInvitation) Accept(context.Context, string, invitations.Acceptance) (*tilgang.User, error) {
	if f.acceptErr != nil {
		return nil, f.acceptErr
	}
	return &tilgang.User{Status: tilgang.StatusAwaitingApproval}, nil
}

func fixedInvitationServer(t *testing.T, f fixedInvitation) string {
	t.Helper()
	srv := httptest.NewServer(web.New(fixed{openErr: tilgang.ErrLinkUnknown}, f,
		slog.New(slog.NewTextHandler(io.Discard, nil)), web.Options{Key: testenv.CPRKey}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// fixedInvitationPage is an invitation whose every shown value needs
// escaping, sent in lang.
func fixedInvitationPage(lang string) invitations.Page {
	return invitations.Page{
		Org: &tilgang.Organisation{Name: "Tømrer & Søn A/S", Language: "da"},
		Invitation: &tilgang.Invitation{
			Email: "ida+<b>@example.dk", Role: tilgang.RoleRightsAdmin, OrgUnit: "Salg & Marketing",
			InviterName: "Jens <Admin>", Language: lang, Status: tilgang.InvitationPending,
			ExpiresAt: time.Date(2026, 1, 1, 23, 30, 0, 0, time.UTC), // 2 January in Copenhagen
		},
	}
}

// TestInvitationOfAnOrdinaryUser: without a role, the page invites a user
// and shows no role.
func TestInvitationOfAnOrdinaryUser(t *testing.T) {
	t.Parallel()
	page := fixedInvitationPage("")
	page.Invitation.Role, page.Invitation.OrgUnit = "", ""
	base := fixedInvitationServer(t, fixedInvitation{page: page})
	for lang, want := range map[string]string{
		"da": "Jens &lt;Admin&gt; fra Tømrer &amp; Søn A/S har inviteret dig som bruger.",
		"en": "Jens &lt;Admin&gt; from Tømrer &amp; Søn A/S has invited you as a user.",
	} {
		p := newBrowser(t).get(base + "/invitations/x?lang=" + lang)
		wantStatus(t, p, http.StatusOK)
		wantWellFormed(t, p, lang)
		wantContains(t, p, want)
		if strings.Contains(p.body, "<dt>Rolle</dt>") || strings.Contains(p.body, "<dt>Role</dt>") {
			t.Errorf("%s: the page of an ordinary user shows a role:\n%s", lang, p.body)
		}
	}
}

func TestInvitationFormRendersInEachLanguage(t *testing.T) {
	t.Parallel()
	base := fixedInvitationServer(t, fixedInvitation{page: fixedInvitationPage("")})
	for lang, want := range map[string][]string{
		"da": {"<h1>Du er inviteret</h1>", "Jens &lt;Admin&gt; fra Tømrer &amp; Søn A/S har inviteret dig til rollen som rettighedsadministrator.",
			"<dt>Invitationen udløber</dt><dd>2. januar 2026</dd>", `<label for="lastName">Efternavn</label>`,
			`<label for="accept">Jeg accepterer invitationen fra Tømrer &amp; Søn A/S</label>`, `href="?lang=en" hreflang="en" lang="en">English</a>`},
		"en": {"<h1>You have been invited</h1>", "Jens &lt;Admin&gt; from Tømrer &amp; Søn A/S has invited you to the role of rights administrator.",
			"<dt>The invitation expires</dt><dd>2 January 2026</dd>", `<label for="lastName">Surname</label>`,
			`<label for="accept">I accept the invitation from Tømrer &amp; Søn A/S</label>`, `href="?lang=da" hreflang="da" lang="da">Dansk</a>`},
	} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			p := newBrowser(t).get(base + "/invitations/x?lang=" + lang)
			wantStatus(t, p, http.StatusOK)
			wantWellFormed(t, p, lang)
			wantContains(t, p, want...)
			wantContains(t, p,
				"<dd>Salg &amp; Marketing</dd>", "<dd>ida&#43;&lt;b&gt;@example.dk</dd>",
				`<input type="hidden" name="lang" value="`+lang+`">`, `name="csrf" value="`,
				`id="firstName" name="firstName" type="text" autocomplete="given-name"`,
				`id="lastName" name="lastName" type="text" autocomplete="family-name"`,
				`id="phone" name="phone" type="tel" autocomplete="tel"`, `aria-describedby="phone-hint"`,
				`id="accept" name="accept" type="checkbox" value="yes" aria-describedby="accept-hint"`)
			// The address is shown, never offered for change.
			if strings.Contains(p.body, `name="email"`) || strings.Contains(p.body, `type="email"`) {
				t.Errorf("the invitee can edit the address:\n%s", p.body)
			}
			if strings.Contains(p.body, "aria-invalid") || strings.Contains(p.body, "error-summary") {
				t.Errorf("a fresh form shows an error:\n%s", p.body)
			}
		})
	}
}

func TestInvitationServiceProblemsMapToFields(t *testing.T) {
	t.Parallel()
	refusal := errors.Join(
		tilgang.Invalid("lastName", "field.invalid", "control characters"),
		validate.ErrPhoneFormat.At("phone"),
		tilgang.ErrTooLong.At("firstName").WithMessage("at most 200 characters"),
	)
	base := fixedInvitationServer(t, fixedInvitation{page: fixedInvitationPage("en"), acceptErr: refusal})
	p := newBrowser(t).submit(base+"/invitations/x", "firstName", "Ida", "lastName", "Holm", "phone", "12345678", "accept", "yes")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantWellFormed(t, p, "en")
	wantContains(t, p,
		`<li><a href="#firstName">The first name is too long. Use at most 200 characters</a></li><li><a href="#lastName">The surname cannot be used`,
		`<a href="#phone">Enter the phone number as 8 digits`,
		`aria-describedby="phone-hint phone-error" aria-invalid="true"`, `value="12345678"`)
}

func TestInvitationRefusals(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		openErr   error
		acceptErr error
		status    int
		da, en    string
	}{
		{"unknown", tilgang.ErrLinkUnknown, nil, http.StatusNotFound, "Linket virker ikke", "ask your administrator for a new link"},
		{"expired", tilgang.ErrLinkExpired, nil, http.StatusGone, "Invitationen er udløbet", "Ask the person who invited you to send the invitation again."},
		{"used", tilgang.ErrLinkUsed, nil, http.StatusGone, "Invitationen er allerede accepteret", "has already been accepted"},
		{"revoked", tilgang.ErrLinkRevoked, nil, http.StatusGone, "Invitationen er trukket tilbage", "The invitation was withdrawn"},
		{"failing store", errors.New("the table is gone"), nil, http.StatusInternalServerError, "Noget gik galt", "Please try again in a little while."},
		{"lost a race", nil, tilgang.ErrStale, http.StatusConflict, "Prøv igen", "so it was not saved"},
		{"became a user", nil, tilgang.ErrUserNameTaken, http.StatusConflict, "Invitationen kunne ikke accepteres", "You may already have a user with this e-mail address."},
		{"revoked meanwhile", nil, tilgang.ErrLinkRevoked, http.StatusGone, "Invitationen er trukket tilbage", "The invitation was withdrawn"},
		{"failing write", nil, errors.New("boom"), http.StatusInternalServerError, "Noget gik galt", "Please try again in a little while."},
	} {
		f := fixedInvitation{openErr: tt.openErr, acceptErr: tt.acceptErr}
		if tt.openErr == nil {
			f.page = fixedInvitationPage("")
		}
		base := fixedInvitationServer(t, f)
		for lang, want := range map[string]string{"da": tt.da, "en": tt.en} {
			var p page
			if tt.openErr != nil {
				p = newBrowser(t).get(base + "/invitations/x?lang=" + lang)
			} else {
				p = newBrowser(t).submit(base+"/invitations/x?lang="+lang, "firstName", "Ida", "lastName", "Holm", "accept", "yes", "lang", lang)
			}
			wantStatus(t, p, tt.status)
			wantWellFormed(t, p, lang)
			wantContains(t, p, want)
			if strings.Contains(p.body, "<form") {
				t.Errorf("%s/%s: a refused link shows a form:\n%s", tt.name, lang, p.body)
			}
		}
	}
}
