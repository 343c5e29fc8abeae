package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// The groups page (SPEC §5, §12): the groups the identity provider keeps
// over SCIM (read only, as in the admin API), and the organisation's
// groupRoles, which give members of a group a role; a company-admin
// configures them, since that is granting roles (SPEC §14).

func (c *Console) groupRoutes(route routeFunc) {
	route("GET "+Prefix+"/groups", tilgang.RoleUserAdmin, c.listGroups)
	route("POST "+Prefix+"/groups/roles", tilgang.RoleCompanyAdmin, c.saveGroupRoles)
}

// GroupsPageSize is how many groups a page shows.
const GroupsPageSize = 100

// blankGroupRoles is how many empty mapping rows the form offers.
const blankGroupRoles = 3

type groupsPage struct {
	Groups     []groupRow
	Next       string
	Unreadable int
	Mappings   []groupRoleRow
	MayEdit    bool
	Roles      []option
	Notice     string
	Problem    string
}

type groupRow struct{ ID, Name, ExternalID, Roles string }

type groupRoleRow struct {
	N                    int
	Group, Role, OrgUnit string
}

func (c *Console) groupsPage(q *Request, p groupsPage) (groupsPage, error) {
	page, err := c.Groups.Page(q.Context(), q.Org, q.URL.Query().Get("cursor"), GroupsPageSize)
	if isKind(err, tilgang.KindInvalid) {
		page, err = c.Groups.Page(q.Context(), q.Org, "", GroupsPageSize)
	}
	if err != nil {
		return p, err
	}
	for _, g := range page.Groups {
		var roles []string
		for _, r := range q.Org.RolesOfGroup(g.ID, g.DisplayName) {
			roles = append(roles, roleLabel(q, r.Role))
		}
		p.Groups = append(p.Groups, groupRow{ID: g.ID, Name: g.DisplayName, ExternalID: g.ExternalID, Roles: strings.Join(roles, ", ")})
	}
	p.Unreadable = len(page.Unreadable)
	if page.NextCursor != "" {
		p.Next = Prefix + "/groups?" + url.Values{"cursor": {page.NextCursor}}.Encode()
	}
	p.MayEdit = q.Has(tilgang.RoleCompanyAdmin)
	if p.Mappings == nil {
		for _, m := range q.Org.GroupRoles {
			p.Mappings = append(p.Mappings, groupRoleRow{Group: m.Group, Role: m.Role, OrgUnit: m.OrgUnit})
		}
	}
	for range blankGroupRoles {
		p.Mappings = append(p.Mappings, groupRoleRow{})
	}
	for i := range p.Mappings {
		p.Mappings[i].N = i
	}
	for _, r := range tilgang.AdminRoles {
		p.Roles = append(p.Roles, option{Value: r, Label: q.T("role." + r)})
	}
	return p, nil
}

func roleLabel(q *Request, role string) string {
	for _, r := range tilgang.AdminRoles {
		if r == role {
			return q.T("role." + r)
		}
	}
	return role
}

func (c *Console) listGroups(w http.ResponseWriter, q *Request) {
	p := groupsPage{}
	if q.URL.Query().Get("done") == "saved" {
		p.Notice = q.T("groups.saved")
	}
	p, err := c.groupsPage(q, p)
	if err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	q.Render(w, http.StatusOK, "groups.html", "groups", q.T("groups.title"), p)
}

// saveGroupRoles replaces the organisation's groupRoles with the rows of
// the form that name a group; a granted admin role asks for a fresh
// sign-in, as any admin-role grant does.
func (c *Console) saveGroupRoles(w http.ResponseWriter, q *Request) {
	var rows []groupRoleRow
	var mappings []tilgang.GroupRole
	adminRole := false
	groups, roles, units := q.PostForm["group"], q.PostForm["role"], q.PostForm["orgUnit"]
	for i, g := range groups {
		row := groupRoleRow{Group: strings.TrimSpace(g)}
		if i < len(roles) {
			row.Role = strings.TrimSpace(roles[i])
		}
		if i < len(units) {
			row.OrgUnit = strings.TrimSpace(units[i])
		}
		if row.Group == "" && row.Role == "" && row.OrgUnit == "" {
			continue
		}
		rows = append(rows, row)
		mappings = append(mappings, tilgang.GroupRole{Group: row.Group, Role: row.Role, OrgUnit: row.OrgUnit})
		adminRole = adminRole || (tilgang.Role{Role: row.Role}).IsAdmin()
	}
	if adminRole && q.NeedFresh(w, Prefix+"/groups") {
		return
	}
	in := tenants.SettingsOf(q.Org)
	in.GroupRoles = mappings
	if _, err := c.Tenants.UpdateSettings(q.Context(), q.Org, in); err != nil {
		var texts []string
		for _, p := range tilgang.Problems(err) {
			texts = append(texts, problemText(q.Lang, p))
		}
		var te *tilgang.Error
		if len(texts) == 0 && !errors.As(err, &te) {
			c.serverError(w, q.Request, q.Lang, err)
			return
		}
		if len(texts) == 0 {
			texts = append(texts, problemText(q.Lang, te))
		}
		p, perr := c.groupsPage(q, groupsPage{Mappings: rows, Problem: strings.Join(texts, " ")})
		if perr != nil {
			c.serverError(w, q.Request, q.Lang, perr)
			return
		}
		q.Render(w, http.StatusUnprocessableEntity, "groups.html", "groups", q.T("groups.title"), p)
		return
	}
	http.Redirect(w, q.Request, Prefix+"/groups?done=saved", http.StatusSeeOther)
}
