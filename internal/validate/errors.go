// Package validate checks and normalises single field values. The admin
// API, SCIM and the CSV import share it, so a value is accepted or refused
// the same way, with the same code, whichever way it arrives.
//
// Every function is pure: no clock, no configuration, no I/O.
package validate

// Error is a refused value. Code is stable (receipts, API answers and tests
// match on it); Message is English and MessageDA Danish, so that callers can
// answer in the organisation's language.
type Error struct {
	Code      string
	Message   string
	MessageDA string
}

// Error returns the English message.
func (e *Error) Error() string { return e.Message }

// Is reports whether target is an *Error with the same Code, so that
// errors.Is matches a sentinel even when the error returned carries a more
// specific message (as Digits' errors do).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// The errors the validators return. Compare with errors.Is; read the fields
// with errors.As.
var (
	ErrEmailInvalid = &Error{
		Code:      "email.invalid",
		Message:   "Not a valid e-mail address. Write the bare address, like name@example.dk.",
		MessageDA: "Ikke en gyldig e-mailadresse. Skriv kun selve adressen, fx navn@eksempel.dk.",
	}
	ErrPhoneInvalid = &Error{
		Code:      "phone.invalid",
		Message:   "A phone number must be 8 digits, or + followed by country code and number.",
		MessageDA: "Et telefonnummer skal være 8 cifre eller + efterfulgt af landekode og nummer.",
	}
	ErrDateInvalid = &Error{
		Code:      "date.invalid",
		Message:   "Not a valid date of birth. Write YYYY-MM-DD or DDMMYYYY, no earlier than 1875.",
		MessageDA: "Ikke en gyldig fødselsdato. Skriv ÅÅÅÅ-MM-DD eller DDMMÅÅÅÅ, tidligst 1875.",
	}
	ErrDateFuture = &Error{
		Code:      "date.future",
		Message:   "The date of birth is in the future.",
		MessageDA: "Fødselsdatoen ligger i fremtiden.",
	}
	ErrNumberInvalid = &Error{
		Code:      "number.invalid",
		Message:   "The number has the wrong length or contains other characters than digits.",
		MessageDA: "Nummeret har forkert længde eller indeholder andet end cifre.",
	}
	ErrNumberScientific = &Error{
		Code: "number.scientific",
		Message: "Excel has shown the number in scientific notation (like 2,56522E+12), " +
			"which loses digits. Format the column as Number with 0 decimals or as Text, " +
			"and re-enter the number.",
		MessageDA: "Excel har vist tallet i videnskabelig notation (fx 2,56522E+12), " +
			"så cifre er gået tabt. Formatér kolonnen som Tal med 0 decimaler eller som Tekst, " +
			"og indtast tallet igen.",
	}
	ErrIALInvalid = &Error{
		Code:      "ial.invalid",
		Message:   "IAL must be 3 (substantial) or 4 (high).",
		MessageDA: "IAL skal være 3 (betydelig) eller 4 (høj).",
	}
)
