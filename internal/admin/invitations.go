package admin

import (
	"net/http"
	"strings"
	"time"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/invitations"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// invitationRoutes registers the calls of invitations (SPEC §8, §10).
func (h *Handler) invitationRoutes(route routeFunc) {
	route("POST "+Prefix+"/invitations", tilgang.RoleCompanyAdmin, h.invite)
	route("GET "+Prefix+"/invitations", tilgang.RoleCompanyAdmin, h.listInvitations)
	route("GET "+Prefix+"/invitations/{id}", tilgang.RoleCompanyAdmin, h.getInvitation)
	route("DELETE "+Prefix+"/invitations/{id}", tilgang.RoleCompanyAdmin, h.revokeInvitation)
	route("POST "+Prefix+"/invitations/{id}/resend", tilgang.RoleCompanyAdmin, h.resendInvitation)
	route("POST "+Prefix+"/invitations/{id}/approve", tilgang.RoleCompanyAdmin, h.approveInvitation)
	route("POST "+Prefix+"/invitations/{id}/reject", tilgang.RoleCompanyAdmin, h.rejectInvitation)
}

// invitationJSON is an invitation as the API shows it; its status is the
// status now (a pending invitation past its expiry is expired). The link
// is never shown: it goes to the invitee only.
type invitationJSON struct {
	ID         string     `json:"id"`
	Email      string     `json:"email"`
	Role       string     `json:"role,omitempty"` // none: an ordinary user
	OrgUnit    string     `json:"orgUnit,omitempty"`
	Language   string     `json:"language"`
	Inviter    string     `json:"inviter"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"createdAt"`
	UpdatedAt  time.Time  `json:"updatedAt"`
	ExpiresAt  time.Time  `json:"expiresAt"`
	AcceptedAt *time.Time `json:"acceptedAt,omitempty"`
	UserID     string     `json:"userId,omitempty"`
	Version    int64      `json:"version"`
	// Mail is what SES last reported of the invitation mail (GET of one
	// invitation only).
	Mail *mailStateJSON `json:"mail,omitempty"`
}

func invitationOf(inv *tilgang.Invitation) invitationJSON {
	j := invitationJSON{
		ID: inv.ID, Email: inv.Email, Role: inv.Role, OrgUnit: inv.OrgUnit, Language: inv.Language,
		Inviter: inv.InviterName, Status: string(inv.Status), CreatedAt: inv.CreatedAt, UpdatedAt: inv.UpdatedAt,
		ExpiresAt: inv.ExpiresAt, UserID: inv.UserID, Version: inv.Version,
	}
	if !inv.AcceptedAt.IsZero() {
		at := inv.AcceptedAt
		j.AcceptedAt = &at
	}
	return j
}

// unreadableInvitationJSON is a list's entry for an invitation whose
// stored record could not be read.
type unreadableInvitationJSON struct {
	ID          string          `json:"id"`
	Unavailable unavailableJSON `json:"unavailable"`
}

type inviteResultJSON struct {
	Email        string        `json:"email"`
	OK           bool          `json:"ok"`
	InvitationID string        `json:"invitationId,omitempty"`
	Error        *fieldProblem `json:"error,omitempty"`
}

func (h *Handler) invite(w http.ResponseWriter, r *http.Request, s *session) {
	body, err := httpx.ReadBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var in struct {
		Emails   []string `json:"emails"`
		Role     string   `json:"role"`
		OrgUnit  string   `json:"orgUnit"`
		Language string   `json:"language"`
		// Inviter is the name the invitee sees ("Jens Jensen, HR"); without
		// it, the admin token's name.
		Inviter string `json:"inviter"`
	}
	if err := httpx.Decode(body, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	inviter := in.Inviter
	if strings.TrimSpace(inviter) == "" {
		inviter = s.token.Name // the invitee sees who invites
	}
	// One mail per address: all of them from the budget or nothing sent;
	// what was not sent goes back.
	refund, err := h.spendMail(r, s, len(in.Emails))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	results, err := h.invitations.Invite(r.Context(), s.org, invitations.Request{
		Emails: in.Emails, Role: in.Role, OrgUnit: in.OrgUnit, Language: in.Language, Inviter: inviter,
		Grantor: s.token.Roles,
	})
	if err != nil {
		refund(len(in.Emails))
		h.fail(w, r, err)
		return
	}
	sent := 0
	for _, res := range results {
		if res.Err == nil {
			sent++
		}
	}
	refund(len(in.Emails) - sent)
	out := make([]inviteResultJSON, 0, len(results))
	for _, res := range results {
		j := inviteResultJSON{Email: res.Email, OK: res.Err == nil}
		if res.Err != nil {
			j.Error = h.resultProblem(r, res.Err)
		} else {
			j.InvitationID = res.Invitation.ID
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
}

func (h *Handler) listInvitations(w http.ResponseWriter, r *http.Request, s *session) {
	limit, ok := h.limit(w, r, tilgang.DefaultPageSize)
	if !ok {
		return
	}
	q := r.URL.Query()
	page, err := h.invitations.List(r.Context(), s.org, invitations.Query{
		Status: tilgang.InvitationStatus(q.Get("status")), Limit: limit, Cursor: q.Get("cursor"),
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// Invitations whose records could not be read are listed by id after
	// the others, and logged by ids only (SPEC §14).
	items := make([]any, 0, len(page.Invitations)+len(page.Unreadable))
	for _, inv := range page.Invitations {
		items = append(items, invitationOf(inv))
	}
	for _, id := range page.Unreadable {
		h.log.WarnContext(r.Context(), "invitation unreadable", "orgId", s.org.ID, "invitationId", id)
		items = append(items, unreadableInvitationJSON{ID: id, Unavailable: unavailableJSON{Code: "invitation.unreadable",
			Detail: "the invitation's stored record could not be read; the incident is logged for the operator"}})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "nextCursor": page.NextCursor})
}

func (h *Handler) getInvitation(w http.ResponseWriter, r *http.Request, s *session) {
	inv, err := h.invitations.Get(r.Context(), s.org, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := invitationOf(inv)
	out.Mail = h.mailState(r.Context(), tilgang.MailTarget{OrgID: inv.OrgID, InvitationID: inv.ID}, inv.Email)
	w.Header().Set("ETag", httpx.VersionETag(inv.Version).String())
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) revokeInvitation(w http.ResponseWriter, r *http.Request, s *session) {
	if _, err := h.invitations.Revoke(r.Context(), s.org, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) resendInvitation(w http.ResponseWriter, r *http.Request, s *session) {
	refund, err := h.spendMail(r, s, 1)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	inv, err := h.invitations.Resend(r.Context(), s.org, r.PathValue("id"))
	if err != nil {
		refund(1)
	}
	h.writeInvitation(w, r, inv, err)
}

func (h *Handler) approveInvitation(w http.ResponseWriter, r *http.Request, s *session) {
	inv, err := h.invitations.Approve(r.Context(), s.actor(), s.org, r.PathValue("id"))
	h.writeInvitation(w, r, inv, err)
}

func (h *Handler) rejectInvitation(w http.ResponseWriter, r *http.Request, s *session) {
	inv, err := h.invitations.Reject(r.Context(), s.actor(), s.org, r.PathValue("id"))
	h.writeInvitation(w, r, inv, err)
}

// writeInvitation answers inv, or err if it is set.
func (h *Handler) writeInvitation(w http.ResponseWriter, r *http.Request, inv *tilgang.Invitation, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", httpx.VersionETag(inv.Version).String())
	writeJSON(w, http.StatusOK, invitationOf(inv))
}
