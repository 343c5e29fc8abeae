package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	scimerrors "github.com/elimity-com/scim/errors"
	fp "github.com/scim2/filter-parser/v2"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/scim/filter"
	"github.com/tilgang/tilgang/internal/scim/patch"
	"github.com/tilgang/tilgang/internal/scim/resource"
	"github.com/tilgang/tilgang/internal/scim/schema"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Groups is what the SCIM layer needs of group storage (SPEC §5). Members
// are read and changed by id, never all at once unless the answer needs
// them all.
type Groups interface {
	Create(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, g *tilgang.Group, members []string) error
	Get(ctx context.Context, org *tilgang.Organisation, id string) (*tilgang.Group, error)
	ByDisplayName(ctx context.Context, org *tilgang.Organisation, displayName string) (*tilgang.Group, error)
	ByExternalID(ctx context.Context, org *tilgang.Organisation, externalID string) (*tilgang.Group, error)
	// Update stores g in place of old and changes the members as m says;
	// g then holds the stored version.
	Update(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, old, g *tilgang.Group, m tilgang.MemberChange) error
	Delete(ctx context.Context, actor tilgang.Actor, org *tilgang.Organisation, g *tilgang.Group) error
	Page(ctx context.Context, org *tilgang.Organisation, cursor string, limit int) (tilgang.GroupPage, error)
	Count(ctx context.Context, org *tilgang.Organisation) (int, error)
	Members(ctx context.Context, org *tilgang.Organisation, g *tilgang.Group, cursor string, limit int) (tilgang.MemberPage, error)
	OfUser(ctx context.Context, org *tilgang.Organisation, userID string) ([]tilgang.GroupRef, error)
}

// groupResource is the SCIM form of g (RFC 7643 §4.2), with members when
// they were read (nil: left out).
func groupResource(g *tilgang.Group, base string, members []string) resource.Resource {
	r := resource.Resource{
		"schemas":     []any{GroupSchema},
		"id":          g.ID,
		"displayName": g.DisplayName,
		"meta": map[string]any{
			"resourceType": "Group",
			"created":      g.CreatedAt.UTC().Format(time.RFC3339Nano),
			"lastModified": g.UpdatedAt.UTC().Format(time.RFC3339Nano),
			"location":     base + "/Groups/" + g.ID,
			"version":      httpx.VersionETag(g.Version).String(),
		},
	}
	setString(r, "externalId", g.ExternalID)
	if members != nil {
		list := make([]any, len(members))
		for i, id := range members {
			list[i] = map[string]any{"value": id, "$ref": base + "/Users/" + id, "type": "User"}
		}
		r["members"] = list
	}
	return r
}

// groupInput is a Group body (POST, PUT): its attributes and members.
type groupInput struct {
	displayName, externalID string
	members                 []string
}

func readGroup(res resource.Resource) (groupInput, error) {
	if err := schema.Check(res, schema.Group()); err != nil {
		return groupInput{}, err
	}
	var in groupInput
	rd := reader{}
	in.displayName = rd.str(res, "displayName")
	in.externalID = rd.str(res, "externalId")
	if rd.err != nil {
		return groupInput{}, rd.err
	}
	if _, v, ok := resource.Find(res, "members"); ok && v != nil {
		ids, err := memberIDs(v)
		if err != nil {
			return groupInput{}, err
		}
		if len(ids) > MaxMemberChanges {
			return groupInput{}, resource.InvalidValue("a group is created or replaced with at most 10000 members; add the rest with PATCH")
		}
		in.members = ids
	}
	if strings.TrimSpace(in.displayName) == "" {
		return groupInput{}, resource.InvalidValue("displayName is required (RFC 7643 §4.2)")
	}
	return in, nil
}

// readMembers reads every member of g, page by page.
func (h *Handler) readMembers(ctx context.Context, s *session, g *tilgang.Group) ([]string, error) {
	members := []string{}
	cursor := ""
	for {
		page, err := h.groups.Members(ctx, s.org, g, cursor, tilgang.MaxPageSize)
		if err != nil {
			return nil, err
		}
		members = append(members, page.UserIDs...)
		if page.NextCursor == "" {
			return members, nil
		}
		cursor = page.NextCursor
	}
}

// writeGroup answers with g, projected by attributes and
// excludedAttributes; members are read only when the answer shows them.
func (h *Handler) writeGroup(w http.ResponseWriter, r *http.Request, s *session, status int, g *tilgang.Group) {
	sel, err := selectionFromQuery(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var members []string
	if sel.wants("members") {
		if members, err = h.readMembers(r.Context(), s, g); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	w.Header().Set("ETag", httpx.VersionETag(g.Version).String())
	if status == http.StatusCreated {
		w.Header().Set("Location", s.base+"/Groups/"+g.ID)
	}
	writeJSON(w, status, sel.apply(groupResource(g, s.base, members)))
}

func (h *Handler) createGroup(w http.ResponseWriter, r *http.Request, s *session) {
	res, err := h.readResource(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in, err := readGroup(res)
	if err == nil {
		g := &tilgang.Group{OrgID: s.org.ID, DisplayName: in.displayName, ExternalID: in.externalID}
		if err = h.groups.Create(r.Context(), s.actor(), s.org, g, in.members); err == nil {
			h.writeGroup(w, r, s, http.StatusCreated, g)
			return
		}
	}
	h.fail(w, r, h.groupConflictFirst(r, s, res, "", err))
}

// lookUpGroup reads the group of the path (404 for another
// organisation's) and checks If-Match.
func (h *Handler) lookUpGroup(w http.ResponseWriter, r *http.Request, s *session) (*tilgang.Group, bool) {
	g, err := h.groups.Get(r.Context(), s.org, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return g, matches(w, r, g.Version, "group")
}

func (h *Handler) getGroup(w http.ResponseWriter, r *http.Request, s *session) {
	g, ok := h.lookUpGroup(w, r, s)
	if !ok {
		return
	}
	if notModified(w, r, g.Version) {
		return
	}
	h.writeGroup(w, r, s, http.StatusOK, g)
}

// replaceGroup is PUT: the body is the whole new state, members included
// (RFC 7644 §3.5.1).
func (h *Handler) replaceGroup(w http.ResponseWriter, r *http.Request, s *session) {
	old, ok := h.lookUpGroup(w, r, s)
	if !ok {
		return
	}
	res, err := h.readResource(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, id, found := resource.Find(res, "id"); found && id != old.ID {
		h.fail(w, r, resource.Mutability("id cannot be changed"))
		return
	}
	in, err := readGroup(res)
	if err == nil {
		g := *old
		g.DisplayName, g.ExternalID = in.displayName, in.externalID
		m := tilgang.MemberChange{Replace: true, Members: in.members}
		if err = h.groups.Update(r.Context(), s.actor(), s.org, old, &g, m); err == nil {
			h.writeGroup(w, r, s, http.StatusOK, &g)
			return
		}
	}
	h.fail(w, r, h.groupConflictFirst(r, s, res, old.ID, err))
}

// patchGroup applies a PATCH as one change of the group. Without
// attributes or excludedAttributes it answers 204 (RFC 7644 §3.5.2), so
// that a member change never reads the other members.
func (h *Handler) patchGroup(w http.ResponseWriter, r *http.Request, s *session) {
	old, ok := h.lookUpGroup(w, r, s)
	if !ok {
		return
	}
	body, err := httpx.ReadBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ops, err := patch.Decode(body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := readGroupChange(old.ID, ops)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	g := *old
	if c.displayName != nil {
		g.DisplayName = *c.displayName
	}
	if c.externalID != nil {
		g.ExternalID = *c.externalID
	}
	m := tilgang.MemberChange{Replace: c.members.replace, Members: ids(c.members.members), Add: ids(c.members.add), Remove: ids(c.members.remove)}
	if !m.Replace {
		m.Members = nil
	}
	if err := h.groups.Update(r.Context(), s.actor(), s.org, old, &g, m); err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	if q.Get("attributes") == "" && q.Get("excludedAttributes") == "" {
		w.Header().Set("ETag", httpx.VersionETag(g.Version).String())
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.writeGroup(w, r, s, http.StatusOK, &g)
}

func (h *Handler) deleteGroup(w http.ResponseWriter, r *http.Request, s *session) {
	g, ok := h.lookUpGroup(w, r, s)
	if !ok {
		return
	}
	if err := h.groups.Delete(r.Context(), s.actor(), s.org, g); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// groupConflictFirst is conflictFirst for groups: displayName and
// externalId are unique in the organisation.
func (h *Handler) groupConflictFirst(r *http.Request, s *session, res resource.Resource, self string, err error) error {
	return firstTaken(r.Context(), s.org, res, self, err,
		uniqueKey[*tilgang.Group]{"displayName", h.groups.ByDisplayName, tilgang.ErrGroupNameTaken},
		uniqueKey[*tilgang.Group]{"externalId", h.groups.ByExternalID, tilgang.ErrGroupExternalIDTaken})
}

// listGroups answers GET /Groups and POST /Groups/.search. displayName eq
// and externalId eq are key look-ups; any other filter walks the groups in
// displayName order. Filters are matched without members: a filter on
// members is refused, since it would read every member of every group.
func (h *Handler) listGroups(w http.ResponseWriter, r *http.Request, s *session, q query) {
	q.startIndex = max(q.startIndex, 1)
	q.count = min(max(q.count, 0), MaxResults)
	expr, err := parseFilter(q.filter, schema.Group())
	if err == nil && onMembers(expr) {
		err = resource.InvalidFilter("groups cannot be filtered on members; read a user's groups with GET /Users/{id}?attributes=groups")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	groups, total, err := h.findGroups(r.Context(), s, q, expr)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page := make([]any, len(groups))
	for i, g := range groups {
		var members []string
		if q.selection.wants("members") {
			if members, err = h.readMembers(r.Context(), s, g); err != nil {
				h.fail(w, r, err)
				return
			}
		}
		page[i] = q.selection.apply(groupResource(g, s.base, members))
	}
	writeList(w, q, total, page)
}

// findGroups returns the page of groups q asks for and the total.
func (h *Handler) findGroups(ctx context.Context, s *session, q query, expr filter.Expression) ([]*tilgang.Group, int, error) {
	if attr, value, ok := filter.GroupKeyLookup(expr); ok {
		find := h.groups.ByDisplayName
		if attr == "externalId" {
			find = h.groups.ByExternalID
		}
		g, err := find(ctx, s.org, value)
		switch {
		case errors.Is(err, tilgang.ErrGroupNotFound):
			return nil, 0, nil
		case err != nil:
			return nil, 0, err
		case q.startIndex > 1 || q.count == 0:
			return nil, 1, nil
		}
		return []*tilgang.Group{g}, 1, nil
	}
	if expr == nil && q.sorting.naturalFor("displayName") {
		return h.groupPage(ctx, s, q)
	}
	if !q.sorting.naturalFor("displayName") {
		return h.sortedGroups(ctx, s, q, expr)
	}
	var page []*tilgang.Group
	matched, cursor := 0, ""
	read := groupReads{max: h.maxGroups}
	for {
		p, err := h.groups.Page(ctx, s.org, cursor, read.next())
		if err != nil {
			return nil, 0, err
		}
		if err := read.count(len(p.Groups) + len(p.Unreadable)); err != nil {
			return nil, 0, err
		}
		for _, g := range p.Groups {
			if !filter.Match(expr, groupResource(g, s.base, nil), filter.Options{}) {
				continue
			}
			matched++
			if matched >= q.startIndex && len(page) < q.count {
				page = append(page, g)
			}
		}
		if p.NextCursor == "" {
			return page, matched, nil
		}
		cursor = p.NextCursor
	}
}

// groupPage answers a query without filter in displayName order: the
// total is the organisation's count, and the walk stops when the page is
// full.
func (h *Handler) groupPage(ctx context.Context, s *session, q query) ([]*tilgang.Group, int, error) {
	total, err := h.groups.Count(ctx, s.org)
	if err != nil || q.count == 0 || q.startIndex > total {
		return nil, total, err
	}
	var page []*tilgang.Group
	seen, cursor := 0, ""
	for {
		p, err := h.groups.Page(ctx, s.org, cursor, min(q.startIndex-1-seen+q.count, tilgang.MaxPageSize))
		if err != nil {
			return nil, 0, err
		}
		for _, g := range p.Groups {
			if seen++; seen >= q.startIndex && len(page) < q.count {
				page = append(page, g)
			}
		}
		if p.NextCursor == "" || len(page) == q.count {
			return page, total, nil
		}
		cursor = p.NextCursor
	}
}

// DefaultMaxFilterGroups bounds the groups one request may read for a
// filter other than a key look-up, or for a sort: those read every group
// of the organisation (SPEC §14), so beyond it they answer 400 tooMany.
// An organisation has far fewer groups than users; identity providers
// look groups up by displayName or externalId.
const DefaultMaxFilterGroups = 10_000

// groupReads counts the groups a filter or sort reads, and refuses to
// read past max (SPEC §14; the bound of users, checkReadBound, for
// groups, which have no counter to ask first).
type groupReads struct {
	max, read int
}

// next is the page size of the next read: one past the bound tells.
func (r *groupReads) next() int { return max(min(tilgang.MaxPageSize, r.max-r.read+1), 1) }

// count adds n groups read, and answers 400 tooMany past the bound
// (RFC 7644 §3.4.2.2, §3.12).
func (r *groupReads) count(n int) error {
	if r.read += n; r.read > r.max {
		return &Error{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeTooMany, Detail: fmt.Sprintf(
			"a filter on groups other than displayName eq or externalId eq, or a sort on anything but displayName, reads every group of the organisation, "+
				"and this one would read more than %d; look groups up with displayName eq or externalId eq, or page through the list without filter or sortBy", r.max)}
	}
	return nil
}

// groupRefs is a user's groups attribute (RFC 7643 §4.1.2): direct
// memberships, as tilgang has no nested groups.
func groupRefs(refs []tilgang.GroupRef, base string) []any {
	out := make([]any, len(refs))
	for i, g := range refs {
		out[i] = map[string]any{"value": g.ID, "$ref": base + "/Groups/" + g.ID, "display": g.DisplayName, "type": "direct"}
	}
	return out
}

// sortedGroups answers a query sorted on anything but ascending
// displayName, the store's order: it holds every match, up to
// maxSortedResults, and sorts them (RFC 7644 §3.4.2.3).
func (h *Handler) sortedGroups(ctx context.Context, s *session, q query, expr filter.Expression) ([]*tilgang.Group, int, error) {
	var all []resource.Resource
	byID := map[string]*tilgang.Group{}
	cursor := ""
	read := groupReads{max: h.maxGroups}
	for {
		p, err := h.groups.Page(ctx, s.org, cursor, read.next())
		if err != nil {
			return nil, 0, err
		}
		if err := read.count(len(p.Groups) + len(p.Unreadable)); err != nil {
			return nil, 0, err
		}
		for _, g := range p.Groups {
			res := groupResource(g, s.base, nil)
			if expr != nil && !filter.Match(expr, res, filter.Options{}) {
				continue
			}
			if len(all) == maxSortedResults {
				return nil, 0, &Error{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeTooMany,
					Detail: "more than 10000 groups match; narrow the filter to sort on anything but displayName"}
			}
			all = append(all, res)
			byID[g.ID] = g
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	q.sorting.sort(all)
	from := min(q.startIndex-1, len(all))
	var page []*tilgang.Group
	for _, res := range all[from:min(from+q.count, len(all))] {
		page = append(page, byID[res["id"].(string)])
	}
	return page, len(all), nil
}

// onMembers reports whether e compares the members attribute, which only
// reading every member of every group could answer.
func onMembers(e filter.Expression) bool {
	switch e := e.(type) {
	case *fp.LogicalExpression:
		return onMembers(e.Left) || onMembers(e.Right)
	case *fp.NotExpression:
		return onMembers(e.Expression)
	case *fp.ValuePath:
		return strings.EqualFold(e.AttributePath.AttributeName, "members")
	case *fp.AttributeExpression:
		return strings.EqualFold(e.AttributePath.AttributeName, "members")
	}
	return false
}
