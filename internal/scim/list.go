package scim

import (
	"encoding/json"
	"net/http"
	"strconv"

	tilgang "github.com/tilgang/tilgang/internal"
	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/scim/filter"
	"github.com/tilgang/tilgang/internal/scim/resource"
)

// Message schemas of list responses and search requests (RFC 7644 §3.4).
const (
	ListResponseSchema  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SearchRequestSchema = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
)

// query is a list request, from the query string or a .search body.
type query struct {
	filter     string
	startIndex int // 1-based
	count      int
	selection  selection
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, s *session) {
	v := r.URL.Query()
	q := query{filter: v.Get("filter"), startIndex: 1, count: DefaultCount}
	var err error
	if q.startIndex, err = intParam(v.Get("startIndex"), 1); err != nil {
		h.fail(w, r, err)
		return
	}
	if q.count, err = intParam(v.Get("count"), DefaultCount); err != nil {
		h.fail(w, r, err)
		return
	}
	if q.selection, err = selectionFromQuery(r); err != nil {
		h.fail(w, r, err)
		return
	}
	h.list(w, r, s, q)
}

// searchUsers is POST /Users/.search (RFC 7644 §3.4.3): the query in a
// body, which keeps filters with personal data out of URLs and logs.
func (h *Handler) searchUsers(w http.ResponseWriter, r *http.Request, s *session) {
	body, err := httpx.ReadBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var req struct {
		Schemas            []string `json:"schemas"`
		Attributes         []string `json:"attributes"`
		ExcludedAttributes []string `json:"excludedAttributes"`
		Filter             string   `json:"filter"`
		SortBy             string   `json:"sortBy"`
		SortOrder          string   `json:"sortOrder"`
		StartIndex         *int     `json:"startIndex"`
		Count              *int     `json:"count"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		h.fail(w, r, resource.InvalidSyntax("not a SearchRequest: "+err.Error()))
		return
	}
	q := query{filter: req.Filter, startIndex: 1, count: DefaultCount}
	if req.StartIndex != nil {
		q.startIndex = *req.StartIndex
	}
	if req.Count != nil {
		q.count = *req.Count
	}
	if q.selection, err = newSelection(req.Attributes, req.ExcludedAttributes); err != nil {
		h.fail(w, r, err)
		return
	}
	h.list(w, r, s, q)
}

func intParam(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, resource.InvalidValue("not an integer: " + strconv.Quote(s))
	}
	return n, nil
}

// list answers a query. A filter that is exactly userName eq or externalId
// eq is one key look-up; any other filter walks the organisation's users a
// page at a time, keeping only the requested window in memory.
func (h *Handler) list(w http.ResponseWriter, r *http.Request, s *session, q query) {
	// RFC 7644 §3.4.2.4: startIndex below 1 means 1, count below 0 means 0,
	// and a count above the maximum gets the maximum.
	q.startIndex = max(q.startIndex, 1)
	q.count = min(max(q.count, 0), MaxResults)
	var expr filter.Expression
	if q.filter != "" {
		e, err := filter.Parse(q.filter)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		expr = e
	}
	var (
		total int
		page  []resource.Resource
	)
	take := func(u *tilgang.User) {
		res := toResource(u, s.base)
		if expr != nil && !filter.Match(expr, res, filter.Options{}) {
			return
		}
		total++
		if total >= q.startIndex && len(page) < q.count {
			page = append(page, q.selection.apply(res))
		}
	}
	var err error
	if attr, value, ok := filter.KeyLookup(expr); ok {
		err = h.lookUpKey(r, s, attr, value, take)
	} else {
		err = h.walk(r, s, take)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	resources := make([]any, len(page))
	for i, p := range page {
		resources[i] = p
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas":      []string{ListResponseSchema},
		"totalResults": total,
		"startIndex":   q.startIndex,
		"itemsPerPage": len(page),
		"Resources":    resources,
	})
}

func (h *Handler) lookUpKey(r *http.Request, s *session, attr, value string, take func(*tilgang.User)) error {
	var (
		u   *tilgang.User
		err error
	)
	if attr == "userName" {
		u, err = h.users.ByUserName(r.Context(), s.org, value)
	} else {
		u, err = h.users.ByExternalID(r.Context(), s.org, value)
	}
	if err == tilgang.ErrUserNotFound {
		return nil // Entra's Test Connection filters on a random value and expects 200 with no results
	}
	if err != nil {
		return err
	}
	take(u)
	return nil
}

// walkPage is the page size of a walk through an organisation's users.
const walkPage = 500

func (h *Handler) walk(r *http.Request, s *session, take func(*tilgang.User)) error {
	cursor := ""
	for {
		users, next, err := h.users.Page(r.Context(), s.org, cursor, walkPage)
		if err != nil {
			return err
		}
		for _, u := range users {
			take(u)
		}
		if next == "" {
			return nil
		}
		cursor = next
	}
}
