package admin

import (
	"net/http"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// The organisation's SCIM groups, read-only: identity providers own them
// (SPEC §5), and the console shows them.
func (h *Handler) groupRoutes(route routeFunc) {
	route("GET "+Prefix+"/groups", tilgang.RoleUserAdmin, h.listGroups)
	route("GET "+Prefix+"/groups/{id}", tilgang.RoleUserAdmin, h.getGroup)
	route("GET "+Prefix+"/groups/{id}/members", tilgang.RoleUserAdmin, h.listMembers)
}

// groupJSON is a group as the API shows it, with the roles its members
// hold through the organisation's groupRoles.
type groupJSON struct {
	ID          string     `json:"id"`
	DisplayName string     `json:"displayName"`
	ExternalID  string     `json:"externalId,omitempty"`
	Roles       []roleJSON `json:"roles"`
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	Version     int64      `json:"version"`
}

func groupOf(org *tilgang.Organisation, g *tilgang.Group) groupJSON {
	roles := []roleJSON{}
	for _, r := range org.RolesOfGroup(g.ID, g.DisplayName) {
		roles = append(roles, roleJSON(r))
	}
	return groupJSON{ID: g.ID, DisplayName: g.DisplayName, ExternalID: g.ExternalID, Roles: roles,
		CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt, Version: g.Version}
}

func (h *Handler) listGroups(w http.ResponseWriter, r *http.Request, s *session) {
	limit, ok := h.limit(w, r, tilgang.DefaultPageSize)
	if !ok {
		return
	}
	page, err := h.groups.Page(r.Context(), s.org, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	items := make([]any, 0, len(page.Groups)+len(page.Unreadable))
	for _, g := range page.Groups {
		items = append(items, groupOf(s.org, g))
	}
	items = append(items, unreadableItems("group", "id", page.Unreadable)...) // logged by the groups service
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "nextCursor": page.NextCursor})
}

func (h *Handler) getGroup(w http.ResponseWriter, r *http.Request, s *session) {
	g, err := h.groups.Get(r.Context(), s.org, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, groupOf(s.org, g))
}

// listMembers answers a page of a group's members, as user ids: a group
// may have tens of thousands, so they are never part of the group itself.
func (h *Handler) listMembers(w http.ResponseWriter, r *http.Request, s *session) {
	g, err := h.groups.Get(r.Context(), s.org, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	limit, ok := h.limit(w, r, tilgang.DefaultPageSize)
	if !ok {
		return
	}
	page, err := h.groups.Members(r.Context(), s.org, g, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": nonNil(page.UserIDs), "nextCursor": page.NextCursor})
}
