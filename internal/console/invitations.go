package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// The invitation pages (SPEC §8, §12; company-admins, as in the admin
// API): invite up to 250 pasted addresses as ordinary users or with a role,
// the lists by status, and an invitation's page with approve, reject,
// revoke and resend. The "invitation accepted" mail links to that page.

func (c *Console) invitationRoutes(route routeFunc) {
	route("GET "+Prefix+"/invitations", tilgang.RoleCompanyAdmin, c.listInvitations)
	route("POST "+Prefix+"/invitations", tilgang.RoleCompanyAdmin, c.invite)
	route("GET "+Prefix+"/invitations/{id}", tilgang.RoleCompanyAdmin, c.showInvitation)
	route("POST "+Prefix+"/invitations/{id}/{step}", tilgang.RoleCompanyAdmin, c.invitationStep)
}

// InvitationsPageSize is how many invitations a page of the list shows.
const InvitationsPageSize = 50

type invitationsPage struct {
	Status   string
	Statuses []navLink
	Rows     []invitationRow
	Next     string
	// The invite form, kept on an error.
	Emails, Role, OrgUnit, Inviter string
	Roles                          []roleOption
	Problem                        string
	Results                        []inviteResultRow
	Invited                        int
	Unreadable                     int
}

type invitationRow struct {
	ID, Email, Role, Status, Inviter, Created, Expires string
}

type inviteResultRow struct {
	Email, Result, ID string
	OK                bool
}

func (c *Console) invitationsPage(q *Request, p invitationsPage) (invitationsPage, error) {
	status := q.URL.Query().Get("status")
	if !slices.Contains(tilgang.InvitationStatuses, tilgang.InvitationStatus(status)) {
		status = ""
	}
	p.Status = status
	p.Statuses = append(p.Statuses, navLink{Label: q.T("filter.all"), Href: Prefix + "/invitations", Current: status == ""})
	for _, s := range tilgang.InvitationStatuses {
		p.Statuses = append(p.Statuses, navLink{Label: q.T("invitation.status." + string(s)),
			Href: Prefix + "/invitations?status=" + string(s), Current: status == string(s)})
	}
	page, err := c.Invitations.List(q.Context(), q.Org, invitations.Query{Status: tilgang.InvitationStatus(status),
		Limit: InvitationsPageSize, Cursor: q.URL.Query().Get("cursor")})
	if isKind(err, tilgang.KindInvalid) {
		page, err = c.Invitations.List(q.Context(), q.Org, invitations.Query{Status: tilgang.InvitationStatus(status), Limit: InvitationsPageSize})
	}
	if err != nil {
		return p, err
	}
	v := view{Lang: q.Lang}
	for _, inv := range page.Invitations {
		p.Rows = append(p.Rows, invitationRow{ID: inv.ID, Email: inv.Email, Role: invitedRole(q, inv.Role),
			Status: q.T("invitation.status." + string(inv.Status)), Inviter: inv.InviterName, Created: v.Date(inv.CreatedAt), Expires: v.Date(inv.ExpiresAt)})
	}
	p.Unreadable = len(page.Unreadable)
	if page.NextCursor != "" {
		next := url.Values{"cursor": {page.NextCursor}}
		if status != "" {
			next.Set("status", status)
		}
		p.Next = Prefix + "/invitations?" + next.Encode()
	}
	if p.Inviter == "" {
		p.Inviter = displayName(q.Person)
	}
	p.Roles = []roleOption{{Value: "", Label: q.T("invite.role.none"), Checked: p.Role == ""}}
	for _, r := range tilgang.AdminRoles {
		p.Roles = append(p.Roles, roleOption{Value: r, Label: q.T("role." + r), Checked: p.Role == r, Disabled: !q.Has(tilgang.RoleCompanyAdmin)})
	}
	return p, nil
}

// invitedRole names the role an invitation offers; none is an ordinary
// user.
func invitedRole(q *Request, role string) string {
	if role == "" {
		return q.T("invitation.role.none")
	}
	return q.T("role." + role)
}

func (c *Console) listInvitations(w http.ResponseWriter, q *Request) {
	p, err := c.invitationsPage(q, invitationsPage{})
	if err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	q.Render(w, http.StatusOK, "invitations.html", "invitations", q.T("invitations.title"), p)
}

// invite invites the pasted addresses and answers with a result per
// address above the list; a request the service refuses as a whole keeps
// the form as it was, with the problem.
func (c *Console) invite(w http.ResponseWriter, q *Request) {
	in := invitationsPage{Emails: q.PostForm.Get("emails"), Role: strings.TrimSpace(q.PostForm.Get("role")),
		OrgUnit: strings.TrimSpace(q.PostForm.Get("orgUnit")), Inviter: strings.TrimSpace(q.PostForm.Get("inviter"))}
	if in.Role != "" && q.NeedFresh(w, Prefix+"/invitations") {
		return // inviting into an admin role grants it: a fresh sign-in first
	}
	addresses := invitations.SplitAddresses(in.Emails)
	status := http.StatusOK
	if len(addresses) == 0 {
		in.Problem, status = q.T("invite.none"), http.StatusUnprocessableEntity
	} else {
		inviter := in.Inviter
		if inviter == "" {
			inviter = displayName(q.Person)
		}
		refund, err := c.spendMail(q, len(addresses))
		if text, spent := budgetText(q, err); spent {
			in.Problem = text
			c.renderInvitations(w, q, http.StatusTooManyRequests, in)
			return
		} else if err != nil {
			c.serverError(w, q.Request, q.Lang, err)
			return
		}
		results, err := c.Invitations.Invite(q.Context(), q.Org, invitations.Request{Emails: addresses, Role: in.Role, OrgUnit: in.OrgUnit,
			Inviter: inviter, Grantor: q.Roles()})
		var te *tilgang.Error
		switch {
		case errors.As(err, &te) || len(tilgang.Problems(err)) > 0:
			var texts []string
			for _, p := range tilgang.Problems(err) {
				texts = append(texts, problemText(q.Lang, p))
			}
			if len(texts) == 0 {
				texts = append(texts, problemText(q.Lang, te))
			}
			in.Problem, status = strings.Join(texts, " "), http.StatusUnprocessableEntity
		case err != nil:
			c.serverError(w, q.Request, q.Lang, err)
			return
		}
		for _, r := range results {
			row := inviteResultRow{Email: r.Email, OK: r.Err == nil}
			if r.Err == nil {
				row.Result, row.ID = q.T("invite.sent"), r.Invitation.ID
				in.Invited++
			} else if errors.As(r.Err, &te) {
				row.Result = problemText(q.Lang, te)
			} else {
				row.Result = q.T("invite.failed")
			}
			in.Results = append(in.Results, row)
		}
		refund(len(addresses) - in.Invited)
		if in.Invited > 0 && in.Problem == "" {
			in.Emails = "" // what was sent is not sent twice by a second click
		}
	}
	c.renderInvitations(w, q, status, in)
}

func (c *Console) renderInvitations(w http.ResponseWriter, q *Request, status int, in invitationsPage) {
	p, err := c.invitationsPage(q, in)
	if err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	q.Render(w, status, "invitations.html", "invitations", q.T("invitations.title"), p)
}

type invitationPage struct {
	Inv                              *tilgang.Invitation
	Role, Status, Created, Expires   string
	Accepted                         string
	Notice, Problem                  string
	MayApprove, MayRevoke, MayResend bool
	UserLink                         string
}

func (c *Console) invitationOf(w http.ResponseWriter, q *Request) (*tilgang.Invitation, bool) {
	inv, err := c.Invitations.Get(q.Context(), q.Org, q.PathValue("id"))
	if err != nil {
		if errors.Is(err, tilgang.ErrInvitationNotFound) || isKind(err, tilgang.KindNotFound) || isKind(err, tilgang.KindInvalid) {
			c.notFound(w, q.Request)
			return nil, false
		}
		c.serverError(w, q.Request, q.Lang, err)
		return nil, false
	}
	return inv, true
}

func (c *Console) showInvitation(w http.ResponseWriter, q *Request) {
	inv, ok := c.invitationOf(w, q)
	if !ok {
		return
	}
	p := invitationPage{}
	if n := q.URL.Query().Get("done"); n != "" && textTables.Has("invitation.done."+n) {
		p.Notice = q.T("invitation.done." + n)
	}
	c.renderInvitation(w, q, http.StatusOK, inv, p)
}

func (c *Console) renderInvitation(w http.ResponseWriter, q *Request, status int, inv *tilgang.Invitation, p invitationPage) {
	v := view{Lang: q.Lang}
	p.Inv, p.Role, p.Status = inv, invitedRole(q, inv.Role), q.T("invitation.status."+string(inv.Status))
	p.Created, p.Expires, p.Accepted = v.Time(inv.CreatedAt), v.Time(inv.ExpiresAt), v.Time(inv.AcceptedAt)
	p.MayApprove = inv.Status == tilgang.InvitationAccepted
	p.MayRevoke = inv.Status == tilgang.InvitationPending || inv.Status == tilgang.InvitationExpired
	p.MayResend = p.MayRevoke
	if inv.UserID != "" && (inv.Status == tilgang.InvitationAccepted || inv.Status == tilgang.InvitationApproved) {
		p.UserLink = Prefix + "/users/" + inv.UserID
	}
	q.Render(w, status, "invitation.html", "invitation", q.T("invitation.title", inv.Email), p)
}

// invitationStep approves, rejects, revokes or resends an invitation and
// comes back to its page, so that a reload repeats nothing.
func (c *Console) invitationStep(w http.ResponseWriter, q *Request) {
	inv, ok := c.invitationOf(w, q)
	if !ok {
		return
	}
	step := q.PathValue("step")
	var err error
	switch step {
	case "approve":
		if inv.Role != "" && q.NeedFresh(w, Prefix+"/invitations/"+inv.ID) {
			return // approving grants the invitation's admin role
		}
		_, err = c.Invitations.Approve(q.Context(), q.Actor(), q.Org, inv.ID)
	case "reject":
		_, err = c.Invitations.Reject(q.Context(), q.Actor(), q.Org, inv.ID)
	case "revoke":
		_, err = c.Invitations.Revoke(q.Context(), q.Org, inv.ID)
	case "resend":
		refund, berr := c.spendMail(q, 1)
		if text, spent := budgetText(q, berr); spent {
			c.renderInvitation(w, q, http.StatusTooManyRequests, inv, invitationPage{Problem: text})
			return
		} else if berr != nil {
			c.serverError(w, q.Request, q.Lang, berr)
			return
		}
		if _, err = c.Invitations.Resend(q.Context(), q.Org, inv.ID); err != nil {
			refund(1)
		}
	default:
		c.notFound(w, q.Request)
		return
	}
	if err != nil {
		var te *tilgang.Error
		if !errors.As(err, &te) {
			c.serverError(w, q.Request, q.Lang, err)
			return
		}
		if fresh, gerr := c.Invitations.Get(q.Context(), q.Org, inv.ID); gerr == nil {
			inv = fresh
		}
		c.renderInvitation(w, q, http.StatusUnprocessableEntity, inv, invitationPage{Problem: problemText(q.Lang, te)})
		return
	}
	http.Redirect(w, q.Request, Prefix+"/invitations/"+inv.ID+"?done="+step, http.StatusSeeOther)
}
