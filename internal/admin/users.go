package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

type roleJSON struct {
	Role    string `json:"role"`
	OrgUnit string `json:"orgUnit,omitempty"`
}

// editableUser holds the fields that PATCH may change; userInput adds the
// ones only creation sets.
type editableUser struct {
	UserName       string     `json:"userName,omitempty"`
	ExternalID     string     `json:"externalId,omitempty"`
	FirstName      string     `json:"firstName,omitempty"`
	LastName       string     `json:"lastName,omitempty"`
	Email          string     `json:"email,omitempty"`
	Phone          string     `json:"phone,omitempty"`
	ReferenceText  string     `json:"referenceText,omitempty"`
	TargetIAL      int        `json:"targetIal,omitempty"`
	EAN            string     `json:"ean,omitempty"`
	PNumber        string     `json:"pNumber,omitempty"`
	SENumber       string     `json:"seNumber,omitempty"`
	LoginMeans     string     `json:"loginMeans,omitempty"`
	Authenticators []string   `json:"authenticators,omitempty"`
	Rights         []string   `json:"rights,omitempty"`
	CanSign        bool       `json:"canSign,omitempty"`
	SealProfiles   []string   `json:"sealProfiles,omitempty"`
	Kind           string     `json:"kind,omitempty"`
	Roles          []roleJSON `json:"roles,omitempty"`
	Department     string     `json:"department,omitempty"`
}

type userInput struct {
	editableUser
	CPR         string `json:"cpr"`
	DateOfBirth string `json:"dateOfBirth"`
	Anonymous   bool   `json:"anonymous"`
}

// readOnlyFields are user fields a client sees but cannot PATCH.
var readOnlyFields = map[string]string{
	"id": "", "cpr": "the CPR number cannot be changed; delete and recreate the user",
	"cprMasked": "", "dateOfBirth": "", "anonymous": "anonymity is chosen at creation only",
	"status": "use the activation and deactivation calls", "deactivation": "use the deactivation calls",
	"createdAt": "", "updatedAt": "", "version": "", "activationCode": "",
}

func (e *editableUser) apply(u *tilgang.User) {
	u.UserName, u.ExternalID, u.FirstName, u.LastName = e.UserName, e.ExternalID, e.FirstName, e.LastName
	u.Email, u.Phone, u.ReferenceText, u.TargetIAL = e.Email, e.Phone, e.ReferenceText, e.TargetIAL
	u.EAN, u.PNumber, u.SENumber, u.LoginMeans = e.EAN, e.PNumber, e.SENumber, e.LoginMeans
	u.Authenticators, u.Rights, u.CanSign, u.SealProfiles = e.Authenticators, e.Rights, e.CanSign, e.SealProfiles
	u.Kind, u.Department = e.Kind, e.Department
	u.Roles = nil
	for _, r := range e.Roles {
		u.Roles = append(u.Roles, tilgang.Role(r))
	}
}

func editableOf(u *tilgang.User) editableUser {
	e := editableUser{
		UserName: u.UserName, ExternalID: u.ExternalID, FirstName: u.FirstName, LastName: u.LastName,
		Email: u.Email, Phone: u.Phone, ReferenceText: u.ReferenceText, TargetIAL: u.TargetIAL,
		EAN: u.EAN, PNumber: u.PNumber, SENumber: u.SENumber, LoginMeans: u.LoginMeans,
		Authenticators: u.Authenticators, Rights: u.Rights, CanSign: u.CanSign, SealProfiles: u.SealProfiles,
		Kind: u.Kind, Department: u.Department,
	}
	for _, r := range u.Roles {
		e.Roles = append(e.Roles, roleJSON(r))
	}
	return e
}

// userJSON is a user as the API shows it (SPEC §10).
type userJSON struct {
	ID             string            `json:"id"`
	UserName       string            `json:"userName"`
	ExternalID     string            `json:"externalId,omitempty"`
	FirstName      string            `json:"firstName"`
	LastName       string            `json:"lastName"`
	Email          string            `json:"email"`
	Phone          string            `json:"phone,omitempty"`
	CPRMasked      string            `json:"cprMasked,omitempty"`
	DateOfBirth    string            `json:"dateOfBirth,omitempty"`
	Anonymous      bool              `json:"anonymous"`
	ReferenceText  string            `json:"referenceText,omitempty"`
	TargetIAL      int               `json:"targetIal"`
	EAN            string            `json:"ean,omitempty"`
	PNumber        string            `json:"pNumber,omitempty"`
	SENumber       string            `json:"seNumber,omitempty"`
	LoginMeans     string            `json:"loginMeans,omitempty"`
	Authenticators []string          `json:"authenticators"`
	Rights         []string          `json:"rights"`
	CanSign        bool              `json:"canSign"`
	SealProfiles   []string          `json:"sealProfiles"`
	Kind           string            `json:"kind"`
	Roles          []roleJSON        `json:"roles"`
	Department     string            `json:"department,omitempty"`
	Status         string            `json:"status"`
	Deactivation   *deactivationJSON `json:"deactivation"`
	CreatedAt      time.Time         `json:"createdAt"`
	UpdatedAt      time.Time         `json:"updatedAt"`
	Version        int64             `json:"version"`
	ActivationCode string            `json:"activationCode,omitempty"`
	// Unavailable says which part of the user could not be read (SPEC
	// §14): the user is shown without it rather than failing the answer.
	Unavailable *unavailableJSON `json:"unavailable,omitempty"`
	// Mail is what SES last reported of mail to the user's address (GET
	// of one user only).
	Mail *mailStateJSON `json:"mail,omitempty"`
}

// unavailableJSON marks a user, or a part of one, that could not be read.
type unavailableJSON struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// unreadableUserJSON is a list's entry for a user whose stored record
// could not be read: its id and why nothing else is shown.
type unreadableUserJSON struct {
	ID          string          `json:"id"`
	Unavailable unavailableJSON `json:"unavailable"`
}

var (
	unreadableRecord = unavailableJSON{Code: "user.unreadable",
		Detail: "the user's stored record could not be read; the incident is logged for the operator"}
	unreadableCPR = unavailableJSON{Code: "cpr.unreadable",
		Detail: "the user's CPR number could not be decrypted and is not shown; the incident is logged for the operator"}
)

type deactivationJSON struct {
	From string `json:"from"`
	To   string `json:"to,omitempty"`
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// userJSON shows u. A CPR number that does not decrypt (a damaged
// ciphertext, a key that is gone) is left out and marked, and logged by
// ids only: the rest of the user, and of a list, still answers (SPEC §14).
func (h *Handler) userJSON(ctx context.Context, u *tilgang.User) userJSON {
	masked, err := h.users.MaskedCPR(u)
	var unavailable *unavailableJSON
	if err != nil {
		users.LogUnreadable(ctx, h.log, u.OrgID, u.ID, "cpr")
		masked, unavailable = "", &unreadableCPR
	}
	e := editableOf(u)
	j := userJSON{
		ID: u.ID, UserName: u.UserName, ExternalID: u.ExternalID, FirstName: u.FirstName, LastName: u.LastName,
		Email: u.Email, Phone: u.Phone, CPRMasked: masked, DateOfBirth: u.DateOfBirth, Anonymous: u.Anonymous,
		ReferenceText: u.ReferenceText, TargetIAL: u.TargetIAL, EAN: u.EAN, PNumber: u.PNumber, SENumber: u.SENumber,
		LoginMeans: u.LoginMeans, Authenticators: nonNil(u.Authenticators), Rights: nonNil(u.Rights), CanSign: u.CanSign,
		SealProfiles: nonNil(u.SealProfiles), Kind: u.Kind, Roles: nonNil(e.Roles), Department: u.Department,
		Status: string(u.Status), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, Version: u.Version,
		Unavailable: unavailable,
	}
	if d := u.Deactivation; d != nil {
		j.Deactivation = &deactivationJSON{From: d.From, To: d.To}
	}
	return j
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, s *session) {
	body, err := httpx.ReadBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var in userInput
	if err := httpx.Decode(body, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	u := &tilgang.User{DateOfBirth: in.DateOfBirth, Anonymous: in.Anonymous}
	in.apply(u)
	if err := users.MayChange(s.token.Roles, nil, u); err != nil {
		h.fail(w, r, err)
		return
	}
	created, err := h.users.Create(r.Context(), s.actor(), s.org, users.NewRequest{User: u, CPR: in.CPR, Profile: users.AdminProfile, Activate: true})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := h.userJSON(r.Context(), created.User)
	out.ActivationCode = created.ActivationCode
	w.Header().Set("Location", Prefix+"/users/"+u.ID)
	w.Header().Set("ETag", httpx.VersionETag(u.Version).String())
	writeJSON(w, http.StatusCreated, out)
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, s *session) {
	u, err := h.users.Get(r.Context(), s.org, r.PathValue("id"))
	if d, ok := salvaged(err); ok {
		h.writeUnreadableUser(w, r, d)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := h.userJSON(r.Context(), u)
	out.Mail = h.mailState(r.Context(), tilgang.MailTarget{OrgID: u.OrgID, UserID: u.ID}, u.Email)
	w.Header().Set("ETag", httpx.VersionETag(u.Version).String())
	writeJSON(w, http.StatusOK, out)
}

func (h *Handler) writeUser(w http.ResponseWriter, r *http.Request, status int, u *tilgang.User) {
	out := h.userJSON(r.Context(), u)
	w.Header().Set("ETag", httpx.VersionETag(u.Version).String())
	writeJSON(w, status, out)
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	query := tilgang.UserQuery{Text: q.Get("q"), Cursor: q.Get("cursor")}
	if v := q.Get("status"); v != "" {
		query.Status = tilgang.Status(v)
		if !validStatus(query.Status) {
			h.fail(w, r, tilgang.Invalid("status", "status.invalid", "unknown status "+strconv.Quote(v)))
			return
		}
	}
	var err error
	if query.Limit, err = queryLimit(r, tilgang.MaxPageSize); err != nil {
		h.fail(w, r, err)
		return
	}
	page, err := h.users.List(r.Context(), s.org, query)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// Users whose records could not be read (logged by the service) are
	// listed by id after the others.
	items := make([]any, 0, len(page.Users)+len(page.Unreadable))
	for _, u := range page.Users {
		items = append(items, h.userJSON(r.Context(), u))
	}
	for _, id := range page.Unreadable {
		items = append(items, unreadableUserJSON{ID: id, Unavailable: unreadableRecord})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "nextCursor": page.NextCursor})
}

func validStatus(s tilgang.Status) bool {
	for _, v := range tilgang.Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// patchUser applies a JSON merge patch (RFC 7396) to the user's editable
// fields. Read-only and unknown fields are refused by name.
func (h *Handler) patchUser(w http.ResponseWriter, r *http.Request, s *session) {
	body, err := httpx.ReadBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	old, err := h.users.Get(r.Context(), s.org, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !httpx.IfMatch(r.Header, httpx.VersionETag(old.Version)) {
		writeProblem(w, r, &problem{Status: http.StatusPreconditionFailed, Code: "version.mismatch", Title: "The user has changed",
			Detail: "If-Match does not match the user's current version; read it again"})
		return
	}
	patched, err := mergeUserPatch(old, body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u := old.Clone()
	patched.apply(u)
	if err := users.MayChange(s.token.Roles, old, u); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.users.Update(r.Context(), s.actor(), s.org, old, u, users.AdminProfile); err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeUser(w, r, http.StatusOK, u)
}

// mergeUserPatch merges patch into the editable fields of u and decodes the
// result, so that types are checked exactly as on creation.
func mergeUserPatch(u *tilgang.User, patch []byte) (editableUser, error) {
	if err := checkPatchKeys(patch, editableUserFields, readOnlyFields); err != nil {
		return editableUser{}, err
	}
	doc, err := json.Marshal(editableOf(u))
	if err != nil {
		return editableUser{}, err
	}
	merged, err := jsonpatch.MergePatch(doc, patch)
	if err != nil {
		return editableUser{}, tilgang.Invalid("", "json.malformed", "the body is not a JSON merge patch object")
	}
	var e editableUser
	if err := httpx.Decode(merged, &e); err != nil {
		return editableUser{}, err
	}
	return e, nil
}

var editableUserFields = jsonNames(reflect.TypeFor[editableUser]())

// checkPatchKeys checks the top-level keys of a merge patch by their exact
// names. encoding/json matches names in any case, a merge patch does not:
// {"Phone": null} would remove nothing and answer 200, so other spellings
// are unknown fields. readOnly maps the fields a client sees but cannot
// change to the reason ("" for a plain "read-only").
func checkPatchKeys(patch []byte, editable map[string]bool, readOnly map[string]string) error {
	var keys map[string]json.RawMessage
	if err := httpx.Decode(patch, &keys); err != nil {
		return err
	}
	if keys == nil {
		// RFC 7396 would replace the whole resource with null.
		return &httpx.BodyError{Status: http.StatusBadRequest, Code: "json.type", Message: "a merge patch must be a JSON object"}
	}
	if nesting(patch) > maxPatchDepth {
		return &httpx.BodyError{Status: http.StatusBadRequest, Code: "json.too_deep",
			Message: fmt.Sprintf("the body nests objects and arrays more than %d deep", maxPatchDepth)}
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) { // sorted, so that the answer does not vary
		if why, ok := readOnly[k]; ok {
			if why == "" {
				why = k + " is read-only"
			}
			return tilgang.Invalid(k, "field.read_only", why)
		}
		if !editable[k] {
			return &httpx.BodyError{Status: http.StatusBadRequest, Code: "field.unknown", Field: k, Message: fmt.Sprintf("unknown field %q", k)}
		}
	}
	return nil
}

// maxPatchDepth is deeper than any field's value needs (roles: object,
// array, object). The merge-patch library reads a value again at every
// level, so a deeply nested body of 1 MiB would cost about a minute of CPU.
const maxPatchDepth = 8

// nesting returns how deeply the valid JSON value v nests objects and
// arrays.
func nesting(v []byte) int {
	depth, deepest, inString, escaped := 0, 0, false, false
	for _, c := range v {
		switch {
		case escaped:
			escaped = false
		case inString:
			escaped, inString = c == '\\', c != '"'
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// jsonNames returns the JSON names of struct type t's fields.
func jsonNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for f := range t.Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			names[name] = true
		}
	}
	return names
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, s *session) {
	u, err := h.users.Get(r.Context(), s.org, r.PathValue("id"))
	if d, ok := salvaged(err); ok {
		u, err = d, nil // erasure works whatever the record holds
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !httpx.IfMatch(r.Header, httpx.VersionETag(u.Version)) {
		writeProblem(w, r, &problem{Status: http.StatusPreconditionFailed, Code: "version.mismatch", Title: "The user has changed"})
		return
	}
	if err := users.MayManage(s.token.Roles, u); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.users.Delete(r.Context(), s.actor(), u); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// mayManage checks that the caller may deactivate, reactivate or start
// the activation of the user id (users.MayManage): a user-admin may not do
// it to an administrator. A user of another organisation is not found.
func (h *Handler) mayManage(r *http.Request, s *session, id string) error {
	u, err := h.users.Get(r.Context(), s.org, id)
	if err != nil {
		return err
	}
	return users.MayManage(s.token.Roles, u)
}
