package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	scimerrors "github.com/elimity-com/scim/errors"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/scim/filter"
	"github.com/tilgang/tilgang/internal/scim/resource"
	"github.com/tilgang/tilgang/internal/scim/schema"
	"github.com/tilgang/tilgang/internal/tilgang"
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
	sorting    sorting
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, s *session) {
	q, err := queryFromURL(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.list(w, r, s, q)
}

// searchUsers is POST /Users/.search (RFC 7644 §3.4.3): the query in a
// body, which keeps filters with personal data out of URLs and logs.
func (h *Handler) searchUsers(w http.ResponseWriter, r *http.Request, s *session) {
	q, err := queryFromBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.list(w, r, s, q)
}

// queryFromURL reads a list request's query string (RFC 7644 §3.4.2).
func queryFromURL(r *http.Request) (query, error) {
	v := r.URL.Query()
	q := query{filter: v.Get("filter")}
	var err error
	if q.startIndex, err = intParam(v.Get("startIndex"), 1); err != nil {
		return query{}, err
	}
	if q.count, err = intParam(v.Get("count"), DefaultCount); err != nil {
		return query{}, err
	}
	if q.selection, err = selectionFromQuery(r); err != nil {
		return query{}, err
	}
	if q.sorting, err = newSorting(v.Get("sortBy"), v.Get("sortOrder")); err != nil {
		return query{}, err
	}
	return q, nil
}

// queryFromBody reads a SearchRequest body (RFC 7644 §3.4.3).
func queryFromBody(w http.ResponseWriter, r *http.Request) (query, error) {
	body, err := httpx.ReadBody(w, r)
	if err != nil {
		return query{}, err
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
		return query{}, resource.InvalidSyntax("not a SearchRequest: " + err.Error())
	}
	q := query{filter: req.Filter, startIndex: 1, count: DefaultCount}
	if req.StartIndex != nil {
		q.startIndex = *req.StartIndex
	}
	if req.Count != nil {
		q.count = *req.Count
	}
	if q.selection, err = newSelection(req.Attributes, req.ExcludedAttributes); err != nil {
		return query{}, err
	}
	if q.sorting, err = newSorting(req.SortBy, req.SortOrder); err != nil {
		return query{}, err
	}
	return q, nil
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
// eq is one key look-up. Anything else walks the organisation's users in
// userName order, keeping only the requested page in memory; the query
// cache lets the next page resume where this one ended. The total of an
// unfiltered list, or of a filter on the status alone (active eq true),
// comes from the user counters (store.UserCounts), and such a first page
// reads only its own users.
func (h *Handler) list(w http.ResponseWriter, r *http.Request, s *session, q query) {
	// RFC 7644 §3.4.2.4: startIndex below 1 means 1, count below 0 means 0,
	// and a count above the maximum gets the maximum.
	q.startIndex = max(q.startIndex, 1)
	q.count = min(max(q.count, 0), MaxResults)
	expr, err := parseFilter(q.filter, schema.User())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var (
		res   []resource.Resource
		total int
	)
	switch attr, value, ok := filter.KeyLookup(expr); {
	case ok:
		res, total, err = h.lookUpKey(r, s, q, attr, value)
	case !q.sorting.natural():
		res, total, err = h.sorted(r, s, q, expr)
	default:
		res, total, err = h.walk(r, s, q, expr)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page := make([]any, len(res))
	for i, p := range res {
		page[i] = q.selection.apply(p)
	}
	writeList(w, q, total, page)
}

// writeList answers a page of a query (RFC 7644 §3.4.2).
func writeList(w http.ResponseWriter, q query, total int, page []any) {
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas":      []string{ListResponseSchema},
		"totalResults": total,
		"startIndex":   q.startIndex,
		"itemsPerPage": len(page),
		"Resources":    page,
	})
}

func (h *Handler) lookUpKey(r *http.Request, s *session, q query, attr, value string) ([]resource.Resource, int, error) {
	var (
		u   *tilgang.User
		err error
	)
	if attr == "userName" {
		u, err = h.users.ByUserName(r.Context(), s.org, value)
	} else {
		u, err = h.users.ByExternalID(r.Context(), s.org, value)
	}
	if errors.Is(err, tilgang.ErrUserNotFound) {
		return nil, 0, nil // Entra's Test Connection filters on a random value and expects 200 with no results
	}
	if errors.Is(err, tilgang.ErrUserUnreadable) {
		return nil, 0, nil // left out, as lists leave it out; the users service logged it
	}
	if err != nil {
		return nil, 0, err
	}
	if q.startIndex > 1 || q.count == 0 {
		return nil, 1, nil
	}
	return []resource.Resource{toResource(u, s.base)}, 1, nil
}

// DefaultMaxFilterUsers bounds the users one request may read for a
// filter other than a key look-up, or for a sort: those read the whole
// organisation (SPEC §14), so beyond it they answer 400 tooMany instead.
const DefaultMaxFilterUsers = 50_000

// checkReadBound refuses, before reading any user, a filter or sort of an
// organisation with more users than the bound (store.UserCounts: one
// small read).
func (h *Handler) checkReadBound(ctx context.Context, s *session) error {
	n, err := h.users.Count(ctx, s.org, nil)
	if err != nil {
		return err
	}
	if n > h.maxRead {
		return h.tooManyToRead()
	}
	return nil
}

// tooManyToRead is the answer to a filter or sort that would read more
// users than the bound (RFC 7644 §3.4.2.2, §3.12 tooMany).
func (h *Handler) tooManyToRead() error {
	return &Error{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeTooMany, Detail: fmt.Sprintf(
		"a filter other than userName eq or externalId eq, or a sort on anything but userName, reads every user of the organisation, "+
			"and this one would read more than %d; look users up with userName eq or externalId eq, or page through the list without filter or sortBy", h.maxRead)}
}

// walkPage is how many users a walk reads per store request when it must
// filter or count; an unfiltered page reads just what it shows.
const walkPage = 500

// walk reads the users in userName order from the best known cursor,
// collecting the page; it reads on to the end only while the total is
// unknown, leaving cursors at page boundaries for the pages to come.
func (h *Handler) walk(r *http.Request, s *session, q query, expr filter.Expression) ([]resource.Resource, int, error) {
	ctx := r.Context()
	key := queryKey(s.org.ID, q.filter)
	skip := q.startIndex - 1
	if skip == 0 {
		h.queries.drop(key) // a new walk
	}
	total, cursor, matched := h.queries.start(key, skip)
	// A filter on the status alone is answered exactly by the status index
	// and the counters: no user needs matching, and nothing is read past
	// the page.
	var statuses []tilgang.Status
	if sts, ok := filter.Statuses(expr); ok {
		statuses, expr = sts, nil
	}
	if expr != nil && total < 0 { // will read to the end
		if err := h.checkReadBound(ctx, s); err != nil {
			return nil, 0, err
		}
	}
	if expr == nil && total < 0 {
		n, err := h.users.Count(ctx, s.org, statuses)
		if err != nil {
			return nil, 0, err
		}
		total = n
	}
	if total >= 0 && q.count == 0 {
		return nil, total, nil
	}
	learned := map[int]string{}
	var page []resource.Resource
	read := 0
	for {
		limit := walkPage
		if expr == nil && total >= 0 {
			limit = max(min(skip-matched+q.count, walkPage), 1)
		}
		if expr != nil {
			limit = min(limit, h.maxRead-read+1) // one past the bound tells
		}
		users, next, err := h.users.Page(ctx, s.org, statuses, cursor, limit)
		if err != nil {
			return nil, 0, err
		}
		// The counts can lag the users (a restore, users written past the
		// store), so the bound holds on what is read too.
		if read += len(users); expr != nil && read > h.maxRead {
			return nil, 0, h.tooManyToRead()
		}
		for _, u := range users {
			res := toResource(u, s.base)
			if expr != nil && !filter.Match(expr, res, filter.Options{}) {
				continue
			}
			matched++
			if matched > skip && len(page) < q.count {
				page = append(page, res)
			}
			if q.count > 0 && matched%q.count == skip%q.count {
				learned[matched] = h.users.CursorAfter(u)
			}
			if total >= 0 && len(page) == q.count && matched >= skip+q.count {
				h.queries.learn(key, learned, total)
				return page, total, nil
			}
		}
		if next == "" {
			h.queries.learn(key, learned, matched)
			return page, matched, nil
		}
		cursor = next
	}
}

// sorted answers a query sorted on something other than ascending
// userName: it must see every match before it can return any page.
func (h *Handler) sorted(r *http.Request, s *session, q query, expr filter.Expression) ([]resource.Resource, int, error) {
	if err := h.checkReadBound(r.Context(), s); err != nil {
		return nil, 0, err
	}
	var all []resource.Resource
	cursor := ""
	read := 0
	for {
		users, next, err := h.users.Page(r.Context(), s.org, nil, cursor, min(walkPage, h.maxRead-read+1))
		if err != nil {
			return nil, 0, err
		}
		if read += len(users); read > h.maxRead {
			return nil, 0, h.tooManyToRead()
		}
		for _, u := range users {
			res := toResource(u, s.base)
			if expr != nil && !filter.Match(expr, res, filter.Options{}) {
				continue
			}
			if len(all) == maxSortedResults {
				return nil, 0, &Error{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeTooMany,
					Detail: "more than 10000 users match; narrow the filter to sort on anything but userName"}
			}
			all = append(all, res)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	q.sorting.sort(all)
	from := min(q.startIndex-1, len(all))
	return all[from:min(from+q.count, len(all))], len(all), nil
}

// parseFilter parses and validates a query's filter against the schemas of
// resource type rt; no filter is a nil expression.
func parseFilter(s string, rt *schema.Resource) (filter.Expression, error) {
	if s == "" {
		return nil, nil
	}
	e, err := filter.Parse(s)
	if err == nil {
		err = filter.Validate(e, rt.Core(), rt.Extensions()...)
	}
	return e, err
}
