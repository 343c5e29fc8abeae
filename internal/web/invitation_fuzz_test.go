package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// openInvitation is a pending invitation for every link, whose acceptance
// always succeeds once the users rulebook has judged the form: what the
// form makes of its input is all there is.
type openInvitation struct{}

// rulebook checks acceptances as the invitations service does; it needs
// no table for that.
var rulebook = invitations.New(nil, users.New(nil, nil, nil, nil), nil, time.Now)

func (openInvitation) Check(page invitations.Page, a invitations.Acceptance) error {
	return rulebook.Check(page, a)
}

func (openInvitation) Open(context.Context, string) (invitations.Page, error) {
	return invitations.Page{
		Org: &tilgang.Organisation{Name: "Tømrer & Søn A/S", Language: "da", IAL: 3},
		Invitation: &tilgang.Invitation{Email: "ida@example.dk", Role: tilgang.RoleUserAdmin,
			Status: tilgang.InvitationPending, ExpiresAt: time.Now().Add(time.Hour)},
	}, nil
}

func (openInvitation) Accept(context.Context, string, invitations.Acceptance) (*tilgang.User, error) {
	return &tilgang.User{}, nil
}

// noActivations knows no activation link.
type noActivations struct{}

func (noActivations) OpenActivation(context.Context, string) (users.ActivationPage, error) {
	return users.ActivationPage{}, tilgang.ErrLinkUnknown
}

func (noActivations) CompleteActivation(context.Context, string, string) (*tilgang.User, error) {
	return nil, tilgang.ErrLinkUnknown
}

// FuzzInvitationForm posts any values in the invitation form's fields: the
// answer is the result page exactly when the form is complete, and
// otherwise the form again, well formed, with its problems marked.
func FuzzInvitationForm(f *testing.F) {
	f.Add("Ida", "Holm", "", "yes", "da")
	f.Add(" ", "Holm", "12", "", "en")
	f.Add("Ida", "Holm", "+45 12 34 56 78", "on", "")
	f.Add("<script>", "%s %d", "00451234567", "yes", "xx")
	h := New(noActivations{}, openInvitation{}, slog.New(slog.NewTextHandler(io.Discard, nil)),
		Options{Key: []byte(strings.Repeat("k", 32))})
	form := httptest.NewRecorder()
	h.ServeHTTP(form, httptest.NewRequest(http.MethodGet, "/invitations/x", nil))
	cookies := form.Result().Cookies()
	field := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(form.Body.String())
	if len(cookies) != 1 || field == nil {
		f.Fatalf("the form has no CSRF cookie or field: %v\n%s", cookies, form.Body)
	}
	f.Fuzz(func(t *testing.T, firstName, lastName, phone, accept, lang string) {
		body := url.Values{csrfField: {field[1]}, fieldFirstName: {firstName}, fieldLastName: {lastName},
			fieldPhone: {phone}, fieldAccept: {accept}, langParam: {lang}}
		r := httptest.NewRequest(http.MethodPost, "/invitations/x", strings.NewReader(body.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(cookies[0])
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		a := invitations.Acceptance{FirstName: strings.TrimSpace(firstName), LastName: strings.TrimSpace(lastName), Phone: strings.TrimSpace(phone)}
		open, _ := openInvitation{}.Open(context.Background(), "x")
		complete := accept != "" && rulebook.Check(open, a) == nil
		page := w.Body.String()
		switch {
		case complete && w.Code != http.StatusSeeOther:
			t.Fatalf("a complete form: status %d\n%s", w.Code, page)
		case complete && !strings.HasPrefix(w.Header().Get("Location"), acceptedPath+"?lang="):
			t.Fatalf("redirect to %q", w.Header().Get("Location"))
		case complete:
		case w.Code != http.StatusUnprocessableEntity:
			t.Fatalf("an incomplete form: status %d\n%s", w.Code, page)
		case !strings.Contains(page, `aria-invalid="true"`) || !strings.Contains(page, `class="error-summary"`):
			t.Fatalf("the problems are not marked:\n%s", page)
		case (strings.Contains(page, "%!") || strings.Contains(page, "[invite.")) && !strings.ContainsAny(firstName+lastName+phone, "%["):
			t.Fatalf("a text is missing or badly formatted:\n%s", page)
		case strings.Contains(strings.ToLower(page), "<script"):
			t.Fatalf("input came back unescaped:\n%s", page)
		}
	})
}
