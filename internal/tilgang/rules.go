package tilgang

// The faults of a user's fields, one code each whichever door the user
// came through: the admin API, SCIM, a CSV row or the invitation page.
//
// The codes live in three places, each where every producer can import it:
//
//   - the format of one value (e-mail, phone, date of birth, IAL, numbers):
//     package validate (email.format, phone.format, dob.format, ial.range,
//     number.scientific, number.invalid);
//   - the form of a CPR number: package cpr (cpr.format, cpr.invalid_date,
//     cpr.leading_zero_lost, cpr.twelve_digits);
//   - the rules of SPEC §4 that are not about one value's format: here, so
//     that the CSV parser, which must not import the users package, can
//     name one too.
//
// The users package's rulebook is the one place that applies them. A
// sentinel names the field it is about where there is only one (the admin
// API's field name); the others are copied with At to blame a field.
// Compare with errors.Is, which matches by code (and by field when the
// sentinel names one).
var (
	ErrRequired  = &Error{Kind: KindInvalid, Code: "field.required", Message: "a value is required"}
	ErrTooLong   = &Error{Kind: KindInvalid, Code: "field.too_long", Message: "the value is too long"}
	ErrTooMany   = &Error{Kind: KindInvalid, Code: "field.too_many", Message: "the list has too many entries"}
	ErrImmutable = &Error{Kind: KindInvalid, Code: "field.immutable", Message: "the field cannot change once the user is created"}

	ErrDOBMismatch = &Error{Kind: KindInvalid, Code: "dob.cpr_mismatch", Field: "dateOfBirth",
		Message: "the date of birth does not match the CPR number"}

	ErrEANUnregistered = &Error{Kind: KindInvalid, Code: "ean.unregistered", Field: "ean",
		Message: "not one of the organisation's registered EAN numbers"}
	ErrPNumberUnregistered = &Error{Kind: KindInvalid, Code: "pnumber.unregistered", Field: "pNumber",
		Message: "not one of the organisation's registered P-numbers"}
	ErrSENumberUnregistered = &Error{Kind: KindInvalid, Code: "senumber.unregistered", Field: "seNumber",
		Message: "not one of the organisation's registered SE-numbers"}

	ErrAnonymousNotAllowed = &Error{Kind: KindInvalid, Code: "anonymous.not_allowed", Field: "anonymous",
		Message: "the organisation does not allow anonymous users"}
	ErrAnonymousAdmin = &Error{Kind: KindInvalid, Code: "anonymous.admin", Field: "roles",
		Message: "an anonymous user cannot hold an admin role"}

	ErrReferenceTextDisabled = &Error{Kind: KindInvalid, Code: "referencetext.disabled", Field: "referenceText",
		Message: "the organisation has not enabled reference texts"}

	ErrLoginMeansValue = &Error{Kind: KindInvalid, Code: "loginmeans.value", Field: "loginMeans",
		Message: `login means must be "PrivatID" or empty`}
	ErrLoginMeansNeedsCPR = &Error{Kind: KindInvalid, Code: "loginmeans.needs_cpr", Field: "loginMeans",
		Message: "activation with private MitID needs a CPR number"}
	ErrLoginMeansNotAllowed = &Error{Kind: KindInvalid, Code: "loginmeans.not_allowed", Field: "loginMeans",
		Message: "the organisation does not allow activation with private MitID"}

	ErrKindInvalid = &Error{Kind: KindInvalid, Code: "kind.invalid", Field: "kind",
		Message: `kind must be "employee" or "external"`}
	ErrRoleRequired = &Error{Kind: KindInvalid, Code: "role.required", Field: "roles",
		Message: "every role needs a name"}
)

// ErrTextControl refuses free text (names, an inviter's name, reference
// text) that holds a control character: such text reaches mail and pages,
// and a line break, a line or paragraph separator or a bidirectional
// control there lets a value pose as the message's own words or hide
// what it says (SPEC §14). Names are one line of visible text.
var ErrTextControl = &Error{Kind: KindInvalid, Code: "text.control",
	Message: "the text holds a line break, tab or other control character; write it on one line"}
