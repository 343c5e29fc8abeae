package cpr

// Error is a problem with a CPR number as the user wrote it. Code is stable
// (receipts, API answers and tests match on it); Message is English and
// MessageDA Danish, so that callers can answer in the organisation's language.
//
// Messages never contain the number itself: an error is logged and shown far
// more widely than the number may be.
type Error struct {
	Code      string
	Message   string
	MessageDA string
}

// Error returns the English message.
func (e *Error) Error() string { return e.Message }

// Is reports whether target is an *Error with the same Code, so that
// errors.Is matches a sentinel even if a caller builds its own *Error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// The errors Parse returns. Compare with errors.Is; read the fields with
// errors.As.
var (
	ErrFormat = &Error{
		Code:      "cpr.format",
		Message:   "A CPR number must be 10 digits, written DDMMYYSSSS or DDMMYY-SSSS.",
		MessageDA: "Et CPR-nummer skal være 10 cifre, skrevet DDMMÅÅSSSS eller DDMMÅÅ-SSSS.",
	}
	ErrInvalidDate = &Error{
		Code:      "cpr.invalid_date",
		Message:   "The first six digits of the CPR number (DDMMYY) are not a real date.",
		MessageDA: "De første seks cifre i CPR-nummeret (DDMMÅÅ) er ikke en gyldig dato.",
	}
	ErrLeadingZeroLost = &Error{
		Code: "cpr.leading_zero_lost",
		Message: "The CPR number has 9 digits: Excel has removed its leading zero. " +
			"Format the column as Text and re-enter the number with its leading zero.",
		MessageDA: "CPR-nummeret har 9 cifre: Excel har fjernet det foranstillede nul. " +
			"Formatér kolonnen som Tekst, og indtast nummeret igen med nullet foran.",
	}
	ErrTwelveDigits = &Error{
		Code: "cpr.twelve_digits",
		Message: "The CPR number has 12 digits (DDMMYYYYSSSS). " +
			"Use 10 digits, DDMMYYSSSS, with a two-digit year.",
		MessageDA: "CPR-nummeret har 12 cifre (DDMMÅÅÅÅSSSS). " +
			"Brug 10 cifre, DDMMÅÅSSSS, med tocifret årstal.",
	}
)
