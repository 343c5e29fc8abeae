package validate

import (
	"strings"
	"time"
)

// earliestBirthYear is the first year DateOfBirth accepts. Nobody alive was
// born earlier; an earlier year is a typing error.
const earliestBirthYear = 1875

// DateOfBirth reads a date of birth written YYYY-MM-DD (the API form) or
// DDMMYYYY (the CSV form) and returns it at midnight UTC. The date must
// exist, be no earlier than 1875 and not be after now's calendar date in
// now's location (pass the time in Europe/Copenhagen for Danish "today").
// The error is ErrDOBFormat, with a message of its own for a date in the
// future.
func DateOfBirth(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	var day, month, year int
	switch {
	case len(s) == 10 && s[4] == '-' && s[7] == '-' &&
		allDigits(s[:4]) && allDigits(s[5:7]) && allDigits(s[8:]):
		year, month, day = atoi(s[:4]), atoi(s[5:7]), atoi(s[8:])
	case len(s) == 8 && allDigits(s):
		day, month, year = atoi(s[:2]), atoi(s[2:4]), atoi(s[4:])
	default:
		return time.Time{}, ErrDOBFormat
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	// time.Date normalises 31 April to 1 May; a round trip catches that.
	if t.Day() != day || int(t.Month()) != month || year < earliestBirthYear {
		return time.Time{}, ErrDOBFormat
	}
	y, m, d := now.Date()
	if t.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
		return time.Time{}, errDOBFuture
	}
	return t, nil
}

// atoi converts a short string of ASCII digits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
