package users

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/validate"
)

// The rulebook: the rules of a user's fields (SPEC §4), the one place that
// applies them, whichever door the user comes through. Each rule has one
// code (tilgang/rules.go, validate, cpr); each field has its check below,
// found by the field's name.

// Problems that have a message of their own.
var (
	errIdentityRequired = tilgang.ErrRequired.At("cpr").WithMessage("give a CPR number or a date of birth")
	errCPRFuture        = cpr.ErrInvalidDate.At("cpr").WithMessage("the date in the CPR number lies in the future")
	// errCPRImmutable refuses a change of CPR number (SPEC §6: "CPR cannot
	// be changed"); delete and recreate the user instead.
	errCPRImmutable       = tilgang.ErrImmutable.At("cpr").WithMessage("the CPR number cannot be changed; delete and recreate the user")
	errAnonymityImmutable = tilgang.ErrImmutable.At("anonymous").WithMessage("anonymity is chosen at creation and cannot change")
	errIALAboveOrg        = validate.ErrIALRange.At("targetIal").WithMessage("the target IAL may not be higher than the organisation's IAL")
)

// judge applies the rulebook to u, a user that p's asker creates in org
// (old is nil) or changes from old, and brings u's values to their stored
// form: trimmed, e-mail and phone normalised, defaults filled in. It
// returns every problem at once, joined *tilgang.Error values that blame
// the admin API's field names.
//
// cprText is the CPR number the request gave, "" for none. judge returns
// the parsed number when it is new to the user, to be sealed, and the zero
// Number otherwise. A number given for a user that has one (old.CPR) is
// never compared with it (checkCPR).
func judge(p Profile, org *tilgang.Organisation, old, u *tilgang.User, cprText string, now time.Time) (cpr.Number, error) {
	r := &ruling{p: p, org: org, old: old, u: u, now: now}
	r.checkNames()
	r.checkEmail()
	r.checkUserName() // after the e-mail, which it may follow
	r.checkExternalID()
	r.checkPhone()
	r.checkCPR(cprText)
	r.checkDateOfBirth() // after the CPR number, whose date it must be
	r.checkIdentity()
	r.checkTargetIAL()
	r.checkNumbers()
	r.checkRoles() // before anonymity, so that " user-admin " is trimmed first
	r.checkAnonymity()
	r.checkReferenceText()
	r.checkLoginMeans()
	r.checkKind()
	r.checkLists()
	r.checkEnterprise()
	r.checkPlainText() // after the checks that trim, so that a trailing line break is simply trimmed
	if len(r.bugs) > 0 {
		return cpr.Number{}, errors.Join(r.bugs...) // not the user's problem: an internal error
	}
	all := make([]error, len(r.errs))
	for i, e := range r.errs {
		all[i] = e
	}
	return r.cpr, errors.Join(all...)
}

// ruling is one application of the rulebook: the user judged, what it is
// judged by, and the problems found.
type ruling struct {
	p        Profile
	org      *tilgang.Organisation
	old, u   *tilgang.User
	now      time.Time
	cpr      cpr.Number // a CPR number new to the user
	cprGiven bool       // the request gave a CPR number, valid or not
	errs     []*tilgang.Error
	bugs     []error
}

// fault records a problem, once per code and field.
func (r *ruling) fault(e *tilgang.Error) {
	for _, seen := range r.errs {
		if seen.Code == e.Code && seen.Field == e.Field {
			return
		}
	}
	r.errs = append(r.errs, e)
}

// invalid records err, a validator's *tilgang.Error, against field.
func (r *ruling) invalid(field string, err error) {
	var e *tilgang.Error
	if !errors.As(err, &e) {
		// Every validator returns a *tilgang.Error; anything else is a bug.
		r.bugs = append(r.bugs, fmt.Errorf("users: checking %s: %w", field, err))
		return
	}
	r.fault(e.At(field))
}

// require records field as missing if missing is true.
func (r *ruling) require(field string, missing bool) {
	if missing {
		r.fault(tilgang.ErrRequired.At(field))
	}
}

// length records field as too long if v exceeds its MaxLength.
func (r *ruling) length(field, v string) {
	if limit := MaxLength(field); limit > 0 && len(v) > limit && utf8.RuneCountInString(v) > limit {
		r.fault(tilgang.ErrTooLong.At(field).WithMessage(fmt.Sprintf("at most %d characters", limit)))
	}
}

// format brings *v to the stored form that check, a validator, gives it,
// or records check's problem against field. It reports whether there is a
// value: a blank one is made empty and left to the caller.
func (r *ruling) format(field string, v *string, check func(string) (string, error)) bool {
	if strings.TrimSpace(*v) == "" {
		*v = ""
		return false
	}
	if stored, err := check(*v); err != nil {
		r.invalid(field, err)
	} else {
		*v = stored
	}
	return true
}

// hasCPR reports whether the user has a CPR number or the request gives one.
func (r *ruling) hasCPR() bool { return r.cprGiven || !r.u.CPR.IsZero() }

// checkNames: first name and surname, trimmed.
func (r *ruling) checkNames() {
	u := r.u
	u.FirstName, u.LastName = strings.TrimSpace(u.FirstName), strings.TrimSpace(u.LastName)
	r.require("firstName", r.p.requireNames && u.FirstName == "")
	r.require("lastName", r.p.requireNames && u.LastName == "")
	r.length("firstName", u.FirstName)
	r.length("lastName", u.LastName)
}

// checkEmail: a bare address (validate.Email), stored with its domain in
// lower case.
func (r *ruling) checkEmail() {
	if !r.format("email", &r.u.Email, validate.Email) {
		r.require("email", r.p.requireEmail)
	}
}

// checkUserName: trimmed, required of every user (see
// Profile.userNameAsSent), and, when new or changed, free of look-alikes
// of mixed scripts and invisible characters (validate.UserName).
func (r *ruling) checkUserName() {
	u, old := r.u, r.old
	u.UserName = strings.TrimSpace(u.UserName)
	if !r.p.userNameAsSent {
		switch {
		case u.UserName == "":
			u.UserName = u.Email
		case old != nil && u.UserName == old.UserName && u.Email != old.Email &&
			tilgang.FoldUserName(old.UserName) == tilgang.FoldUserName(old.Email):
			u.UserName = u.Email // it was the address, as for every user made by hand or by a file
		}
	}
	// A missing e-mail that the profile requires is the problem to report.
	r.require("userName", u.UserName == "" && (r.p.userNameAsSent || !r.p.requireEmail))
	r.length("userName", u.UserName)
	// Look-alikes that folding cannot join are refused in a new or changed
	// userName only: a stored one must not stop a deactivation (SPEC §14).
	if u.UserName != "" && (old == nil || tilgang.FoldUserName(u.UserName) != tilgang.FoldUserName(old.UserName)) {
		if err := validate.UserName(u.UserName); err != nil {
			r.invalid("userName", err)
		}
	}
}

// checkExternalID: trimmed.
func (r *ruling) checkExternalID() {
	r.u.ExternalID = strings.TrimSpace(r.u.ExternalID)
	r.length("externalId", r.u.ExternalID)
}

// checkPhone: 8 digits or E.164 (validate.Phone), stored without spaces.
func (r *ruling) checkPhone() {
	r.format("phone", &r.u.Phone, validate.Phone)
}

// checkCPR reads the CPR number the request gave (cpr.Parse). A user's
// number never changes, and a number given for a user that has one is
// never compared with it: the answer would tell a caller who cannot read
// the number whether a guess is right (SPEC §14). The number is ignored
// (Profile.cprResent) or refused whatever it is. A number new to the user
// must not be dated after today: the century rules of the seventh digit let
// a CPR number's date run up to 2036 (4 and 9) and up to 2057 (5 to 8), and
// a person not yet born is a typing error.
func (r *ruling) checkCPR(text string) {
	if text == "" {
		return
	}
	r.cprGiven = true
	n, err := cpr.Parse(text)
	if err != nil {
		// Only the text's form, which says nothing of the stored number.
		r.invalid("cpr", err)
		return
	}
	if r.old != nil && !r.old.CPR.IsZero() {
		if !r.p.cprResent {
			r.fault(errCPRImmutable)
		}
		return
	}
	if n.BirthDate().Format(time.DateOnly) > tilgang.Today(r.now) {
		r.fault(errCPRFuture)
	}
	r.cpr = n
}

// checkDateOfBirth: YYYY-MM-DD or DDMMYYYY (validate.DateOfBirth), stored
// as YYYY-MM-DD. A user with a CPR number has the number's date: another
// one is refused, none is filled in.
func (r *ruling) checkDateOfBirth() {
	u := r.u
	u.DateOfBirth = strings.TrimSpace(u.DateOfBirth)
	if u.DateOfBirth != "" {
		d, err := validate.DateOfBirth(u.DateOfBirth, r.now.In(tilgang.Copenhagen()))
		if err != nil {
			r.invalid("dateOfBirth", err)
			return
		}
		u.DateOfBirth = d.Format(time.DateOnly)
	}
	var born string
	switch {
	case !r.cpr.IsZero():
		born = r.cpr.BirthDate().Format(time.DateOnly)
	case r.old != nil && !r.old.CPR.IsZero():
		born = r.old.DateOfBirth // set from the number when it was given
		if r.p.cprResent {
			// SCIM does not show the date of a CPR number (6 of its 10
			// digits), so it does not say whether a date sent is it either.
			u.DateOfBirth = born
			return
		}
	}
	if born == "" {
		return
	}
	if u.DateOfBirth != "" && u.DateOfBirth != born {
		r.fault(tilgang.ErrDOBMismatch)
	}
	u.DateOfBirth = born
}

// checkIdentity: a CPR number or a date of birth, where the profile
// requires one.
func (r *ruling) checkIdentity() {
	if r.p.requireIdentity && !r.hasCPR() && r.u.DateOfBirth == "" {
		r.fault(errIdentityRequired)
	}
}

// checkTargetIAL: 3 or 4 (validate.IAL), and no higher than the
// organisation's IAL.
func (r *ruling) checkTargetIAL() {
	u := r.u
	if u.TargetIAL == 0 {
		if r.p.requireTargetIAL {
			r.require("targetIal", true)
			return
		}
		u.TargetIAL = r.org.IAL
	}
	if err := validate.IAL(u.TargetIAL); err != nil {
		r.invalid("targetIal", err)
	} else if u.TargetIAL > r.org.IAL {
		r.fault(errIALAboveOrg)
	}
}

// checkNumbers: EAN, P- and SE-number, each one of the organisation's
// registered numbers of its kind (a malformed number is not one). See
// Profile.requireNumbers for an empty one.
func (r *ruling) checkNumbers() {
	u, org := r.u, r.org
	for _, n := range []struct {
		field        string
		v            *string
		registered   []string
		unregistered *tilgang.Error
	}{
		{"ean", &u.EAN, org.EANNumbers, tilgang.ErrEANUnregistered},
		{"pNumber", &u.PNumber, org.PNumbers, tilgang.ErrPNumberUnregistered},
		{"seNumber", &u.SENumber, org.SENumbers, tilgang.ErrSENumberUnregistered},
	} {
		*n.v = strings.TrimSpace(*n.v)
		switch {
		case *n.v != "":
			if !slices.Contains(n.registered, *n.v) {
				r.fault(n.unregistered)
			}
		case len(n.registered) == 0:
		case r.p.requireNumbers:
			r.fault(tilgang.ErrRequired.At(n.field).WithMessage("give one of the organisation's registered numbers"))
		case len(n.registered) == 1:
			*n.v = n.registered[0]
		}
	}
}

// checkRoles: every role trimmed, with a name; role names and units of at
// most maxEntryLength.
func (r *ruling) checkRoles() {
	for i, role := range r.u.Roles {
		role.Role, role.OrgUnit = strings.TrimSpace(role.Role), strings.TrimSpace(role.OrgUnit)
		r.u.Roles[i] = role
		if role.Role == "" {
			r.fault(tilgang.ErrRoleRequired)
		}
		r.length("roles", role.Role)
		r.length("roles", role.OrgUnit)
	}
}

// checkAnonymity: chosen at creation, where the organisation must allow
// it, and never changed; an anonymous user holds no admin role.
func (r *ruling) checkAnonymity() {
	u := r.u
	switch {
	case r.old == nil && u.Anonymous && !r.org.AllowAnonymous:
		r.fault(tilgang.ErrAnonymousNotAllowed)
	case r.old != nil && u.Anonymous != r.old.Anonymous:
		r.fault(errAnonymityImmutable)
	}
	if err := anonymousAdmin(u); err != nil {
		r.fault(err)
	}
}

// anonymousAdmin refuses an anonymous user with an admin role.
func anonymousAdmin(u *tilgang.User) *tilgang.Error {
	if u.Anonymous && u.IsAdmin() {
		return tilgang.ErrAnonymousAdmin
	}
	return nil
}

// checkReferenceText: only where the organisation has enabled reference
// texts.
func (r *ruling) checkReferenceText() {
	if r.u.ReferenceText != "" && !r.org.ReferenceTextEnabled {
		r.fault(tilgang.ErrReferenceTextDisabled)
	}
	r.length("referenceText", r.u.ReferenceText)
}

// checkLoginMeans: empty or PrivatID (activate with private MitID), which
// needs a CPR number and the organisation's allowing it.
func (r *ruling) checkLoginMeans() {
	switch r.u.LoginMeans {
	case "":
	case tilgang.LoginMeansPrivateMitID:
		if !r.hasCPR() {
			r.fault(tilgang.ErrLoginMeansNeedsCPR)
		}
		if !r.org.AllowPrivateMitID {
			r.fault(tilgang.ErrLoginMeansNotAllowed)
		}
	default:
		r.fault(tilgang.ErrLoginMeansValue)
	}
}

// checkKind: employee (the default) or external.
func (r *ruling) checkKind() {
	switch r.u.Kind {
	case "":
		r.u.Kind = tilgang.KindEmployee
	case tilgang.KindEmployee, tilgang.KindExternal:
	default:
		r.fault(tilgang.ErrKindInvalid)
	}
}

// checkLists: at most maxListEntries entries in each list, each of at most
// maxEntryLength characters.
func (r *ruling) checkLists() {
	u := r.u
	for _, l := range []struct {
		field   string
		n       int
		entries []string
	}{
		{"authenticators", len(u.Authenticators), u.Authenticators},
		{"rights", len(u.Rights), u.Rights},
		{"sealProfiles", len(u.SealProfiles), u.SealProfiles},
		{"roles", len(u.Roles), nil}, // entries checked by checkRoles
	} {
		if l.n > maxListEntries {
			r.fault(tilgang.ErrTooMany.At(l.field).WithMessage(fmt.Sprintf("at most %d entries", maxListEntries)))
		}
		for _, e := range l.entries {
			r.length(l.field, e)
		}
	}
}

// checkEnterprise: the enterprise extension's free text (SCIM).
func (r *ruling) checkEnterprise() {
	u := r.u
	r.length("department", u.Department)
	r.length("employeeNumber", u.EmployeeNumber)
	r.length("organization", u.Organization)
	r.length("manager", u.Manager)
}

// checkPlainText: every free-text field is one line of visible text, no
// control characters (tilgang.HasControl), since names and texts reach
// mail and pages (SPEC §14). E-mail, phone and numbers have formats of
// their own that allow none.
func (r *ruling) checkPlainText() {
	u := r.u
	for _, f := range []struct {
		field string
		v     []string
	}{
		{"userName", []string{u.UserName}},
		{"externalId", []string{u.ExternalID}},
		{"firstName", []string{u.FirstName}},
		{"lastName", []string{u.LastName}},
		{"referenceText", []string{u.ReferenceText}},
		{"department", []string{u.Department}},
		{"employeeNumber", []string{u.EmployeeNumber}},
		{"organization", []string{u.Organization}},
		{"manager", []string{u.Manager}},
		{"authenticators", u.Authenticators},
		{"rights", u.Rights},
		{"sealProfiles", u.SealProfiles},
		{"roles", roleTexts(u.Roles)},
	} {
		if slices.ContainsFunc(f.v, tilgang.HasControl) {
			r.fault(tilgang.ErrTextControl.At(f.field))
		}
	}
}

func roleTexts(roles []tilgang.Role) []string {
	out := make([]string, 0, 2*len(roles))
	for _, role := range roles {
		out = append(out, role.Role, role.OrgUnit)
	}
	return out
}
