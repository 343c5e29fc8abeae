package console

import (
	"net/http"
)

// Passkeys (WebAuthn): a person registers one after a first sign-in with
// a mailed link, and then signs in with it; an organisation that requires
// passkeys lets a mailed link do nothing but register one. The console
// shows the list and the buttons; the ceremonies themselves, POST
// /console/passkeys/{register,signin}/{begin,finish}, are package
// passkeys, a function of their own, so that the pages do not link
// WebAuthn (README, "Cold start"). The browser side is assets/passkey.js,
// the one script of the console.

func (c *Console) passkeyRoutes() {
	c.mux.Handle("GET "+Prefix+"/passkeys", c.signedIn("", true, c.listPasskeys))
	// Without JavaScript the sign-in form posts here: tell the person why
	// nothing happened.
	c.mux.HandleFunc("POST "+Prefix+"/passkeys/signin", func(w http.ResponseWriter, r *http.Request) {
		lang := pickLang(r, "")
		c.renderMessage(w, r, http.StatusOK, "passkey.nojs", lang, &navLink{Label: translate(lang, "signin.again"), Href: Prefix + "/signin"})
	})
}

type passkeysPage struct {
	Keys     []passkeyRow
	Required bool // the organisation requires passkeys and this session has none yet
	Notice   string
}

type passkeyRow struct{ Created string }

// listPasskeys shows the person's passkeys by when they were registered:
// the stored record is all it reads, never the credential inside it.
func (c *Console) listPasskeys(w http.ResponseWriter, q *Request) {
	ps, err := c.Store.Passkeys(q.Context(), q.Org.ID, q.Person.ID)
	if err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	p := passkeysPage{Required: q.Org.RequirePasskeys && !q.Session.Passkey}
	if q.URL.Query().Get("done") == "registered" {
		p.Notice = q.T("passkey.registered")
	}
	for _, k := range ps {
		p.Keys = append(p.Keys, passkeyRow{Created: view{Lang: q.Lang}.Time(k.CreatedAt)})
	}
	q.Render(w, http.StatusOK, "passkeys.html", "passkeys", q.T("passkeys.title"), p)
}
