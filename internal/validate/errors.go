// Package validate checks and normalises single field values. The users
// rulebook (admin API, SCIM, CSV import, invitation page) and the
// organisation's settings share it, so a value is accepted or refused the
// same way, with the same code, whichever way it arrives.
//
// Every function is pure: no clock, no configuration, no I/O.
package validate

import "github.com/tilgang/tilgang/internal/tilgang"

// The errors the validators return: *tilgang.Error values of kind
// tilgang.KindInvalid that name no field, since a validator does not know
// which field it checks; the caller blames one with At. Codes are stable
// (receipts, API answers and tests match on them); messages are English.
// Compare with errors.Is, which matches by code.
var (
	ErrEmailFormat = &tilgang.Error{Kind: tilgang.KindInvalid, Code: "email.format",
		Message: "not a valid e-mail address; write the bare address, like name@example.dk"}
	ErrPhoneFormat = &tilgang.Error{Kind: tilgang.KindInvalid, Code: "phone.format",
		Message: "a phone number must be 8 digits, or + followed by country code and number"}
	// ErrDOBFormat refuses a date of birth that is not a real date written
	// YYYY-MM-DD or DDMMYYYY, lies before 1875 or lies in the future.
	ErrDOBFormat = &tilgang.Error{Kind: tilgang.KindInvalid, Code: "dob.format",
		Message: "not a valid date of birth; write YYYY-MM-DD or DDMMYYYY, no earlier than 1875"}
	ErrNumberInvalid = &tilgang.Error{Kind: tilgang.KindInvalid, Code: "number.invalid",
		Message: "the number has the wrong length or holds other characters than digits"}
	ErrNumberScientific = &tilgang.Error{Kind: tilgang.KindInvalid, Code: "number.scientific",
		Message: "the number is written in scientific notation (like 2,56522E+12), which loses digits; " +
			"format the column as Number with 0 decimals or as Text, and enter the number again"}
	// ErrUserNameScripts refuses a userName whose letters mix Latin,
	// Cyrillic and Greek (UserName).
	ErrUserNameScripts = &tilgang.Error{Kind: tilgang.KindInvalid, Code: "username.mixed_scripts",
		Message: "the user name mixes letters of Latin, Cyrillic or Greek script, which look alike; write it in one script"}
	// ErrUserNameInvisible refuses a userName with an invisible format
	// character (UserName).
	ErrUserNameInvisible = &tilgang.Error{Kind: tilgang.KindInvalid, Code: "username.invisible",
		Message: "the user name holds an invisible character (such as a zero-width space or a soft hyphen)"}
	ErrIALRange = &tilgang.Error{Kind: tilgang.KindInvalid, Code: "ial.range",
		Message: "IAL must be 3 (substantial) or 4 (high)"}
)

// errDOBFuture is ErrDOBFormat for a date that has not come yet.
var errDOBFuture = ErrDOBFormat.WithMessage("the date of birth lies in the future")
