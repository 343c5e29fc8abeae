package tenants

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
	"github.com/tilgang/tilgang/internal/validate"
)

// Settings are the fields of an organisation that its company-admins may
// change. The rest comes from its registration (CVR, IAL) or its licence
// (MaxAdmins), which the operator sets.
type Settings struct {
	Name                 string
	EANNumbers           []string
	PNumbers             []string
	SENumbers            []string
	AllowAnonymous       bool
	ReferenceTextEnabled bool
	AllowPrivateMitID    bool
	RequirePasskeys      bool
	Language             string // one of tilgang.Languages
	AdminEmails          []string
	GroupRoles           []tilgang.GroupRole
}

// SettingsOf returns o's settings.
func SettingsOf(o *tilgang.Organisation) Settings {
	return Settings{
		Name: o.Name, EANNumbers: o.EANNumbers, PNumbers: o.PNumbers, SENumbers: o.SENumbers,
		AllowAnonymous: o.AllowAnonymous, ReferenceTextEnabled: o.ReferenceTextEnabled, AllowPrivateMitID: o.AllowPrivateMitID, RequirePasskeys: o.RequirePasskeys,
		Language: o.Language, AdminEmails: o.AdminEmails, GroupRoles: o.GroupRoles,
	}
}

// Limits that keep an organisation well inside DynamoDB's 400 KB item, which
// it would otherwise refuse with an error that becomes a 5xx.
const (
	maxOrgNameLength = 200
	maxOrgNumbers    = 1000 // of each kind: large companies have many P-numbers
	maxAdminEmails   = 100
	maxGroupRoles    = 100
	// maxGroupRef is the longest group reference: a displayName as long
	// as a user name, or an id.
	maxGroupRef = 256
)

// UpdateSettings checks in, normalises it (trimmed numbers and addresses,
// each once, in the order given) and stores it as org's settings. org is
// the organisation as read: if it has changed since, the answer is
// tilgang.ErrStale and nothing is stored. It returns the organisation as
// stored, or every invalid field at once as joined *tilgang.Error values;
// org itself is left as it was.
func (s *Service) UpdateSettings(ctx context.Context, org *tilgang.Organisation, in Settings) (*tilgang.Organisation, error) {
	o := *org
	if err := in.applyTo(&o); err != nil {
		return nil, err
	}
	if err := s.store.UpdateOrganisation(ctx, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// applyTo validates the settings and copies them onto o.
func (in *Settings) applyTo(o *tilgang.Organisation) error {
	var errs []error
	if utf8.RuneCountInString(in.Name) > maxOrgNameLength {
		errs = append(errs, tilgang.Invalid("name", "field.too_long", fmt.Sprintf("at most %d characters", maxOrgNameLength)))
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
	if tilgang.HasControl(in.Name) { // every mail names the organisation (SPEC §14)
		errs = append(errs, tilgang.ErrTextControl.At("name"))
	}
	if !slices.Contains(tilgang.Languages, in.Language) {
		errs = append(errs, tilgang.Invalid("language", "language.invalid", `language must be "da" or "en"`))
	}
	var groupErrs []error
	o.GroupRoles, groupErrs = checkGroupRoles(in.GroupRoles)
	errs = append(errs, groupErrs...)
	o.Name, o.Language = in.Name, in.Language
	o.AllowAnonymous, o.ReferenceTextEnabled, o.AllowPrivateMitID = in.AllowAnonymous, in.ReferenceTextEnabled, in.AllowPrivateMitID
	o.RequirePasskeys = in.RequirePasskeys
	return errors.Join(errs...)
}

// fieldError blames field for a value that a validator refused. The
// validators return only *tilgang.Error; anything else is a bug, passed on
// as it is so that it becomes an internal error, not the caller's fault.
func fieldError(field string, err error) error {
	var e *tilgang.Error
	if errors.As(err, &e) {
		return e.At(field)
	}
	return err
}

// checkGroupRoles trims the mappings and keeps each once. A role is named
// as a user's roles are (free text or an admin role); who may grant an
// admin role this way is the admin API's to check (SPEC §14).
func checkGroupRoles(in []tilgang.GroupRole) ([]tilgang.GroupRole, []error) {
	if len(in) > maxGroupRoles {
		return nil, []error{tilgang.Invalid("groupRoles", "field.too_many", fmt.Sprintf("at most %d entries", maxGroupRoles))}
	}
	var errs []error
	out := make([]tilgang.GroupRole, 0, len(in))
	for _, m := range in {
		m = tilgang.GroupRole{Group: strings.TrimSpace(m.Group), Role: strings.TrimSpace(m.Role), OrgUnit: strings.TrimSpace(m.OrgUnit)}
		switch {
		case m.Group == "" || m.Role == "":
			errs = append(errs, tilgang.Invalid("groupRoles", "field.required", "each entry needs a group and a role"))
		case utf8.RuneCountInString(m.Group) > maxGroupRef:
			errs = append(errs, tilgang.Invalid("groupRoles", "field.too_long", fmt.Sprintf("a group is named in at most %d characters", maxGroupRef)))
		case utf8.RuneCountInString(m.Role) > users.MaxLength("roles") || utf8.RuneCountInString(m.OrgUnit) > users.MaxLength("roles"):
			errs = append(errs, tilgang.Invalid("groupRoles", "field.too_long", fmt.Sprintf("a role and an organisation unit have at most %d characters", users.MaxLength("roles"))))
		case !slices.Contains(out, m):
			out = append(out, m)
		}
	}
	return out, errs
}
