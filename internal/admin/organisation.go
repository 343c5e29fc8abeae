package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/validate"
)

// organisationSettings are the fields an admin may PATCH.
type organisationSettings struct {
	Name                 string   `json:"name"`
	EANNumbers           []string `json:"eanNumbers"`
	PNumbers             []string `json:"pNumbers"`
	SENumbers            []string `json:"seNumbers"`
	AllowAnonymous       bool     `json:"allowAnonymous"`
	ReferenceTextEnabled bool     `json:"referenceTextEnabled"`
	AllowPrivateMitID    bool     `json:"allowPrivateMitID"`
	MaxAdmins            int      `json:"maxAdmins"`
	Language             string   `json:"language"`
	AdminEmails          []string `json:"adminEmails"`
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
		MaxAdmins: o.MaxAdmins, Language: o.Language, AdminEmails: nonNil(o.AdminEmails),
	}
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
	o := *s.org
	if err := in.applyTo(&o); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.store.UpdateOrganisation(r.Context(), &o); err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, organisationOf(&o))
}

var organisationFields = jsonNames(reflect.TypeFor[organisationSettings]())

// readOnlyOrganisationFields come from the organisation's registration and
// licence.
var readOnlyOrganisationFields = map[string]string{"id": "", "cvr": "", "ial": "", "createdAt": "", "updatedAt": "", "version": "",
	"maxAdmins": "maxAdmins is the licence limit on admin roles; the operator sets it"}

// Limits that keep an organisation well inside DynamoDB's 400 KB item, which
// it would otherwise refuse with an error that becomes a 5xx.
const (
	maxOrgNameLength = 200
	maxOrgNumbers    = 1000 // of each kind: large companies have many P-numbers
	maxAdminEmails   = 100
)

// applyTo validates the settings and copies them onto o.
func (in *organisationSettings) applyTo(o *tilgang.Organisation) error {
	var errs []*tilgang.Error
	if utf8.RuneCountInString(in.Name) > maxOrgNameLength {
		errs = append(errs, tilgang.Invalid("name", "field.too_long", "at most 200 characters"))
	}
	numbers := func(field string, list []string, limit int, check func(string) (string, error)) []string {
		if len(list) > limit {
			// Checked first: the de-duplication below is quadratic.
			errs = append(errs, tilgang.Invalid(field, "field.too_many", fmt.Sprintf("at most %d entries", limit)))
			return nil
		}
		out := make([]string, 0, len(list))
		for _, n := range list {
			v, err := check(n)
			if err != nil {
				errs = append(errs, fieldError(field, err))
				continue
			}
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		return out
	}
	o.EANNumbers = numbers("eanNumbers", in.EANNumbers, maxOrgNumbers, validate.EAN)
	o.PNumbers = numbers("pNumbers", in.PNumbers, maxOrgNumbers, validate.PNumber)
	o.SENumbers = numbers("seNumbers", in.SENumbers, maxOrgNumbers, validate.SENumber)
	o.AdminEmails = numbers("adminEmails", in.AdminEmails, maxAdminEmails, validate.Email)
	if strings.TrimSpace(in.Name) == "" {
		errs = append(errs, tilgang.Invalid("name", "field.required", "the organisation needs a name"))
	}
	if !slices.Contains(tilgang.Languages, in.Language) {
		errs = append(errs, tilgang.Invalid("language", "language.invalid", `language must be "da" or "en"`))
	}
	if in.MaxAdmins < 0 {
		errs = append(errs, tilgang.Invalid("maxAdmins", "field.invalid", "maxAdmins cannot be negative"))
	}
	o.Name, o.Language, o.MaxAdmins = in.Name, in.Language, in.MaxAdmins
	o.AllowAnonymous, o.ReferenceTextEnabled, o.AllowPrivateMitID = in.AllowAnonymous, in.ReferenceTextEnabled, in.AllowPrivateMitID
	return joinProblems(errs)
}

// fieldError blames field for err, one of validate's *tilgang.Error values.
func fieldError(field string, err error) *tilgang.Error {
	var e *tilgang.Error
	if errors.As(err, &e) {
		return e.At(field)
	}
	return tilgang.Invalid(field, "field.invalid", err.Error())
}

func joinProblems(errs []*tilgang.Error) error {
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	return errors.Join(all...)
}
