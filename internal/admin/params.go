package admin

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// queryLimit reads the limit parameter of a list: a number from 1 to max,
// or 0 when it is absent.
func queryLimit(r *http.Request, max int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, tilgang.Invalid("limit", "limit.invalid", fmt.Sprintf("limit must be a number from 1 to %d", max))
	}
	return n, nil
}

// limit reads the limit parameter of a page: 1 to tilgang.MaxPageSize, def
// when absent. It answers the request when the limit is invalid.
func (h *Handler) limit(w http.ResponseWriter, r *http.Request, def int) (int, bool) {
	n, err := queryLimit(r, tilgang.MaxPageSize)
	switch {
	case err != nil:
		h.fail(w, r, err)
		return 0, false
	case n == 0:
		return def, true
	}
	return n, true
}
