package admin

import (
	"bytes"
	"net/http"
	"time"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// lifecycleRoutes registers the calls of activation, temporary codes, bulk activation, deactivation windows and history (SPEC §4, §10).
func (h *Handler) lifecycleRoutes(route routeFunc) {
	route("POST "+Prefix+"/users/{id}/activation", tilgang.RoleUserAdmin, h.sendActivation)
	route("POST "+Prefix+"/users/{id}/activation-code", tilgang.RoleUserAdmin, h.newActivationCode)
	route("POST "+Prefix+"/users/activate", tilgang.RoleUserAdmin, h.bulkActivate)
	route("POST "+Prefix+"/users/{id}/deactivate", tilgang.RoleUserAdmin, h.deactivate)
	route("POST "+Prefix+"/users/{id}/reactivate", tilgang.RoleUserAdmin, h.reactivate)
	route("GET "+Prefix+"/users/{id}/history", tilgang.RoleUserAdmin, h.userHistory)
	route("GET "+Prefix+"/history", tilgang.RoleUserAdmin, h.orgHistory)
}

type activationJSON struct {
	Status         string `json:"status"`
	ActivationCode string `json:"activationCode,omitempty"`
}

func (h *Handler) sendActivation(w http.ResponseWriter, r *http.Request, s *session) {
	if err := h.mayManage(r, s, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	refund, err := h.spendMail(r, s, 1)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	sent, err := h.users.SendActivation(r.Context(), s.actor(), s.org, r.PathValue("id"))
	if err != nil {
		refund(1)
		h.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", httpx.VersionETag(sent.User.Version).String())
	writeJSON(w, http.StatusAccepted, activationJSON{Status: string(sent.User.Status), ActivationCode: sent.ActivationCode})
}

func (h *Handler) newActivationCode(w http.ResponseWriter, r *http.Request, s *session) {
	if err := h.mayManage(r, s, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	sent, err := h.users.NewActivationCode(r.Context(), s.actor(), s.org, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", httpx.VersionETag(sent.User.Version).String())
	writeJSON(w, http.StatusOK, map[string]string{"activationCode": sent.ActivationCode})
}

type bulkResultJSON struct {
	UserID string        `json:"userId"`
	OK     bool          `json:"ok"`
	Error  *fieldProblem `json:"error,omitempty"`
}

func (h *Handler) bulkActivate(w http.ResponseWriter, r *http.Request, s *session) {
	body, err := httpx.ReadBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var in struct {
		UserIDs []string `json:"userIds"`
	}
	if err := httpx.Decode(body, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	// One mail per id at most: the action takes them all from the budget
	// or sends nothing, and gives back what it did not send.
	refund, err := h.spendMail(r, s, len(in.UserIDs))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	results, err := h.users.BulkActivate(r.Context(), s.actor(), s.org, in.UserIDs)
	if err != nil {
		refund(len(in.UserIDs))
		h.fail(w, r, err)
		return
	}
	sent := 0
	for _, res := range results {
		if res.Err == nil {
			sent++
		}
	}
	refund(len(in.UserIDs) - sent)
	out := make([]bulkResultJSON, 0, len(results))
	for _, res := range results {
		j := bulkResultJSON{UserID: res.UserID, OK: res.Err == nil}
		if res.Err != nil {
			j.Error = h.resultProblem(r, res.Err)
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
}

// resultProblem is the error of one item of a many-item call: its code and
// message, or "internal" (and a log line) for a failure of the system.
func (h *Handler) resultProblem(r *http.Request, err error) *fieldProblem {
	if ps := tilgang.Problems(err); len(ps) > 0 {
		return &fieldProblem{Field: ps[0].Field, Code: ps[0].Code, Detail: ps[0].Message}
	}
	h.log.ErrorContext(r.Context(), "item failed", "route", r.Pattern, "error", err)
	return &fieldProblem{Code: "internal", Detail: "this item could not be done; try again"}
}

func (h *Handler) deactivate(w http.ResponseWriter, r *http.Request, s *session) {
	if err := h.mayManage(r, s, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	body, err := httpx.ReadBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var in deactivationJSON
	if len(bytes.TrimSpace(body)) > 0 { // no body: from today, open-ended
		if err := httpx.Decode(body, &in); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	u, err := h.users.DeactivateUser(r.Context(), s.actor(), s.org, r.PathValue("id"), tilgang.Deactivation{From: in.From, To: in.To})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeUser(w, r, http.StatusOK, u)
}

func (h *Handler) reactivate(w http.ResponseWriter, r *http.Request, s *session) {
	if err := h.mayManage(r, s, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.users.ReactivateUser(r.Context(), s.actor(), s.org, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeUser(w, r, http.StatusOK, u)
}

// activityJSON is one history entry (SPEC §10); userId is set in the
// organisation's history.
type activityJSON struct {
	At     time.Time `json:"at"`
	UserID string    `json:"userId,omitempty"`
	Actor  string    `json:"actor"`
	// By is who the actor is (SPEC §9): a person by name and e-mail, a
	// token or SCIM client by name and id, a CSV row by its import and
	// uploader; entries from before it was recorded have kind and label.
	By     tilgang.By `json:"by"`
	Action string     `json:"action"`
	Fields []string   `json:"fields"`
	Source string     `json:"source"`
	// Unavailable marks an entry whose stored record did not decode
	// whole: it shows what could be read (SPEC §14).
	Unavailable *unavailableJSON `json:"unavailable,omitempty"`
}

func (h *Handler) userHistory(w http.ResponseWriter, r *http.Request, s *session) {
	q, err := historyQuery(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page, err := h.users.History(r.Context(), s.org, r.PathValue("id"), q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": historyItems(page, false)})
}

func (h *Handler) orgHistory(w http.ResponseWriter, r *http.Request, s *session) {
	q, err := historyQuery(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q.Cursor = r.URL.Query().Get("cursor")
	page, err := h.users.OrgHistory(r.Context(), s.org, q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": historyItems(page, true), "nextCursor": page.NextCursor})
}

func historyQuery(r *http.Request) (users.HistoryQuery, error) {
	v := r.URL.Query()
	q := users.HistoryQuery{From: v.Get("from"), To: v.Get("to"), Text: v.Get("q"), Sort: v.Get("sort"), ActorKind: v.Get("actorKind")}
	var err error
	q.Limit, err = queryLimit(r, tilgang.MaxHistoryPageSize)
	return q, err
}

func historyItems(page tilgang.HistoryPage, withUser bool) []activityJSON {
	items := make([]activityJSON, 0, len(page.Entries))
	for _, e := range page.Entries {
		j := activityJSON{At: e.At, Actor: e.Actor, By: tilgang.ActorOf(e.Activity), Action: e.Action, Fields: nonNil(e.Fields), Source: e.Source}
		if withUser {
			j.UserID = e.UserID
		}
		if e.Unreadable {
			j.Unavailable = &unreadableHistory
		}
		items = append(items, j)
	}
	return items
}
