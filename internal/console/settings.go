package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// The organisation's settings (company-admins only, as PATCH
// /organisation in the admin API).

func (c *Console) settingsRoutes(route routeFunc) {
	route("GET "+Prefix+"/settings", tilgang.RoleCompanyAdmin, c.showSettings)
	route("POST "+Prefix+"/settings", tilgang.RoleCompanyAdmin, c.saveSettings)
}

type settingsPage struct {
	Name, Language                               string
	PNumbers, SENumbers, EANNumbers, AdminEmails string // one a line
	AllowAnonymous, ReferenceText, PrivateMitID  bool
	RequirePasskeys                              bool
	Errors                                       map[string]string
	Summary                                      []fieldProblem
	Notice                                       string
	Languages                                    []option
}

func (f settingsPage) Err(field string) string { return f.Errors[field] }

func settingsOf(o *tilgang.Organisation) settingsPage {
	return settingsPage{Name: o.Name, Language: o.Language, PNumbers: strings.Join(o.PNumbers, "\n"),
		SENumbers: strings.Join(o.SENumbers, "\n"), EANNumbers: strings.Join(o.EANNumbers, "\n"),
		AdminEmails: strings.Join(o.AdminEmails, "\n"), AllowAnonymous: o.AllowAnonymous,
		ReferenceText: o.ReferenceTextEnabled, PrivateMitID: o.AllowPrivateMitID, RequirePasskeys: o.RequirePasskeys}
}

func (c *Console) renderSettings(w http.ResponseWriter, q *Request, status int, p settingsPage) {
	p.Languages = []option{{Value: "da", Label: "Dansk", Selected: p.Language == "da"}, {Value: "en", Label: "English", Selected: p.Language == "en"}}
	q.c.render(w, q.Request, status, "settings.html", view{Lang: q.Lang, Name: "settings", Title: q.T("settings.title"),
		Error: len(p.Errors) > 0, OrgName: q.Org.Name, Person: q.Person, Nav: q.nav(), CSRF: q.Session.CSRF, Wide: true, Page: p})
}

func (c *Console) showSettings(w http.ResponseWriter, q *Request) {
	p := settingsOf(q.Org)
	if q.URL.Query().Get("done") == "saved" {
		p.Notice = q.T("settings.saved")
	}
	c.renderSettings(w, q, http.StatusOK, p)
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (c *Console) saveSettings(w http.ResponseWriter, q *Request) {
	v := q.PostForm
	p := settingsPage{Name: strings.TrimSpace(v.Get("name")), Language: v.Get("language"), PNumbers: v.Get("pNumbers"),
		SENumbers: v.Get("seNumbers"), EANNumbers: v.Get("eanNumbers"), AdminEmails: v.Get("adminEmails"),
		AllowAnonymous: v.Get("allowAnonymous") == "on", ReferenceText: v.Get("referenceText") == "on",
		PrivateMitID: v.Get("privateMitID") == "on", RequirePasskeys: v.Get("requirePasskeys") == "on"}
	in := tenants.SettingsOf(q.Org)
	in.Name, in.Language = p.Name, p.Language
	in.PNumbers, in.SENumbers, in.EANNumbers, in.AdminEmails = lines(p.PNumbers), lines(p.SENumbers), lines(p.EANNumbers), lines(p.AdminEmails)
	in.AllowAnonymous, in.ReferenceTextEnabled, in.AllowPrivateMitID, in.RequirePasskeys = p.AllowAnonymous, p.ReferenceText, p.PrivateMitID, p.RequirePasskeys
	_, err := c.Tenants.UpdateSettings(q.Context(), q.Org, in)
	if errors.Is(err, tilgang.ErrStale) {
		c.renderMessage(w, q.Request, http.StatusConflict, "stale", q.Lang, nil)
		return
	}
	if err != nil {
		var errs []*tilgang.Error
		collect(err, &errs)
		if len(errs) == 0 {
			c.serverError(w, q.Request, q.Lang, err)
			return
		}
		p.Errors = map[string]string{}
		for _, e := range errs {
			field := e.Field
			switch field {
			case "name", "language", "pNumbers", "seNumbers", "eanNumbers", "adminEmails":
			default:
				field = "name"
			}
			msg := problemText(q.Lang, e)
			if _, seen := p.Errors[field]; !seen {
				p.Errors[field] = msg
			}
			p.Summary = append(p.Summary, fieldProblem{Field: field, Message: msg})
		}
		c.renderSettings(w, q, http.StatusUnprocessableEntity, p)
		return
	}
	http.Redirect(w, q.Request, Prefix+"/settings?done=saved", http.StatusSeeOther)
}
