package tilgang

// A write that gives a user a CPR number answers whether another user of
// the organisation holds the number (the CPR guard refuses it with
// ErrCPRTaken): each such answer is a CPR look-up, the same as a CSV row
// that finds its user by CPR number alone, and they share the
// organisation's daily allowance (SPEC §14). A write refused for a number
// that is taken spends one look-up; once the day's are spent, every write
// that gives a user a CPR number is refused with ErrCPRLookupLimit before
// the guard is looked at, so that the answer is the same whether the
// number is taken or not.

// CPRLookupBudget is an organisation's allowance of CPR look-ups on Day
// (YYYY-MM-DD, Europe/Copenhagen): PerDay.
type CPRLookupBudget struct {
	Day    string
	PerDay int
}

// ErrCPRLookupLimit refuses a CPR number once the organisation's CPR
// look-ups of the day are spent. Its code is the CSV import's for rows
// beyond the limit of look-ups.
var ErrCPRLookupLimit = &Error{Kind: KindLimit, Code: "cpr.lookup_limit", Field: "cpr",
	Message: "the organisation has checked as many CPR numbers against its users today as it may; give users a CPR number again tomorrow, and ask the other administrators why so many numbers were already taken"}
