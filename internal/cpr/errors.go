package cpr

import "github.com/tilgang/tilgang/internal/tilgang"

// The errors Parse returns: problems with a CPR number as the user wrote
// it, as *tilgang.Error values of kind tilgang.KindInvalid that name no
// field (the caller blames one with At). Codes are stable (receipts, API
// answers and tests match on them); messages are English. Compare with
// errors.Is, which matches by code.
//
// Messages never contain the number itself: an error is logged and shown far
// more widely than the number may be.
var (
	ErrFormat = &tilgang.Error{Kind: tilgang.KindInvalid, Code: "cpr.format",
		Message: "a CPR number must be 10 digits, written DDMMYYSSSS or DDMMYY-SSSS"}
	ErrInvalidDate = &tilgang.Error{Kind: tilgang.KindInvalid, Code: "cpr.invalid_date",
		Message: "the first six digits of the CPR number (DDMMYY) are not a real date"}
	ErrLeadingZeroLost = &tilgang.Error{Kind: tilgang.KindInvalid, Code: "cpr.leading_zero_lost",
		Message: "the CPR number has 9 digits: Excel has removed its leading zero; " +
			"format the column as Text and enter the number again with its leading zero"}
	ErrTwelveDigits = &tilgang.Error{Kind: tilgang.KindInvalid, Code: "cpr.twelve_digits",
		Message: "the CPR number has 12 digits (DDMMYYYYSSSS); use 10 digits, DDMMYYSSSS, with a two-digit year"}
)
