package web

import "net/http"

// showInvitation holds the place of the invitation page (SPEC §8) until
// it is built: every invitation link is unknown for now. The page will be
// this file and templates/invitation.html, with its texts in
// invitationTexts and its link states through linkProblem.
func (p *pages) showInvitation(w http.ResponseWriter, r *http.Request) {
	p.renderMessage(w, r, http.StatusNotFound, "unknown", p.languages.pick(r, ""), "")
}

// invitationTexts are the texts of the invitation pages.
var invitationTexts = map[string]text{}
