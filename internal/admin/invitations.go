package admin

// invitationRoutes registers the calls of invitations (SPEC §8, §10).
func (h *Handler) invitationRoutes(route routeFunc) {}
