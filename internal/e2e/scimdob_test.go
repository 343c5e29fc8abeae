package e2e_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestSCIMDateOfBirthUserWaitsForAnAdmin: an identity provider creates a
// user known by date of birth alone, whose activation page asks for a
// temporary code that only an administrator can be given. The user is
// created imported, without mail; an administrator sends its activation,
// gets the code, and the user activates with it. Before, the user got an
// activation mail at once that asked for a code nobody was given.
func TestSCIMDateOfBirthUserWaitsForAnAdmin(t *testing.T) {
	t.Parallel()
	w := newWorld(t, &tilgang.Organisation{Name: "Fødsel ApS", IAL: 3, Language: "da"})
	email := uniqueEmail(t, "dorte")
	resp, b := testenv.Request(t, "POST", w.base+"/scim/v2/Users", w.creds.SCIMToken, "application/scim+json", map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": email,
		"name":     map[string]any{"givenName": "Dorte", "familyName": "Dam"},
		"emails":   []any{map[string]any{"value": email, "type": "work", "primary": true}},
		"urn:ietf:params:scim:schemas:extension:tilgang:2.0:User": map[string]any{"dateOfBirth": "1990-02-01"},
	})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("SCIM create: %d %s", resp.StatusCode, b)
	}
	var created struct{ ID string }
	if err := json.Unmarshal(b, &created); err != nil {
		t.Fatal(err)
	}
	if u := w.user(created.ID); u.Status != "imported" {
		t.Fatalf("status %s, want imported: no activation without a code to hand over", u.Status)
	}

	var sent struct {
		Status         string `json:"status"`
		ActivationCode string `json:"activationCode"`
	}
	if s := w.admin("POST", "/users/"+created.ID+"/activation", nil, &sent); s != http.StatusAccepted || len(sent.ActivationCode) != 8 {
		t.Fatalf("send activation: %d %+v", s, sent)
	}
	link := w.link(mailsTo(t, email, 1)[0], "/activate/")
	br := newBrowser(t)
	p := br.get(link)
	wantPage(t, p, http.StatusOK, `name="code"`)
	wantPage(t, br.submit(p, url.Values{"code": {sent.ActivationCode}}), http.StatusOK)
	if got := w.user(created.ID).Status; got != "active" {
		t.Fatalf("status %s after the code", got)
	}
	// The mail of the admin's activation was the only one: none went at
	// creation (the mailer sends within milliseconds here).
	time.Sleep(300 * time.Millisecond)
	if n := len(testenv.MailTo(t, email)); n != 1 {
		t.Errorf("%d mails to the user, want 1", n)
	}
}
