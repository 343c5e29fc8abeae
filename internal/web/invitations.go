package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// acceptedPath is the result page an accepted invitation redirects to. Its
// address holds no token, so reloading or sharing it reveals nothing.
const acceptedPath = "/invitations/done"

// The fields the invitation form posts (SPEC §10).
const (
	fieldFirstName = "firstName"
	fieldLastName  = "lastName"
	fieldPhone     = "phone"
	fieldAccept    = "accept"
)

// invitationForm is what templates/invitation.html reads.
type invitationForm struct {
	CSRF     string
	Intro    string
	Details  []detail     // what the invitation offers, as text the invitee cannot change
	Fields   []inputField // first name, surname and phone, in the form's order
	Accept   checkbox
	Problems []problem // the error summary, in the form's order
}

// detail is one line of the invitation's facts.
type detail struct{ Term, Value string }

// inputField is one text field of the form. Value is what the invitee
// typed, kept when the form comes back with a problem.
type inputField struct {
	Name, Label, Hint, Type, Autocomplete, Value, Error string
}

// DescribedBy is the field's aria-describedby: its hint and its error.
func (f inputField) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.Name+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.Name+"-error")
	}
	return strings.Join(ids, " ")
}

// checkbox is the accept box.
type checkbox struct {
	Name, Label, Hint, Error string
	Checked                  bool
}

// problem is one entry of the error summary, linking to its field.
type problem struct{ Field, Text string }

// showInvitation renders the page of an invitation link. It changes
// nothing: a mail scanner that follows the link does not use it up.
func (p *pages) showInvitation(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	page, err := p.invitations.Open(r.Context(), token)
	if err != nil {
		p.invitationProblem(w, r, page, err)
		return
	}
	p.renderInvitation(w, r, http.StatusOK, token, page, invitations.Acceptance{}, false, nil)
}

// submitInvitation checks the posted form and accepts the invitation. On
// success it redirects (303) to the result page; a form with problems
// comes back with all of them and with what was typed.
func (p *pages) submitInvitation(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if !p.readForm(w, r, token) {
		return
	}
	ctx := r.Context()
	page, err := p.invitations.Open(ctx, token)
	if err != nil {
		p.invitationProblem(w, r, page, err)
		return
	}
	a := invitations.Acceptance{
		FirstName: strings.TrimSpace(r.PostForm.Get(fieldFirstName)),
		LastName:  strings.TrimSpace(r.PostForm.Get(fieldLastName)),
		Phone:     strings.TrimSpace(r.PostForm.Get(fieldPhone)),
	}
	accepted := r.PostForm.Get(fieldAccept) != ""
	if problems := acceptanceProblems(p.invitations.Check(page, a)); !accepted || len(problems) > 0 {
		if problems == nil {
			problems = map[string]string{}
		}
		if !accepted {
			problems[fieldAccept] = "missing"
		}
		p.renderInvitation(w, r, http.StatusUnprocessableEntity, token, page, a, accepted, problems)
		return
	}
	if _, err := p.invitations.Accept(ctx, token, a); err != nil {
		if problems := acceptanceProblems(err); len(problems) > 0 {
			p.renderInvitation(w, r, http.StatusUnprocessableEntity, token, page, a, accepted, problems)
			return
		}
		p.invitationProblem(w, r, page, err)
		return
	}
	p.accepted.set(w, orgName(page.Org))
	http.Redirect(w, r, acceptedPath+"?"+langParam+"="+p.invitationLanguage(r, page), http.StatusSeeOther)
}

// showAccepted renders the result of an accepted invitation. Without the
// result cookie it is an unknown link: it tells no one that something was
// accepted.
func (p *pages) showAccepted(w http.ResponseWriter, r *http.Request) {
	lang := p.languages.pick(r, "")
	name, ok := p.accepted.get(r)
	if !ok {
		p.renderMessage(w, r, http.StatusNotFound, "unknown", lang, "")
		return
	}
	p.renderMessage(w, r, http.StatusOK, "accepted", lang, name, name)
}

// invitationLanguage picks the language of an invitation's pages: the
// switch, else the language the invitation was sent in, else the browser's
// and the organisation's as on every page.
func (p *pages) invitationLanguage(r *http.Request, page invitations.Page) string {
	if lang := chosen(r); lang != "" {
		return lang
	}
	if page.Invitation != nil && supported(page.Invitation.Language) {
		return page.Invitation.Language
	}
	return p.languages.pick(r, orgLanguage(page.Org))
}

// invitationProblem renders why an invitation link does not open or could
// not be accepted. An unknown link is rendered from nothing the look-up
// found, so that it looks exactly like a guessed one.
func (p *pages) invitationProblem(w http.ResponseWriter, r *http.Request, page invitations.Page, err error) {
	if p.tooMany(w, r, p.invitationLanguage(r, page), err) {
		return
	}
	var e *tilgang.Error
	if !errors.As(err, &e) {
		p.serverError(w, r, p.invitationLanguage(r, page), err)
		return
	}
	switch e.Kind {
	case tilgang.KindNotFound:
		p.linkProblemIn(w, r, p.languages.pick(r, ""), "invite", err, nil)
	case tilgang.KindConflict, tilgang.KindLimit, tilgang.KindState:
		// The invitee can do nothing about these (the address became a
		// user meanwhile, the organisation has no room for another
		// admin): the organisation must.
		p.renderMessage(w, r, http.StatusConflict, "invite.refused", p.invitationLanguage(r, page), orgName(page.Org))
	default:
		p.linkProblemIn(w, r, p.invitationLanguage(r, page), "invite", err, page.Org)
	}
}

// renderInvitation renders the form. problems maps a field to the text
// key (after "invite.<field>.") of what is wrong with it.
func (p *pages) renderInvitation(w http.ResponseWriter, r *http.Request, status int, token string, page invitations.Page, a invitations.Acceptance, accepted bool, problems map[string]string) {
	lang := p.invitationLanguage(r, page)
	t := func(key string, args ...any) string { return translate(lang, key, args...) }
	fieldError := func(field string) string {
		switch key, ok := problems[field]; {
		case !ok:
			return ""
		case key == "too_long":
			return t("invite."+field+"."+key, users.MaxLength(field)) // the rulebook's limit
		default:
			return t("invite." + field + "." + key)
		}
	}
	inv, org := page.Invitation, orgName(page.Org)
	role := roleName(lang, inv.Role)
	form := invitationForm{
		CSRF:  p.csrf.issue(w, r, token),
		Intro: t("invite.intro", org, role),
		Fields: []inputField{
			{Name: fieldFirstName, Label: t("invite.firstName.label"), Type: "text", Autocomplete: "given-name", Value: a.FirstName},
			{Name: fieldLastName, Label: t("invite.lastName.label"), Type: "text", Autocomplete: "family-name", Value: a.LastName},
			{Name: fieldPhone, Label: t("invite.phone.label"), Hint: t("invite.phone.hint"), Type: "tel", Autocomplete: "tel", Value: a.Phone},
		},
		Accept: checkbox{Name: fieldAccept, Label: t("invite.accept.label", org), Hint: t("invite.accept.hint"),
			Checked: accepted, Error: fieldError(fieldAccept)},
	}
	switch {
	case inv.Role == "" && inv.InviterName != "":
		form.Intro = t("invite.intro.user.inviter", inv.InviterName, org)
	case inv.Role == "":
		form.Intro = t("invite.intro.user", org)
	case inv.InviterName != "":
		form.Intro = t("invite.intro.inviter", inv.InviterName, org, role)
	}
	form.Details = append(form.Details, detail{t("invite.detail.org"), org})
	if inv.InviterName != "" {
		form.Details = append(form.Details, detail{t("invite.detail.inviter"), inv.InviterName})
	}
	if inv.Role != "" {
		form.Details = append(form.Details, detail{t("invite.detail.role"), role})
	}
	if inv.OrgUnit != "" {
		form.Details = append(form.Details, detail{t("invite.detail.unit"), inv.OrgUnit})
	}
	form.Details = append(form.Details,
		detail{t("invite.detail.email"), inv.Email},
		detail{t("invite.detail.expires"), formatDate(inv.ExpiresAt, lang)})
	for i := range form.Fields {
		f := &form.Fields[i]
		if f.Error = fieldError(f.Name); f.Error != "" {
			form.Problems = append(form.Problems, problem{f.Name, f.Error})
		}
	}
	if form.Accept.Error != "" {
		form.Problems = append(form.Problems, problem{fieldAccept, form.Accept.Error})
	}
	p.render(w, r, status, "invitation.html", view{
		Lang: lang, Name: "invitation", Title: t("invite.title"), Error: len(form.Problems) > 0,
		OrgName: org, Page: form,
	})
}

// acceptanceProblems maps the users rulebook's refusal of the form's fields
// (see invitations.Service.Check) to the fields, by their codes, or returns
// nil when err is about something else, which the invitee cannot fix in
// the form.
func acceptanceProblems(err error) map[string]string {
	problems := map[string]string{}
	for _, e := range tilgang.Problems(err) {
		if e.Kind != tilgang.KindInvalid {
			return nil
		}
		switch {
		case e.Field != fieldFirstName && e.Field != fieldLastName && e.Field != fieldPhone:
			return nil
		case errors.Is(e, tilgang.ErrRequired):
			problems[e.Field] = "missing"
		case errors.Is(e, tilgang.ErrTooLong):
			problems[e.Field] = "too_long"
		default: // validate.ErrPhoneFormat for the phone
			problems[e.Field] = "invalid"
		}
	}
	return problems
}

// roleName is a role in words, or the role itself when it has none.
func roleName(lang, role string) string {
	if key := "invite.role." + role; textTables.Has(key) {
		return translate(lang, key)
	}
	return role
}

// invitationTexts are the texts of the invitation pages.
var invitationTexts = map[string]text{
	"invite.title": {"Du er inviteret", "You have been invited"},
	"invite.intro": {"%s har inviteret dig til rollen som %s.",
		"%s has invited you to the role of %s."},
	"invite.intro.inviter": {"%s fra %s har inviteret dig til rollen som %s.",
		"%s from %s has invited you to the role of %s."},
	"invite.intro.user": {"%s har inviteret dig som bruger.",
		"%s has invited you as a user."},
	"invite.intro.user.inviter": {"%s fra %s har inviteret dig som bruger.",
		"%s from %s has invited you as a user."},

	"invite.role.user-admin":    {"brugeradministrator", "user administrator"},
	"invite.role.company-admin": {"virksomhedsadministrator", "company administrator"},
	"invite.role.rights-admin":  {"rettighedsadministrator", "rights administrator"},

	"invite.detail.org":     {"Organisation", "Organisation"},
	"invite.detail.inviter": {"Inviteret af", "Invited by"},
	"invite.detail.role":    {"Rolle", "Role"},
	"invite.detail.unit":    {"Organisationsenhed", "Organisation unit"},
	"invite.detail.email":   {"Din e-mailadresse", "Your e-mail address"},
	"invite.detail.expires": {"Invitationen udløber", "The invitation expires"},
	"invite.email.note": {"Din bruger oprettes med denne e-mailadresse. Er det ikke din adresse, så accepter ikke invitationen.",
		"Your user is created with this e-mail address. If it is not your address, do not accept the invitation."},

	"invite.firstName.label": {"Fornavn", "First name"},
	"invite.firstName.missing": {"Skriv dit fornavn",
		"Enter your first name"},
	"invite.firstName.too_long": {"Fornavnet er for langt. Skriv højst %d tegn",
		"The first name is too long. Use at most %d characters"},
	"invite.firstName.invalid": {"Fornavnet kan ikke bruges. Tjek, hvad du har skrevet",
		"The first name cannot be used. Check what you typed"},

	"invite.lastName.label": {"Efternavn", "Surname"},
	"invite.lastName.missing": {"Skriv dit efternavn",
		"Enter your surname"},
	"invite.lastName.too_long": {"Efternavnet er for langt. Skriv højst %d tegn",
		"The surname is too long. Use at most %d characters"},
	"invite.lastName.invalid": {"Efternavnet kan ikke bruges. Tjek, hvad du har skrevet",
		"The surname cannot be used. Check what you typed"},

	"invite.phone.label": {"Telefonnummer (valgfrit)", "Phone number (optional)"},
	"invite.phone.hint": {"8 cifre, eller + efterfulgt af landekode og nummer, for eksempel 12345678 eller +4512345678.",
		"8 digits, or + followed by country code and number, for example 12345678 or +4512345678."},
	"invite.phone.invalid": {"Skriv telefonnummeret med 8 cifre, eller + efterfulgt af landekode og nummer",
		"Enter the phone number as 8 digits, or + followed by country code and number"},

	"invite.accept.label": {"Jeg accepterer invitationen fra %s",
		"I accept the invitation from %s"},
	"invite.accept.hint": {"Når du har accepteret, skal en administrator godkende dig, før du kan bruge din bruger.",
		"When you have accepted, an administrator must approve you before you can use your user."},
	"invite.accept.missing": {"Sæt kryds for at acceptere invitationen",
		"Tick the box to accept the invitation"},
	"invite.submit": {"Accepter invitationen", "Accept the invitation"},

	"accepted.title": {"Tak – en administrator skal nu godkende dig",
		"Thank you — an administrator must approve you"},
	"accepted.body.1": {"Du har accepteret invitationen fra %s.",
		"You have accepted the invitation from %s."},
	"accepted.body.2": {"En administrator hos %s skal nu godkende dig, før du kan bruge din bruger.",
		"An administrator at %s must now approve you before you can use your user."},
	"accepted.body.3": {"Du behøver ikke gøre mere her og kan lukke siden.",
		"There is nothing more to do here; you can close this page."},

	"invite.expired.title": {"Invitationen er udløbet", "The invitation has expired"},
	"invite.expired.body.1": {"Linket i invitationen virker ikke længere, fordi invitationen er for gammel.",
		"The link in the invitation no longer works, because the invitation is too old."},
	"invite.expired.body.2": {"Bed den, der inviterede dig, om at sende invitationen igen.",
		"Ask the person who invited you to send the invitation again."},

	"invite.used.title": {"Invitationen er allerede accepteret", "The invitation has already been accepted"},
	"invite.used.body.1": {"En invitation kan kun accepteres én gang, og denne er allerede accepteret.",
		"An invitation can be accepted only once, and this one has already been accepted."},
	"invite.used.body.2": {"Har du ikke selv accepteret den, så kontakt den, der inviterede dig.",
		"If you did not accept it yourself, contact the person who invited you."},

	"invite.revoked.title": {"Invitationen er trukket tilbage", "The invitation was withdrawn"},
	"invite.revoked.body.1": {"Organisationen har trukket invitationen tilbage, så den kan ikke længere accepteres.",
		"The organisation has withdrawn the invitation, so it can no longer be accepted."},
	"invite.revoked.body.2": {"Kontakt den, der inviterede dig, hvis du mener, at det er en fejl.",
		"Contact the person who invited you if you think this is a mistake."},

	"invite.refused.title": {"Invitationen kunne ikke accepteres", "The invitation could not be accepted"},
	"invite.refused.body.1": {"Organisationen kan ikke oprette en bruger til dig lige nu. Du har måske allerede en bruger med denne e-mailadresse.",
		"The organisation cannot create a user for you right now. You may already have a user with this e-mail address."},
	"invite.refused.body.2": {"Kontakt den, der inviterede dig.",
		"Contact the person who invited you."},
}
