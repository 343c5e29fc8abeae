package console

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// userForm is the create and edit form (templates/userform.html): the
// organisation's choices, the fields as typed, and the errors at them.
type userForm struct {
	Edit                                                         bool
	ID                                                           string
	FirstName, LastName, Email, Phone, UserName, Department, Ref string
	Identity                                                     string // cpr, dob or anonymous
	DateOfBirth                                                  string
	IAL                                                          string
	IALs, PNumbers, SENumbers, EANs, LoginMeans, Kinds           []option
	Roles                                                        []roleOption
	ShowRef, AllowAnonymous                                      bool
	Errors                                                       map[string]string
	Summary                                                      []fieldProblem
}

type roleOption struct {
	Value, Label      string
	Checked, Disabled bool
}

type fieldProblem struct{ Field, Message string }

// Err returns the error of a field, for the template.
func (f userForm) Err(field string) string { return f.Errors[field] }

// formFields are the form's fields by the rules' field names: an error of
// another field is shown in the summary, linked to the first field.
var formFields = map[string]string{
	"firstName": "firstName", "lastName": "lastName", "email": "email", "phone": "phone", "userName": "userName",
	"cpr": "cpr", "dateOfBirth": "dateOfBirth", "targetIal": "targetIal", "pNumber": "pNumber", "seNumber": "seNumber",
	"ean": "ean", "loginMeans": "loginMeans", "kind": "kind", "roles": "roles", "referenceText": "referenceText",
	"department": "department", "anonymous": "identity",
}

func choices(values []string, selected string, none string) []option {
	out := []option{{Value: "", Label: none, Selected: selected == ""}}
	for _, v := range values {
		out = append(out, option{Value: v, Label: v, Selected: v == selected})
	}
	return out
}

// formFor fills the form's choices for the organisation and the person.
func (c *Console) formFor(q *Request, f userForm, held []tilgang.Role) userForm {
	none := q.T("form.none")
	var ials []string
	for i := 3; i <= max(q.Org.IAL, 3); i++ {
		ials = append(ials, strconv.Itoa(i))
	}
	if f.IAL == "" {
		f.IAL = strconv.Itoa(q.Org.IAL)
	}
	f.IALs = nil
	for _, v := range ials {
		f.IALs = append(f.IALs, option{Value: v, Label: q.T("ial." + v), Selected: v == f.IAL})
	}
	pick := func(list []string, v string) string {
		if v == "" && len(list) == 1 && !f.Edit {
			return list[0]
		}
		return v
	}
	f.PNumbers = choices(q.Org.PNumbers, pick(q.Org.PNumbers, selectedOf(f.PNumbers)), none)
	f.SENumbers = choices(q.Org.SENumbers, pick(q.Org.SENumbers, selectedOf(f.SENumbers)), none)
	f.EANs = choices(q.Org.EANNumbers, pick(q.Org.EANNumbers, selectedOf(f.EANs)), none)
	lm := selectedOf(f.LoginMeans)
	f.LoginMeans = []option{{Value: "", Label: q.T("login.mitid"), Selected: lm == ""}}
	if q.Org.AllowPrivateMitID {
		f.LoginMeans = append(f.LoginMeans, option{Value: tilgang.LoginMeansPrivateMitID, Label: q.T("login.private"), Selected: lm == tilgang.LoginMeansPrivateMitID})
	}
	k := cmpOr(selectedOf(f.Kinds), tilgang.KindEmployee)
	f.Kinds = []option{{Value: tilgang.KindEmployee, Label: q.T("kind.employee"), Selected: k == tilgang.KindEmployee},
		{Value: tilgang.KindExternal, Label: q.T("kind.external"), Selected: k == tilgang.KindExternal}}
	checked := map[string]bool{}
	for _, r := range f.Roles {
		checked[r.Value] = r.Checked
	}
	if f.Roles == nil {
		for _, r := range held {
			checked[r.Role] = true
		}
	}
	f.Roles = nil
	for _, r := range tilgang.AdminRoles {
		may := users.MayGrant(q.Roles(), tilgang.Role{Role: r}) == nil
		f.Roles = append(f.Roles, roleOption{Value: r, Label: q.T("role." + r), Checked: checked[r], Disabled: !may})
	}
	f.ShowRef = q.Org.ReferenceTextEnabled
	f.AllowAnonymous = q.Org.AllowAnonymous
	if f.Identity == "" {
		f.Identity = "cpr"
	}
	return f
}

func selectedOf(opts []option) string {
	for _, o := range opts {
		if o.Selected {
			return o.Value
		}
	}
	return ""
}

func (c *Console) newUserForm(w http.ResponseWriter, q *Request) {
	q.Render(w, http.StatusOK, "userform.html", "user.new", q.T("user.new.title"), c.formFor(q, userForm{}, nil))
}

func (c *Console) editUserForm(w http.ResponseWriter, q *Request) {
	u, ok := c.userOf(w, q)
	if !ok {
		return
	}
	f := userForm{Edit: true, ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, Phone: u.Phone,
		UserName: u.UserName, Department: u.Department, Ref: u.ReferenceText, IAL: strconv.Itoa(u.TargetIAL),
		PNumbers: []option{{Value: u.PNumber, Selected: true}}, SENumbers: []option{{Value: u.SENumber, Selected: true}},
		EANs: []option{{Value: u.EAN, Selected: true}}, LoginMeans: []option{{Value: u.LoginMeans, Selected: true}},
		Kinds: []option{{Value: u.Kind, Selected: true}}}
	q.Render(w, http.StatusOK, "userform.html", "user.edit", q.T("user.edit.title", displayName(u)), c.formFor(q, f, u.Roles))
}

// readForm reads the posted fields into the form, as typed.
func readUserForm(q *Request, edit bool) userForm {
	v := q.PostForm
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	f := userForm{Edit: edit, FirstName: get("firstName"), LastName: get("lastName"), Email: get("email"), Phone: get("phone"),
		UserName: get("userName"), Department: get("department"), Ref: get("referenceText"), Identity: get("identity"),
		DateOfBirth: get("dateOfBirth"), IAL: get("targetIal"),
		PNumbers: []option{{Value: get("pNumber"), Selected: true}}, SENumbers: []option{{Value: get("seNumber"), Selected: true}},
		EANs: []option{{Value: get("ean"), Selected: true}}, LoginMeans: []option{{Value: get("loginMeans"), Selected: true}},
		Kinds: []option{{Value: get("kind"), Selected: true}}}
	for _, r := range tilgang.AdminRoles {
		f.Roles = append(f.Roles, roleOption{Value: r, Checked: slices.Contains(v["roles"], r)})
	}
	return f
}

// apply copies the form onto u; roles the person may not change keep what
// u held.
func (f userForm) apply(q *Request, u *tilgang.User) {
	u.FirstName, u.LastName, u.Email, u.Phone, u.UserName = f.FirstName, f.LastName, f.Email, f.Phone, f.UserName
	u.Department, u.ReferenceText = f.Department, f.Ref
	u.TargetIAL = atoi(f.IAL)
	u.PNumber, u.SENumber, u.EAN = selectedOf(f.PNumbers), selectedOf(f.SENumbers), selectedOf(f.EANs)
	u.LoginMeans, u.Kind = selectedOf(f.LoginMeans), selectedOf(f.Kinds)
	var roles []tilgang.Role
	for _, r := range u.Roles {
		if !r.IsAdmin() || users.MayGrant(q.Roles(), tilgang.Role{Role: r.Role}) != nil {
			roles = append(roles, r) // not the form's to change
		}
	}
	for _, r := range f.Roles {
		if r.Checked && users.MayGrant(q.Roles(), tilgang.Role{Role: r.Value}) == nil &&
			!slices.ContainsFunc(roles, func(x tilgang.Role) bool { return x.Role == r.Value }) {
			roles = append(roles, tilgang.Role{Role: r.Value})
		}
	}
	u.Roles = roles
}

// grantsAdmin reports whether u gains an admin role that old lacked.
func grantsAdmin(old, u *tilgang.User) bool {
	for _, r := range u.Roles {
		if r.IsAdmin() && (old == nil || !slices.ContainsFunc(old.Roles, func(x tilgang.Role) bool { return x.Role == r.Role })) {
			return true
		}
	}
	return false
}

func (c *Console) createUser(w http.ResponseWriter, q *Request) {
	f := readUserForm(q, false)
	u := &tilgang.User{}
	f.apply(q, u)
	var cprNumber string
	switch f.Identity {
	case "dob":
		u.DateOfBirth = f.DateOfBirth
	case "anonymous":
		u.Anonymous = true
	default:
		cprNumber = strings.TrimSpace(q.PostForm.Get("cpr"))
	}
	if grantsAdmin(nil, u) && q.NeedFresh(w, Prefix+"/users/new") {
		return
	}
	err := users.MayChange(q.Roles(), nil, u)
	var created users.Created
	if err == nil {
		created, err = c.Users.Create(q.Context(), q.Actor(), q.Org, users.NewRequest{User: u, CPR: cprNumber, Profile: users.AdminProfile, Activate: true})
	}
	if err != nil {
		c.formErrors(w, q, f, nil, err)
		return
	}
	if created.ActivationCode != "" {
		c.renderUser(w, q, http.StatusCreated, created.User, userPage{Code: created.ActivationCode, Notice: q.T("done.created")})
		return
	}
	http.Redirect(w, q.Request, Prefix+"/users/"+created.User.ID+"?done=created", http.StatusSeeOther)
}

func (c *Console) updateUser(w http.ResponseWriter, q *Request) {
	old, ok := c.userOf(w, q)
	if !ok {
		return
	}
	f := readUserForm(q, true)
	f.ID = old.ID
	u := *old
	u.Roles = slices.Clone(old.Roles)
	f.apply(q, &u)
	if grantsAdmin(old, &u) && q.NeedFresh(w, Prefix+"/users/"+old.ID+"/edit") {
		return
	}
	err := users.MayChange(q.Roles(), old, &u)
	if err == nil {
		err = c.Users.Update(q.Context(), q.Actor(), q.Org, old, &u, users.AdminProfile)
	}
	if err != nil {
		c.formErrors(w, q, f, old.Roles, err)
		return
	}
	http.Redirect(w, q.Request, Prefix+"/users/"+old.ID+"?done=saved", http.StatusSeeOther)
}

// formErrors shows the form again with the input and every error at its
// field; an error that is no rule's is a server error.
func (c *Console) formErrors(w http.ResponseWriter, q *Request, f userForm, held []tilgang.Role, err error) {
	if errors.Is(err, tilgang.ErrStale) {
		c.renderMessage(w, q.Request, http.StatusConflict, "stale", q.Lang, nil)
		return
	}
	var errs []*tilgang.Error
	collect(err, &errs)
	if len(errs) == 0 {
		c.serverError(w, q.Request, q.Lang, err)
		return
	}
	f.Errors = map[string]string{}
	for _, e := range errs {
		field, ok := formFields[e.Field]
		if !ok {
			field = "firstName"
		}
		if field == "cpr" && f.Identity == "dob" {
			field = "dateOfBirth"
		}
		msg := problemText(q.Lang, e)
		if _, seen := f.Errors[field]; !seen {
			f.Errors[field] = msg
		}
		f.Summary = append(f.Summary, fieldProblem{Field: field, Message: msg})
	}
	title := q.T("user.new.title")
	name := "user.new"
	if f.Edit {
		title, name = q.T("user.edit.title", strings.TrimSpace(f.FirstName+" "+f.LastName)), "user.edit"
	}
	c.renderForm(w, q, http.StatusUnprocessableEntity, name, title, c.formFor(q, f, held))
}

func (c *Console) renderForm(w http.ResponseWriter, q *Request, status int, name, title string, f userForm) {
	q.c.render(w, q.Request, status, "userform.html", view{
		Lang: q.Lang, Name: name, Title: title, Error: len(f.Errors) > 0, OrgName: q.Org.Name, Person: q.Person, Nav: q.nav(),
		CSRF: q.Session.CSRF, Wide: true, Page: f,
	})
}

// collect flattens joined errors into the rules' errors.
func collect(err error, out *[]*tilgang.Error) {
	if err == nil {
		return
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			collect(e, out)
		}
		return
	}
	var te *tilgang.Error
	if errors.As(err, &te) && te.Kind != 0 {
		*out = append(*out, te)
	}
}
