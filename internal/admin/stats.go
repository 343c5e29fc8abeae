package admin

import (
	"net/http"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// statsJSON is the organisation's dashboard figures.
type statsJSON struct {
	Users struct {
		Total    int                    `json:"total"`
		ByStatus map[tilgang.Status]int `json:"byStatus"` // every status, 0 included
	} `json:"users"`
}

// getStats is GET /organisation/stats: the counts of users, in all and
// per status, for a dashboard. Any admin token may read them: they hold
// no personal data.
func (h *Handler) getStats(w http.ResponseWriter, r *http.Request, s *session) {
	c, err := h.users.Counts(r.Context(), s.org)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var out statsJSON
	out.Users.Total, out.Users.ByStatus = c.Total, c.ByStatus
	writeJSON(w, http.StatusOK, out)
}
