package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// The users pages (SPEC §12): the list with search and filters, the user
// page with its actions and history, and the forms to create and edit.

func (c *Console) userRoutes(route routeFunc) {
	route("GET "+Prefix+"/{$}", tilgang.RoleUserAdmin, c.listUsers)
	route("GET "+Prefix+"/users", tilgang.RoleUserAdmin, c.listUsers)
	route("GET "+Prefix+"/users/new", tilgang.RoleUserAdmin, c.newUserForm)
	route("POST "+Prefix+"/users/new", tilgang.RoleUserAdmin, c.createUser)
	route("GET "+Prefix+"/users/{id}", tilgang.RoleUserAdmin, c.showUser)
	route("GET "+Prefix+"/users/{id}/edit", tilgang.RoleUserAdmin, c.editUserForm)
	route("POST "+Prefix+"/users/{id}/edit", tilgang.RoleUserAdmin, c.updateUser)
	route("POST "+Prefix+"/users/{id}/activation", tilgang.RoleUserAdmin, c.sendActivation)
	route("POST "+Prefix+"/users/{id}/code", tilgang.RoleUserAdmin, c.newCode)
	route("POST "+Prefix+"/users/{id}/deactivate", tilgang.RoleUserAdmin, c.deactivate)
	route("POST "+Prefix+"/users/{id}/reactivate", tilgang.RoleUserAdmin, c.reactivate)
	route("GET "+Prefix+"/users/{id}/delete", tilgang.RoleUserAdmin, c.confirmDelete)
	route("POST "+Prefix+"/users/{id}/delete", tilgang.RoleUserAdmin, c.deleteUser)
}

// UsersPageSize is how many users a page of the list shows.
const UsersPageSize = 100

// usersPage is what templates/users.html shows.
type usersPage struct {
	Query, Status, Kind, Role string
	Statuses                  []option
	Kinds                     []option
	Roles                     []option
	Rows                      []userRow
	Next                      string // the address of the next page, if any
	First                     string // the address of the first page, when this is a later one
	Unreadable                int
	Notice                    string
}

type option struct {
	Value, Label string
	Selected     bool
}

type userRow struct {
	ID, Name, Email, UserName, Status, Kind, Roles string
}

// UserRows is the users list's rows for a page of users, in lang: the
// render benchmark renders the same.
func userRows(us []*tilgang.User, lang string) []userRow {
	rows := make([]userRow, 0, len(us))
	for _, u := range us {
		rows = append(rows, userRow{ID: u.ID, Name: displayName(u), Email: u.Email, UserName: u.UserName,
			Status: translate(lang, "status."+string(u.Status)), Kind: translate(lang, "kind."+cmpOr(u.Kind, tilgang.KindEmployee)),
			Roles: roleNames(u, lang)})
	}
	return rows
}

func cmpOr(a, b string) string {
	if a == "" {
		return b
	}
	return a
}

func displayName(u *tilgang.User) string {
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	return u.UserName
}

func roleNames(u *tilgang.User, lang string) string {
	var names []string
	for _, r := range u.Roles {
		n := r.Role
		if r.IsAdmin() {
			n = translate(lang, "role."+r.Role)
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

func (c *Console) listUsers(w http.ResponseWriter, q *Request) {
	v := q.URL.Query()
	query := tilgang.UserQuery{Text: strings.TrimSpace(v.Get("q")), Cursor: v.Get("cursor"), Limit: UsersPageSize}
	status := v.Get("status")
	if slices.Contains(tilgang.Statuses, tilgang.Status(status)) {
		query.Status = tilgang.Status(status)
	} else {
		status = ""
	}
	kind := v.Get("kind")
	if kind != tilgang.KindEmployee && kind != tilgang.KindExternal {
		kind = ""
	}
	role := v.Get("role")
	if !slices.Contains(tilgang.AdminRoles, role) && role != "none" {
		role = ""
	}
	page, err := c.Users.List(q.Context(), q.Org, query)
	var te *tilgang.Error
	if errors.As(err, &te) && te.Kind == tilgang.KindInvalid {
		// A cursor that is not ours: start again.
		query.Cursor = ""
		page, err = c.Users.List(q.Context(), q.Org, query)
	}
	if err != nil {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	// Kind and role filter the page the store read: the store indexes
	// users by status only.
	var shown []*tilgang.User
	for _, u := range page.Users {
		if kind != "" && cmpOr(u.Kind, tilgang.KindEmployee) != kind {
			continue
		}
		if role == "none" && u.IsAdmin() {
			continue
		}
		if role != "" && role != "none" && !slices.ContainsFunc(u.Roles, func(r tilgang.Role) bool { return r.Role == role }) {
			continue
		}
		shown = append(shown, u)
	}
	p := usersPage{Query: query.Text, Status: status, Kind: kind, Role: role, Rows: userRows(shown, q.Lang), Unreadable: len(page.Unreadable),
		Notice: noticeOf(q)}
	p.Statuses = append(p.Statuses, option{Value: "", Label: q.T("filter.all")})
	for _, s := range tilgang.Statuses {
		p.Statuses = append(p.Statuses, option{Value: string(s), Label: q.T("status." + string(s)), Selected: string(s) == status})
	}
	p.Kinds = []option{{Value: "", Label: q.T("filter.all")},
		{Value: tilgang.KindEmployee, Label: q.T("kind.employee"), Selected: kind == tilgang.KindEmployee},
		{Value: tilgang.KindExternal, Label: q.T("kind.external"), Selected: kind == tilgang.KindExternal}}
	p.Roles = []option{{Value: "", Label: q.T("filter.all")}, {Value: "none", Label: q.T("role.none"), Selected: role == "none"}}
	for _, r := range tilgang.AdminRoles {
		p.Roles = append(p.Roles, option{Value: r, Label: q.T("role." + r), Selected: r == role})
	}
	keep := url.Values{}
	for k, val := range map[string]string{"q": query.Text, "status": status, "kind": kind, "role": role} {
		if val != "" {
			keep.Set(k, val)
		}
	}
	if page.NextCursor != "" {
		next := url.Values{}
		for k, vs := range keep {
			next[k] = vs
		}
		next.Set("cursor", page.NextCursor)
		p.Next = Prefix + "/users?" + next.Encode()
	}
	if query.Cursor != "" {
		p.First = Prefix + "/users?" + keep.Encode()
	}
	q.Render(w, http.StatusOK, "users.html", "users", q.T("users.title"), p)
}

// userPage is what templates/user.html shows.
type userPage struct {
	U          *tilgang.User
	Name       string
	Status     string
	Kind       string
	Roles      string
	CPR        string // masked
	Identity   string
	Code       string // a new temporary code, shown once
	Notice     string
	Problem    string
	From, To   string // the deactivation form's values
	MayManage  bool
	CanCode    bool
	CanSend    bool
	Deactivate bool
	Reactivate bool
	History    []historyRow
}

type historyRow struct {
	At, Actor, Action, Fields, Source string
}

func (c *Console) userOf(w http.ResponseWriter, q *Request) (*tilgang.User, bool) {
	u, err := c.Users.Get(q.Context(), q.Org, q.PathValue("id"))
	if err != nil {
		if errors.Is(err, tilgang.ErrUserNotFound) || isKind(err, tilgang.KindNotFound) || isKind(err, tilgang.KindInvalid) {
			c.notFound(w, q.Request)
			return nil, false
		}
		var un *tilgang.UnreadableUser
		if !errors.As(err, &un) {
			c.serverError(w, q.Request, q.Lang, err)
			return nil, false
		}
		c.notFound(w, q.Request)
		return nil, false
	}
	return u, true
}

func isKind(err error, k tilgang.Kind) bool {
	var te *tilgang.Error
	return errors.As(err, &te) && te.Kind == k
}

func (c *Console) showUser(w http.ResponseWriter, q *Request) {
	u, ok := c.userOf(w, q)
	if !ok {
		return
	}
	c.renderUser(w, q, http.StatusOK, u, userPage{Notice: noticeOf(q)})
}

// noticeOf reads the notice a redirect after a POST asks the page to show.
func noticeOf(q *Request) string {
	if n := q.URL.Query().Get("done"); n != "" && textTables.Has("done."+n) {
		return q.T("done." + n)
	}
	return ""
}

func (c *Console) renderUser(w http.ResponseWriter, q *Request, status int, u *tilgang.User, p userPage) {
	p.U, p.Name, p.Kind, p.Roles = u, displayName(u), q.T("kind."+cmpOr(u.Kind, tilgang.KindEmployee)), roleNames(u, q.Lang)
	p.Status = q.T("status." + string(u.Status))
	if !u.CPR.IsZero() {
		if m, err := c.Users.MaskedCPR(u); err == nil {
			p.CPR = m
		}
		p.Identity = q.T("user.identity.cpr")
	} else if u.DateOfBirth != "" {
		p.Identity = q.T("user.identity.dob")
	} else if u.Anonymous {
		p.Identity = q.T("user.identity.anonymous")
	}
	p.MayManage = users.MayManage(q.Roles(), u) == nil
	p.CanSend = p.MayManage && (u.Status == tilgang.StatusImported || u.Status == tilgang.StatusPendingActivation) && u.Email != ""
	p.CanCode = p.MayManage && u.CPR.IsZero() && u.DateOfBirth != "" &&
		(u.Status == tilgang.StatusImported || u.Status == tilgang.StatusPendingActivation)
	p.Deactivate = p.MayManage && u.Status != tilgang.StatusDeactivated
	p.Reactivate = p.MayManage && u.Status == tilgang.StatusDeactivated
	if p.From == "" {
		p.From = c.now().In(tilgang.Copenhagen()).Format("2006-01-02")
	}
	hist, err := c.Users.History(q.Context(), q.Org, u.ID, users.HistoryQuery{Limit: 50})
	if err == nil {
		for _, e := range hist.Entries {
			p.History = append(p.History, historyRow{At: view{Lang: q.Lang}.Time(e.At), Actor: e.Actor, Action: e.Action,
				Fields: strings.Join(e.Fields, ", "), Source: e.Source})
		}
	}
	q.Render(w, status, "user.html", "user", displayName(u), p)
}

func (c *Console) sendActivation(w http.ResponseWriter, q *Request) {
	c.userAction(w, q, "activation", func(u *tilgang.User) (users.Sent, error) {
		return c.Users.SendActivation(q.Context(), q.Actor(), q.Org, u.ID)
	})
}

func (c *Console) newCode(w http.ResponseWriter, q *Request) {
	c.userAction(w, q, "code", func(u *tilgang.User) (users.Sent, error) {
		return c.Users.NewActivationCode(q.Context(), q.Actor(), q.Org, u.ID)
	})
}

func (c *Console) reactivate(w http.ResponseWriter, q *Request) {
	c.userAction(w, q, "reactivated", func(u *tilgang.User) (users.Sent, error) {
		nu, err := c.Users.ReactivateUser(q.Context(), q.Actor(), q.Org, u.ID)
		return users.Sent{User: nu}, err
	})
}

func (c *Console) deactivate(w http.ResponseWriter, q *Request) {
	from, to := strings.TrimSpace(q.PostForm.Get("from")), strings.TrimSpace(q.PostForm.Get("to"))
	c.userActionForm(w, q, "deactivated", from, to, func(u *tilgang.User) (users.Sent, error) {
		nu, err := c.Users.DeactivateUser(q.Context(), q.Actor(), q.Org, u.ID, tilgang.Deactivation{From: from, To: to})
		return users.Sent{User: nu}, err
	})
}

func (c *Console) userAction(w http.ResponseWriter, q *Request, done string, act func(*tilgang.User) (users.Sent, error)) {
	c.userActionForm(w, q, done, "", "", act)
}

// userActionForm runs one action of the user page: authority first (the
// one role-authority function of SPEC §14), then the service. A new code
// is shown on the answer itself, once; other actions redirect, so that a
// reload does not repeat them.
func (c *Console) userActionForm(w http.ResponseWriter, q *Request, done, from, to string, act func(*tilgang.User) (users.Sent, error)) {
	u, ok := c.userOf(w, q)
	if !ok {
		return
	}
	if err := users.MayManage(q.Roles(), u); err != nil {
		c.renderUser(w, q, http.StatusForbidden, u, userPage{Problem: q.T("user.denied")})
		return
	}
	sent, err := act(u)
	if err != nil {
		if isKind(err, tilgang.KindNotFound) {
			c.notFound(w, q.Request)
			return
		}
		var te *tilgang.Error
		if !errors.As(err, &te) {
			c.serverError(w, q.Request, q.Lang, err)
			return
		}
		if fresh, gerr := c.Users.Get(q.Context(), q.Org, u.ID); gerr == nil {
			u = fresh
		}
		c.renderUser(w, q, http.StatusUnprocessableEntity, u, userPage{Problem: problemText(q.Lang, te), From: from, To: to})
		return
	}
	if sent.ActivationCode != "" {
		c.renderUser(w, q, http.StatusOK, sent.User, userPage{Code: sent.ActivationCode, Notice: q.T("done." + done)})
		return
	}
	http.Redirect(w, q.Request, Prefix+"/users/"+u.ID+"?done="+done, http.StatusSeeOther)
}

func (c *Console) confirmDelete(w http.ResponseWriter, q *Request) {
	u, ok := c.userOf(w, q)
	if !ok {
		return
	}
	q.Render(w, http.StatusOK, "delete.html", "delete", q.T("delete.title", displayName(u)), struct{ U *tilgang.User }{u})
}

func (c *Console) deleteUser(w http.ResponseWriter, q *Request) {
	u, ok := c.userOf(w, q)
	if !ok {
		return
	}
	if err := users.MayManage(q.Roles(), u); err != nil {
		c.renderUser(w, q, http.StatusForbidden, u, userPage{Problem: q.T("user.denied")})
		return
	}
	if q.NeedFresh(w, Prefix+"/users/"+u.ID+"/delete") {
		return
	}
	if q.PostForm.Get("confirm") != "yes" {
		http.Redirect(w, q.Request, Prefix+"/users/"+u.ID, http.StatusSeeOther)
		return
	}
	if err := c.Users.Delete(q.Context(), q.Actor(), u); err != nil {
		var te *tilgang.Error
		if errors.As(err, &te) {
			c.renderUser(w, q, http.StatusUnprocessableEntity, u, userPage{Problem: problemText(q.Lang, te)})
			return
		}
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	http.Redirect(w, q.Request, Prefix+"/users?done=deleted", http.StatusSeeOther)
}

// problemText is an error of the rules as the page tells it: the text of
// its code where the console has one, else the rule's own message.
func problemText(lang string, e *tilgang.Error) string {
	if textTables.Has("err." + e.Code) {
		return translate(lang, "err."+e.Code)
	}
	m := e.Message
	if m != "" {
		m = strings.ToUpper(m[:1]) + m[1:]
	}
	return m
}

// atoi reads a small number of a form, 0 for none.
func atoi(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return n
}
