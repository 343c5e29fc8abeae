package admin

import (
	"errors"
	"net/http"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/tilgang"
)

var unreadableHistory = unavailableJSON{Code: "history.unreadable",
	Detail: "the stored history entry could not be read whole; what could be read is shown, and the incident is logged for the operator"}

// salvaged is what could be read of a user whose stored record does not
// decode whole, if err says that (tilgang.UnreadableUser). GET shows it
// marked user.unreadable and DELETE erases it; every other operation
// answers err, 409 user.unreadable (SPEC §14).
func salvaged(err error) (*tilgang.User, bool) {
	var d *tilgang.UnreadableUser
	if errors.As(err, &d) {
		return d.User, true
	}
	return nil, false
}

// writeUnreadableUser answers GET of a user whose stored record does not
// decode whole: what could be read, marked user.unreadable. The users
// service has logged it, by ids and attribute names.
func (h *Handler) writeUnreadableUser(w http.ResponseWriter, r *http.Request, u *tilgang.User) {
	out := h.userJSON(r.Context(), u)
	out.Unavailable = &unreadableRecord
	w.Header().Set("ETag", httpx.VersionETag(u.Version).String())
	writeJSON(w, http.StatusOK, out)
}

// unreadableItems are the entries of a list for the records of kind
// ("group", "import") whose stored items could not be read, listed after
// the others (SPEC §14): each its id, under the list's name for it
// (idName), and why nothing else is shown.
func unreadableItems(kind, idName string, ids []string) []any {
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, map[string]any{idName: id, "unavailable": unavailableJSON{Code: kind + ".unreadable",
			Detail: "the " + kind + "'s stored record could not be read; the incident is logged for the operator"}})
	}
	return out
}
