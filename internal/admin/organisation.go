package admin

import (
	"encoding/json"
	"net/http"
	"reflect"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// organisationSettings are the organisation's settings (tenants.Settings)
// as PATCH merges them, and maxAdmins, which the API shows among them but
// the operator sets.
type organisationSettings struct {
	Name                 string   `json:"name"`
	EANNumbers           []string `json:"eanNumbers"`
	PNumbers             []string `json:"pNumbers"`
	SENumbers            []string `json:"seNumbers"`
	AllowAnonymous       bool     `json:"allowAnonymous"`
	ReferenceTextEnabled bool     `json:"referenceTextEnabled"`
	AllowPrivateMitID    bool     `json:"allowPrivateMitID"`
	// RequirePasskeys makes a mailed console sign-in link good only for
	// registering a passkey.
	RequirePasskeys bool     `json:"requirePasskeys"`
	MaxAdmins       int      `json:"maxAdmins"`
	Language        string   `json:"language"`
	AdminEmails     []string `json:"adminEmails"`
	// GroupRoles give the members of a SCIM group a role (SPEC §5).
	GroupRoles []groupRoleJSON `json:"groupRoles"`
}

type groupRoleJSON struct {
	Group   string `json:"group"`
	Role    string `json:"role"`
	OrgUnit string `json:"orgUnit,omitempty"`
}

type organisationJSON struct {
	ID  string `json:"id"`
	CVR string `json:"cvr"`
	IAL int    `json:"ial"`
	organisationSettings
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	Version   int64     `json:"version"`
}

func settingsOf(o *tilgang.Organisation) organisationSettings {
	return organisationSettings{
		Name: o.Name, EANNumbers: nonNil(o.EANNumbers), PNumbers: nonNil(o.PNumbers), SENumbers: nonNil(o.SENumbers),
		AllowAnonymous: o.AllowAnonymous, ReferenceTextEnabled: o.ReferenceTextEnabled, AllowPrivateMitID: o.AllowPrivateMitID,
		RequirePasskeys: o.RequirePasskeys, MaxAdmins: o.MaxAdmins, Language: o.Language, AdminEmails: nonNil(o.AdminEmails),
		GroupRoles: groupRolesJSON(o.GroupRoles),
	}
}

func groupRolesJSON(m []tilgang.GroupRole) []groupRoleJSON {
	out := make([]groupRoleJSON, 0, len(m))
	for _, g := range m {
		out = append(out, groupRoleJSON(g))
	}
	return out
}

func (in *organisationSettings) settings() tenants.Settings {
	return tenants.Settings{
		Name: in.Name, EANNumbers: in.EANNumbers, PNumbers: in.PNumbers, SENumbers: in.SENumbers,
		AllowAnonymous: in.AllowAnonymous, ReferenceTextEnabled: in.ReferenceTextEnabled, AllowPrivateMitID: in.AllowPrivateMitID,
		RequirePasskeys: in.RequirePasskeys, Language: in.Language, AdminEmails: in.AdminEmails, GroupRoles: groupRolesOf(in.GroupRoles),
	}
}

func groupRolesOf(m []groupRoleJSON) []tilgang.GroupRole {
	var out []tilgang.GroupRole
	for _, g := range m {
		out = append(out, tilgang.GroupRole(g))
	}
	return out
}

func organisationOf(o *tilgang.Organisation) organisationJSON {
	return organisationJSON{ID: o.ID, CVR: o.CVR, IAL: o.IAL, organisationSettings: settingsOf(o),
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Version: o.Version}
}

func (h *Handler) getOrganisation(w http.ResponseWriter, r *http.Request, s *session) {
	writeJSON(w, http.StatusOK, organisationOf(s.org))
}

// patchOrganisation applies a JSON merge patch to the settings. id, cvr and
// ial come from the organisation's registration and are read-only.
func (h *Handler) patchOrganisation(w http.ResponseWriter, r *http.Request, s *session) {
	body, err := httpx.ReadBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := checkPatchKeys(body, organisationFields, readOnlyOrganisationFields); err != nil {
		h.fail(w, r, err)
		return
	}
	doc, _ := json.Marshal(settingsOf(s.org))
	merged, err := jsonpatch.MergePatch(doc, body)
	if err != nil {
		h.fail(w, r, tilgang.Invalid("", "json.malformed", "the body is not a JSON merge patch object"))
		return
	}
	var in organisationSettings
	if err := httpx.Decode(merged, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	o, err := h.tenants.UpdateSettings(r.Context(), s.org, in.settings())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, organisationOf(o))
}

var organisationFields = jsonNames(reflect.TypeFor[organisationSettings]())

// readOnlyOrganisationFields come from the organisation's registration and
// licence.
var readOnlyOrganisationFields = map[string]string{"id": "", "cvr": "", "ial": "", "createdAt": "", "updatedAt": "", "version": "",
	"maxAdmins": "maxAdmins is the licence limit on admin roles; the operator sets it"}
