package web

import (
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/secret"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// activatedPath is the result page a successful activation redirects to.
// Its address holds no token, so reloading or sharing it reveals nothing.
const activatedPath = "/activate/done"

// wrongAnswer is the code of the users service's error for a CPR number or
// code that does not match.
const wrongAnswer = "activation.wrong_answer"

// activationForm is what templates/activate.html reads.
type activationForm struct {
	Method   string // users.AskCPR, users.AskCode or users.AskNothing
	Field    string // the answer's field name: "cpr", "code" or ""
	CSRF     string
	Intro    string
	Expiry   string
	Problem  string // the error in the answer, if any
	Attempts string // how many tries are left, told with a problem
}

// showActivation renders the form of an activation link. It changes
// nothing: a mail scanner that follows the link does not use it up.
func (p *pages) showActivation(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	page, err := p.activations.OpenActivation(r.Context(), token)
	if err != nil {
		p.linkProblem(w, r, "activate", err, page.Org)
		return
	}
	p.renderActivation(w, r, http.StatusOK, token, page, "")
}

// submitActivation checks the posted answer and activates the user. On
// success it redirects (303) to the result page, so that reloading the
// result does not post again; a wrong answer renders the form again with
// the problem.
func (p *pages) submitActivation(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if !p.readForm(w, r, token) {
		return
	}
	ctx := r.Context()
	page, err := p.activations.OpenActivation(ctx, token)
	if err != nil {
		p.linkProblem(w, r, "activate", err, page.Org)
		return
	}
	field := answerField(page.Method)
	var answer string
	if field != "" {
		answer = strings.TrimSpace(r.PostForm.Get(field))
		// A typing mistake does not cost a try: only an answer of the
		// right form reaches the service, which counts wrong ones.
		if problem := checkAnswer(page.Method, answer); problem != "" {
			p.renderActivation(w, r, http.StatusUnprocessableEntity, token, page, problem)
			return
		}
	}
	_, err = p.activations.CompleteActivation(ctx, token, answer)
	var e *tilgang.Error
	switch {
	case err == nil:
		p.result.set(w, orgName(page.Org))
		http.Redirect(w, r, activatedPath+"?"+langParam+"="+p.languages.pick(r, orgLanguage(page.Org)), http.StatusSeeOther)
	case errors.As(err, &e) && (e.Code == wrongAnswer || e.Kind == tilgang.KindInvalid):
		problem := field + ".wrong"
		if e.Code != wrongAnswer {
			problem = field + ".invalid"
		}
		// Read the link again for the tries left.
		again, err := p.activations.OpenActivation(ctx, token)
		if err != nil {
			p.linkProblem(w, r, "activate", err, page.Org)
			return
		}
		p.renderActivation(w, r, http.StatusUnprocessableEntity, token, again, problem)
	default:
		p.linkProblem(w, r, "activate", err, page.Org)
	}
}

// showActivated renders the result of a successful activation. Without the
// result cookie it is an unknown link: it tells no one that something was
// activated.
func (p *pages) showActivated(w http.ResponseWriter, r *http.Request) {
	lang := p.languages.pick(r, "")
	name, ok := p.result.get(r)
	if !ok {
		p.renderMessage(w, r, http.StatusNotFound, "unknown", lang, "")
		return
	}
	p.renderMessage(w, r, http.StatusOK, "activated", lang, name, name)
}

// renderActivation renders the form; problem, if set, is the text key of
// what is wrong with the answer.
func (p *pages) renderActivation(w http.ResponseWriter, r *http.Request, status int, token string, page users.ActivationPage, problem string) {
	lang := p.languages.pick(r, orgLanguage(page.Org))
	t := func(key string, args ...any) string { return translate(lang, key, args...) }
	form := activationForm{
		Method: page.Method,
		Field:  answerField(page.Method),
		CSRF:   p.csrf.issue(w, r, token),
		Intro:  t("activate.intro."+page.Method, orgName(page.Org)),
		Expiry: t("activate.expiry", formatDate(page.ExpiresAt, lang)),
	}
	if problem != "" {
		form.Problem = t("activate." + problem)
	}
	// Only an answer the service counted tells the tries left; a typing
	// mistake costs none.
	if strings.HasSuffix(problem, ".wrong") {
		switch n := page.AttemptsLeft; {
		case n == 1:
			form.Attempts = t("activate.attempts.one")
		case n > 1:
			form.Attempts = t("activate.attempts", n)
		}
	}
	p.render(w, r, status, "activate.html", view{
		Lang: lang, Name: "activate", Title: t("activate.title"), Error: problem != "",
		OrgName: orgName(page.Org), Page: form,
	})
}

// linkProblem renders why a link does not open. kind prefixes the texts
// of the page's own link states (kind.expired, kind.used, ...); org, when
// known, names the organisation. An unknown link names none, so that it
// looks exactly like a guessed one.
func (p *pages) linkProblem(w http.ResponseWriter, r *http.Request, kind string, err error, org *tilgang.Organisation) {
	p.linkProblemIn(w, r, p.languages.pick(r, orgLanguage(org)), kind, err, org)
}

// linkProblemIn is linkProblem in lang, for a page that picks its language
// otherwise.
func (p *pages) linkProblemIn(w http.ResponseWriter, r *http.Request, lang, kind string, err error, org *tilgang.Organisation) {
	if p.tooMany(w, r, lang, err) {
		return
	}
	var e *tilgang.Error
	if !errors.As(err, &e) {
		p.serverError(w, r, lang, err)
		return
	}
	if e.Kind == tilgang.KindStale {
		// The post lost a race with another change of the same link more
		// often than the service tries again (parallel posts, a double
		// click). Nothing was saved, and nothing is wrong with the server:
		// the reader opens the page again and sees where the link is now.
		p.renderMessage(w, r, http.StatusConflict, "retry", lang, orgName(org))
		return
	}
	switch e.Code {
	case tilgang.ErrLinkExpired.Code:
		p.renderMessage(w, r, http.StatusGone, kind+".expired", lang, orgName(org))
	case tilgang.ErrLinkUsed.Code:
		p.renderMessage(w, r, http.StatusGone, kind+".used", lang, orgName(org))
	case tilgang.ErrLinkLocked.Code:
		p.renderMessage(w, r, http.StatusGone, kind+".locked", lang, orgName(org))
	case tilgang.ErrLinkRevoked.Code:
		p.renderMessage(w, r, http.StatusGone, kind+".revoked", lang, orgName(org))
	case users.ErrLinkSuspended.Code:
		p.renderMessage(w, r, http.StatusGone, kind+".suspended", lang, orgName(org))
	default:
		switch e.Kind {
		case tilgang.KindNotFound:
			p.renderMessage(w, r, http.StatusNotFound, "unknown", lang, "")
		case tilgang.KindGone:
			p.renderMessage(w, r, http.StatusGone, "gone", lang, orgName(org))
		default:
			p.serverError(w, r, lang, err)
		}
	}
}

// readForm reads a posted form of at most MaxFormBytes into r.PostForm
// and checks its CSRF field against the link token. It answers the request
// itself and returns false when the body is no such form or the field is
// not this browser's for this link.
func (p *pages) readForm(w http.ResponseWriter, r *http.Request, token string) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		p.renderMessage(w, r, http.StatusUnsupportedMediaType, "badform", p.languages.pick(r, ""), "")
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		status := http.StatusBadRequest
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			status = http.StatusRequestEntityTooLarge
		}
		p.renderMessage(w, r, status, "badform", p.languages.pick(r, ""), "")
		return false
	}
	if !p.csrf.valid(r, token) {
		p.renderMessage(w, r, http.StatusForbidden, "forbidden", p.languages.pick(r, ""), "")
		return false
	}
	return true
}

// answerField names the form field of a method's answer.
func answerField(method string) string {
	switch method {
	case users.AskCPR:
		return "cpr"
	case users.AskCode:
		return "code"
	}
	return ""
}

// checkAnswer returns the text key (after "activate.") of what is wrong
// with the form of an answer, or "".
func checkAnswer(method, answer string) string {
	switch method {
	case users.AskCPR:
		if answer == "" {
			return "cpr.missing"
		}
		if _, err := cpr.Parse(answer); errors.Is(err, cpr.ErrInvalidDate) {
			return "cpr.invalid_date"
		} else if err != nil {
			return "cpr.invalid"
		}
	case users.AskCode:
		if answer == "" {
			return "code.missing"
		}
		if len(secret.NormaliseCode(answer)) != secret.CodeLength {
			return "code.invalid"
		}
	}
	return ""
}

// orgName is the name of org, which a failed look-up leaves nil.
func orgName(org *tilgang.Organisation) string {
	if org == nil {
		return ""
	}
	return org.Name
}

// orgLanguage is the language of org, or "".
func orgLanguage(org *tilgang.Organisation) string {
	if org == nil {
		return ""
	}
	return org.Language
}

// activationTexts are the texts of the activation pages.
var activationTexts = map[string]text{
	"activate.title": {"Aktivér din bruger", "Activate your user"},
	"activate.intro.cpr": {"%s har oprettet en bruger til dig. Skriv dit CPR-nummer for at bekræfte, at det er dig, og aktivere brugeren.",
		"%s has created a user for you. Enter your CPR number to confirm that it is you and activate the user."},
	"activate.intro.code": {"%s har oprettet en bruger til dig. Skriv den aktiveringskode, du har fået af din administrator, for at aktivere brugeren.",
		"%s has created a user for you. Enter the activation code your administrator gave you to activate the user."},
	"activate.intro.link": {"%s har oprettet en bruger til dig. Tryk på knappen for at aktivere den.",
		"%s has created a user for you. Press the button to activate it."},
	"activate.expiry": {"Linket udløber den %s.", "The link expires on %s."},
	"activate.submit": {"Aktivér bruger", "Activate user"},

	"activate.cpr.label": {"CPR-nummer", "CPR number"},
	"activate.cpr.hint": {"10 cifre, med eller uden bindestreg, for eksempel 010190-1234.",
		"10 digits, with or without a hyphen, for example 010190-1234."},
	"activate.cpr.missing": {"Skriv dit CPR-nummer", "Enter your CPR number"},
	"activate.cpr.invalid": {"Skriv CPR-nummeret med 10 cifre, for eksempel 010190-1234",
		"Enter the CPR number as 10 digits, for example 010190-1234"},
	"activate.cpr.invalid_date": {"De første 6 cifre i CPR-nummeret skal være din fødselsdato (DDMMÅÅ)",
		"The first 6 digits of the CPR number must be your date of birth (DDMMYY)"},
	"activate.cpr.wrong": {"CPR-nummeret passer ikke til brugeren. Tjek, at du har skrevet dit eget CPR-nummer rigtigt",
		"The CPR number does not match the user. Check that you typed your own CPR number correctly"},

	"activate.code.label": {"Aktiveringskode", "Activation code"},
	"activate.code.hint": {"De 8 tegn, du har fået af din administrator. Store og små bogstaver er ligegyldige.",
		"The 8 characters your administrator gave you. Upper or lower case does not matter."},
	"activate.code.missing": {"Skriv aktiveringskoden", "Enter the activation code"},
	"activate.code.invalid": {"Aktiveringskoden har 8 tegn", "The activation code has 8 characters"},
	"activate.code.wrong": {"Aktiveringskoden er forkert. Tjek, at du har skrevet den, som du fik den",
		"The activation code is wrong. Check that you typed it as you were given it"},

	"activate.attempts": {"Du har %d forsøg tilbage.", "You have %d tries left."},
	"activate.attempts.one": {"Du har 1 forsøg tilbage. Derefter spærres linket.",
		"You have 1 try left. After that, the link is locked."},

	"activated.title":  {"Din bruger er aktiveret", "Your user is activated"},
	"activated.body.1": {"Din bruger hos %s er nu aktiveret.", "Your user at %s is now activated."},
	"activated.body.2": {"Du behøver ikke gøre mere her og kan lukke siden.",
		"There is nothing more to do here; you can close this page."},

	"activate.expired.title": {"Linket er udløbet", "The link has expired"},
	"activate.expired.body.1": {"Et aktiveringslink virker i 30 dage, og dette link er for gammelt.",
		"An activation link works for 30 days, and this link is too old."},
	"activate.expired.body.2": {"Bed din administrator om at sende dig et nyt aktiveringslink.",
		"Ask your administrator to send you a new activation link."},

	"activate.used.title": {"Linket er allerede brugt", "This link has already been used"},
	"activate.used.body.1": {"Et aktiveringslink virker kun én gang, og din bruger er allerede aktiveret.",
		"An activation link works only once, and your user is already activated."},
	"activate.used.body.2": {"Har du ikke selv aktiveret brugeren, så kontakt din administrator.",
		"If you did not activate the user yourself, contact your administrator."},

	"activate.locked.title": {"Linket er spærret", "The link is locked"},
	"activate.locked.body.1": {"Der blev skrevet forkert for mange gange, så linket er spærret af hensyn til din sikkerhed.",
		"The answer was wrong too many times, so the link is locked for your security."},
	"activate.locked.body.2": {"Bed din administrator om et nyt aktiveringslink eller en ny aktiveringskode.",
		"Ask your administrator for a new activation link or a new activation code."},

	"activate.suspended.title": {"Din bruger er deaktiveret", "Your user is deactivated"},
	"activate.suspended.body.1": {"Din administrator har deaktiveret din bruger, før du nåede at aktivere den. Linket virker ikke, så længe brugeren er deaktiveret.",
		"Your administrator deactivated your user before you activated it. The link does not work while the user is deactivated."},
	"activate.suspended.body.2": {"Kontakt din administrator, hvis du skal bruge din bruger.",
		"Please contact your administrator if you need your user."},

	"activate.revoked.title": {"Linket er trukket tilbage", "The link was withdrawn"},
	"activate.revoked.body": {"Kontakt din administrator, hvis du stadig skal have en bruger.",
		"Contact your administrator if you still need a user."},
}
