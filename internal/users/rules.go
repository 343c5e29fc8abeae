package users

import (
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/validate"
)

// Rules say which of the optional rules of SPEC §4 apply to a request: a
// person typing into the admin API or a CSV file must give names and an
// identity; an identity provider need not.
type Rules struct {
	RequireNames    bool // first name and surname
	RequireIdentity bool // CPR number or date of birth
	// RequireNumbers makes EAN, P- and SE-number mandatory when the
	// organisation has any number of that kind (the CSV import's rule).
	RequireNumbers bool
}

// Length limits on free-text fields, so that no field can bloat an item
// towards DynamoDB's 400 KB.
const (
	maxNameLength  = 200
	maxTextLength  = 1000
	maxListEntries = 100
	// maxEntryLength bounds each entry of the lists (and a role's name and
	// unit): 100 entries of 200 characters in four lists would reach the
	// item limit, and DynamoDB would refuse the write with a 5xx.
	maxEntryLength = 100
)

// normalise checks u against the organisation's rules and brings its values
// to their stored form (trimmed e-mail, normalised phone, defaults). c is the
// CPR number the request gave, if any. It returns every problem at once.
func normalise(org *tilgang.Organisation, u *tilgang.User, c cpr.Number, r Rules, creating bool, now time.Time) error {
	var errs []error
	bad := func(field string, err error) {
		var ve *validate.Error
		var ce *cpr.Error
		switch {
		case errors.As(err, &ve):
			errs = append(errs, tilgang.Invalid(field, ve.Code, ve.Message))
		case errors.As(err, &ce):
			errs = append(errs, tilgang.Invalid(field, ce.Code, ce.Message))
		default:
			errs = append(errs, tilgang.Invalid(field, "field.invalid", err.Error()))
		}
	}
	invalid := func(field, code, msg string) { errs = append(errs, tilgang.Invalid(field, code, msg)) }

	u.FirstName, u.LastName = strings.TrimSpace(u.FirstName), strings.TrimSpace(u.LastName)
	if r.RequireNames && u.FirstName == "" {
		invalid("firstName", "field.required", "first name is required")
	}
	if r.RequireNames && u.LastName == "" {
		invalid("lastName", "field.required", "surname is required")
	}
	for _, f := range []struct{ field, v string }{{"userName", u.UserName}, {"externalId", u.ExternalID}, {"firstName", u.FirstName}, {"lastName", u.LastName}, {"department", u.Department}, {"employeeNumber", u.EmployeeNumber}, {"organization", u.Organization}, {"manager", u.Manager}} {
		if utf8.RuneCountInString(f.v) > maxNameLength {
			invalid(f.field, "field.too_long", "at most 200 characters")
		}
	}
	if utf8.RuneCountInString(u.ReferenceText) > maxTextLength {
		invalid("referenceText", "field.too_long", "at most 1000 characters")
	}

	if strings.TrimSpace(u.Email) == "" {
		invalid("email", "field.required", "e-mail is required")
	} else if e, err := validate.Email(u.Email); err != nil {
		bad("email", err)
	} else {
		u.Email = e
	}
	if u.Phone != "" {
		if p, err := validate.Phone(u.Phone); err != nil {
			bad("phone", err)
		} else {
			u.Phone = p
		}
	}
	u.UserName = strings.TrimSpace(u.UserName)
	if u.UserName == "" {
		u.UserName = u.Email
	}
	u.ExternalID = strings.TrimSpace(u.ExternalID)

	if u.DateOfBirth != "" {
		if d, err := validate.DateOfBirth(u.DateOfBirth, now.In(tilgang.Copenhagen())); err != nil {
			bad("dateOfBirth", err)
		} else {
			u.DateOfBirth = d.Format(time.DateOnly)
		}
	}
	if !c.IsZero() {
		born := c.BirthDate().Format(time.DateOnly)
		if born > tilgang.Today(now) {
			// The century rules allow dates up to 2036; a person not yet
			// born is a typing error.
			invalid("cpr", "cpr.invalid_date", "the date in the CPR number lies in the future")
		}
		if u.DateOfBirth != "" && u.DateOfBirth != born {
			invalid("dateOfBirth", "dateOfBirth.mismatch", "the date of birth does not match the CPR number")
		}
		u.DateOfBirth = born
	}
	if r.RequireIdentity && c.IsZero() && u.CPR.IsZero() && u.DateOfBirth == "" {
		invalid("cpr", "identity.required", "give a CPR number or a date of birth")
	}

	if u.TargetIAL == 0 {
		u.TargetIAL = org.IAL
	}
	if err := validate.IAL(u.TargetIAL); err != nil {
		bad("targetIal", err)
	} else if u.TargetIAL > org.IAL {
		invalid("targetIal", "ial.above_organisation", "the target IAL may not be higher than the organisation's IAL")
	}

	checkNumber := func(field string, v *string, registered []string) {
		switch {
		case *v == "" && len(registered) == 1 && !r.RequireNumbers:
			*v = registered[0] // the only choice; the seed guides pick it too
		case *v == "" && len(registered) > 0 && r.RequireNumbers:
			invalid(field, "number.required", "give one of the organisation's registered numbers")
		case *v != "" && !slices.Contains(registered, *v):
			invalid(field, "number.not_registered", "not one of the organisation's registered numbers")
		}
	}
	checkNumber("ean", &u.EAN, org.EANNumbers)
	checkNumber("pNumber", &u.PNumber, org.PNumbers)
	checkNumber("seNumber", &u.SENumber, org.SENumbers)

	// Roles are trimmed before the anonymity check, so that " user-admin "
	// cannot slip past it and be stored as user-admin.
	for i, role := range u.Roles {
		u.Roles[i].Role, u.Roles[i].OrgUnit = strings.TrimSpace(role.Role), strings.TrimSpace(role.OrgUnit)
		if u.Roles[i].Role == "" {
			invalid("roles", "role.required", "every role needs a name")
		}
		if utf8.RuneCountInString(u.Roles[i].Role) > maxEntryLength || utf8.RuneCountInString(u.Roles[i].OrgUnit) > maxEntryLength {
			invalid("roles", "field.too_long", "a role name or organisation unit has at most 100 characters")
		}
	}
	if u.Anonymous && creating && !org.AllowAnonymous {
		invalid("anonymous", "anonymous.not_allowed", "the organisation does not allow anonymous users")
	}
	if u.Anonymous && u.IsAdmin() {
		invalid("roles", "anonymous.admin", "an anonymous user cannot hold an admin role")
	}
	if u.ReferenceText != "" && !org.ReferenceTextEnabled {
		invalid("referenceText", "referenceText.disabled", "the organisation has not enabled reference texts")
	}
	switch u.LoginMeans {
	case "":
	case tilgang.LoginMeansPrivateMitID:
		if c.IsZero() && u.CPR.IsZero() {
			invalid("loginMeans", "loginMeans.needs_cpr", "activation with private MitID needs a CPR number")
		}
		if !org.AllowPrivateMitID {
			invalid("loginMeans", "loginMeans.not_allowed", "the organisation does not allow activation with private MitID")
		}
	default:
		invalid("loginMeans", "loginMeans.invalid", `login means must be "PrivatID" or empty`)
	}
	switch u.Kind {
	case "":
		u.Kind = tilgang.KindEmployee
	case tilgang.KindEmployee, tilgang.KindExternal:
	default:
		invalid("kind", "kind.invalid", `kind must be "employee" or "external"`)
	}
	for _, f := range []struct {
		field string
		n     int
	}{{"authenticators", len(u.Authenticators)}, {"rights", len(u.Rights)}, {"sealProfiles", len(u.SealProfiles)}, {"roles", len(u.Roles)}} {
		if f.n > maxListEntries {
			invalid(f.field, "field.too_many", "at most 100 entries")
		}
	}
	for _, f := range []struct {
		field string
		list  []string
	}{{"authenticators", u.Authenticators}, {"rights", u.Rights}, {"sealProfiles", u.SealProfiles}} {
		if slices.ContainsFunc(f.list, func(v string) bool { return utf8.RuneCountInString(v) > maxEntryLength }) {
			invalid(f.field, "field.too_long", "each entry has at most 100 characters")
		}
	}
	return errors.Join(errs...)
}

// changedFields names the fields that differ between old and u, for
// history. It names, never shows: the values may be personal data.
func changedFields(old, u *tilgang.User) []string {
	var f []string
	add := func(name string, changed bool) {
		if changed {
			f = append(f, name)
		}
	}
	add("userName", old.UserName != u.UserName)
	add("externalId", old.ExternalID != u.ExternalID)
	add("firstName", old.FirstName != u.FirstName)
	add("lastName", old.LastName != u.LastName)
	add("email", old.Email != u.Email)
	add("phone", old.Phone != u.Phone)
	add("cpr", old.CPR.Lookup != u.CPR.Lookup)
	add("dateOfBirth", old.DateOfBirth != u.DateOfBirth)
	add("referenceText", old.ReferenceText != u.ReferenceText)
	add("targetIal", old.TargetIAL != u.TargetIAL)
	add("ean", old.EAN != u.EAN)
	add("pNumber", old.PNumber != u.PNumber)
	add("seNumber", old.SENumber != u.SENumber)
	add("loginMeans", old.LoginMeans != u.LoginMeans)
	add("authenticators", !slices.Equal(old.Authenticators, u.Authenticators))
	add("rights", !slices.Equal(old.Rights, u.Rights))
	add("canSign", old.CanSign != u.CanSign)
	add("sealProfiles", !slices.Equal(old.SealProfiles, u.SealProfiles))
	add("kind", old.Kind != u.Kind)
	add("roles", !slices.Equal(old.Roles, u.Roles))
	add("department", old.Department != u.Department)
	add("employeeNumber", old.EmployeeNumber != u.EmployeeNumber)
	add("organization", old.Organization != u.Organization)
	add("manager", old.Manager != u.Manager)
	add("status", old.Status != u.Status)
	add("deactivation", !equalDeactivation(old.Deactivation, u.Deactivation))
	return f
}

func equalDeactivation(a, b *tilgang.Deactivation) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
