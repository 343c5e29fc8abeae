package console

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/tilgang/tilgang/internal/session"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Sign-in (issue 16, point 2): a person types their address and gets a
// link that works once, for ten minutes; the link's page has a button, so
// that a mail scanner that opens the link does not spend it. The answer is
// the same whether the address is an administrator's or not.

func (c *Console) signinRoutes() {
	c.mux.HandleFunc("GET "+Prefix+"/signin", c.showSignIn)
	c.mux.HandleFunc("POST "+Prefix+"/signin", c.requestLink)
	c.mux.HandleFunc("GET "+Prefix+"/signin/{token}", c.showLink)
	c.mux.HandleFunc("POST "+Prefix+"/signin/{token}", c.spendLink)
	c.mux.Handle("POST "+Prefix+"/signout", c.signedIn("", true, c.signOut))
	c.mux.Handle("POST "+Prefix+"/reauth", c.signedIn("", true, c.reauthLink))
}

type signInPage struct {
	CSRF, Next, Email string
	Problem           string
	Notice            string
	PasskeyOptions    string // the passkey sign-in's address
}

func (c *Console) showSignIn(w http.ResponseWriter, r *http.Request) {
	c.keepLang(w, r)
	lang := pickLang(r, "")
	p := signInPage{CSRF: c.sessions.PreIssue(w, r), Next: session.LocalPath(r.URL.Query().Get("next")), PasskeyOptions: Prefix + "/passkeys/signin"}
	if r.URL.Query().Get("out") == "1" {
		p.Notice = translate(lang, "signin.signedout")
	}
	c.render(w, r, http.StatusOK, "signin.html", view{Lang: lang, Name: "signin", Title: translate(lang, "signin.title"),
		Script: c.views.script, Page: p})
}

func (c *Console) requestLink(w http.ResponseWriter, r *http.Request) {
	if !c.readForm(w, r) {
		return
	}
	lang := pickLang(r, "")
	if !c.sessions.PreValid(r, r.PostForm.Get(session.CSRFField)) {
		c.forbidden(w, r)
		return
	}
	address := strings.TrimSpace(r.PostForm.Get("email"))
	if address == "" || !strings.Contains(address, "@") || len(address) > 254 {
		p := signInPage{CSRF: c.sessions.PreIssue(w, r), Email: address, Next: session.LocalPath(r.PostForm.Get("next")),
			Problem: translate(lang, "signin.email.invalid"), PasskeyOptions: Prefix + "/passkeys/signin"}
		c.render(w, r, http.StatusUnprocessableEntity, "signin.html", view{Lang: lang, Name: "signin", Error: true,
			Title: translate(lang, "signin.title"), Script: c.views.script, Page: p})
		return
	}
	if err := c.mailLinks(r.Context(), address, lang); err != nil {
		// Logged, and answered like every other address: the answer must
		// not tell whether the address belongs to anyone.
		c.log.ErrorContext(r.Context(), "console: sign-in mail", "error", err)
	}
	c.renderMessage(w, r, http.StatusOK, "signin.sent", lang, nil)
}

// mailLinks sends a sign-in link to the address for every organisation
// where it is an administrator's who may use the console.
func (c *Console) mailLinks(ctx context.Context, address, lang string) error {
	refs, err := c.Store.SignInCandidates(ctx, address)
	if err != nil {
		return err
	}
	var errs []error
	for _, ref := range refs {
		org, err := c.Tenants.Organisation(ctx, ref.OrgID)
		if err != nil || org.Disabled() {
			continue
		}
		u, err := c.Users.Get(ctx, org, ref.UserID)
		if err != nil || !session.MayUseConsole(u) || !strings.EqualFold(strings.TrimSpace(u.Email), address) {
			continue
		}
		errs = append(errs, c.sendLink(ctx, org, u, lang))
	}
	return errors.Join(errs...)
}

// sendLink stores a new link for u and mails it.
func (c *Console) sendLink(ctx context.Context, org *tilgang.Organisation, u *tilgang.User, lang string) error {
	token := rand.Text() + rand.Text()
	link := tilgang.SignInLink{SignInRef: tilgang.SignInRef{OrgID: org.ID, UserID: u.ID},
		ExpiresAt: c.now().Add(tilgang.SignInLinkTTL)}
	if err := c.Store.PutSignInLink(ctx, session.HashID(token), link); err != nil {
		return err
	}
	href := c.link(Prefix + "/signin/" + token)
	subject := translate(lang, "signin.mail.subject", org.Name)
	body := translate(lang, "signin.mail.body", org.Name, href)
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(c.opts.MailFrom),
		Destination:      &types.Destination{ToAddresses: []string{u.Email}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(subject), Charset: aws.String("UTF-8")},
			Body:    &types.Body{Text: &types.Content{Data: aws.String(body), Charset: aws.String("UTF-8")}},
		}},
	}
	if c.opts.ConfigurationSet != "" {
		in.ConfigurationSetName = aws.String(c.opts.ConfigurationSet)
	}
	if _, err := c.Mail.SendEmail(ctx, in); err != nil {
		return fmt.Errorf("console: send sign-in mail: %w", err)
	}
	return nil
}

type linkPage struct{ CSRF string }

// showLink shows the button that spends the link; it reads nothing, so
// that opening the link tells no one anything and spends nothing.
func (c *Console) showLink(w http.ResponseWriter, r *http.Request) {
	lang := pickLang(r, "")
	c.render(w, r, http.StatusOK, "link.html", view{Lang: lang, Name: "signin.link", Title: translate(lang, "signin.link.title"),
		Page: linkPage{CSRF: c.sessions.PreIssue(w, r)}})
}

func (c *Console) spendLink(w http.ResponseWriter, r *http.Request) {
	if !c.readForm(w, r) {
		return
	}
	lang := pickLang(r, "")
	if !c.sessions.PreValid(r, r.PostForm.Get(session.CSRFField)) {
		c.forbidden(w, r)
		return
	}
	ctx := r.Context()
	token := r.PathValue("token")
	if len(token) > 128 {
		c.renderMessage(w, r, http.StatusNotFound, "signin.bad", lang, &navLink{Label: translate(lang, "signin.again"), Href: Prefix + "/signin"})
		return
	}
	link, err := c.Store.SpendSignInLink(ctx, session.HashID(token))
	switch {
	case errors.Is(err, tilgang.ErrSignInLinkNotFound):
		c.renderMessage(w, r, http.StatusNotFound, "signin.bad", lang, &navLink{Label: translate(lang, "signin.again"), Href: Prefix + "/signin"})
		return
	case err != nil:
		c.serverError(w, r, lang, err)
		return
	case !c.now().Before(link.ExpiresAt):
		c.renderMessage(w, r, http.StatusGone, "signin.bad", lang, &navLink{Label: translate(lang, "signin.again"), Href: Prefix + "/signin"})
		return
	}
	org, err := c.Tenants.Organisation(ctx, link.OrgID)
	if err != nil || org.Disabled() {
		c.renderMessage(w, r, http.StatusNotFound, "signin.bad", lang, &navLink{Label: translate(lang, "signin.again"), Href: Prefix + "/signin"})
		return
	}
	u, err := c.Users.Get(ctx, org, link.UserID)
	if err != nil || !session.MayUseConsole(u) {
		c.renderMessage(w, r, http.StatusNotFound, "signin.bad", lang, &navLink{Label: translate(lang, "signin.again"), Href: Prefix + "/signin"})
		return
	}
	if err := c.sessions.Start(ctx, w, r, link.SignInRef, false); err != nil {
		c.serverError(w, r, lang, err)
		return
	}
	next := Prefix + "/"
	if org.RequirePasskeys {
		next = Prefix + "/passkeys"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (c *Console) signOut(w http.ResponseWriter, q *Request) {
	if err := c.sessions.End(q.Context(), w, q.Session); err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	http.Redirect(w, q.Request, Prefix+"/signin?out=1", http.StatusSeeOther)
}

// reauthLink mails the signed-in person a new link: spending it starts a
// fresh session, which may then do what asks for re-authentication.
func (c *Console) reauthLink(w http.ResponseWriter, q *Request) {
	if err := c.sendLink(q.Context(), q.Org, q.Person, q.Lang); err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	q.Render(w, http.StatusOK, "message.html", "reauth.sent", q.T("reauth.sent.title"),
		message{Paragraphs: []string{q.T("reauth.sent.body")}})
}

// reauthPage is the page shown instead of an action that needs a fresh
// sign-in.
type reauthPage struct {
	Back     string
	Passkeys bool
	PreCSRF  string // the passkey sign-in's, which starts a new session
}

// NeedFresh renders the re-authentication page and reports true when the
// person has not proved who they are within the last ten minutes: the
// caller then stops.
func (q *Request) NeedFresh(w http.ResponseWriter, back string) bool {
	if q.Fresh() {
		return false
	}
	has := false
	if ps, err := q.c.Store.Passkeys(q.Context(), q.Org.ID, q.Person.ID); err == nil && len(ps) > 0 {
		has = true
	}
	q.Render(w, http.StatusForbidden, "reauth.html", "reauth", q.T("reauth.title"), reauthPage{Back: session.LocalPath(back), Passkeys: has, PreCSRF: q.c.sessions.PreIssue(w, q.Request)})
	return true
}
