package validate

import (
	"fmt"
	"strings"
)

// Digits checks that s, without surrounding white space, is exactly n ASCII
// digits, and returns it so. A value that looks like a number Excel showed
// in scientific notation (2,56522E+12) gets ErrNumberScientific, whose
// message says how to fix the cell; anything else wrong gets an error that
// matches ErrNumberInvalid and names n. Digits panics if n < 1.
func Digits(s string, n int) (string, error) {
	if n < 1 {
		panic(fmt.Sprintf("validate: Digits with length %d", n))
	}
	s = strings.TrimSpace(s)
	if len(s) == n && allDigits(s) {
		return s, nil
	}
	if Scientific(s) {
		return "", ErrNumberScientific
	}
	return "", ErrNumberInvalid.WithMessage(fmt.Sprintf("the number must be exactly %d digits", n))
}

// EAN checks an EAN location number (13 digits).
func EAN(s string) (string, error) { return Digits(s, 13) }

// PNumber checks a P-number, the number of a production unit (10 digits).
func PNumber(s string) (string, error) { return Digits(s, 10) }

// SENumber checks an SE-number (8 digits).
func SENumber(s string) (string, error) { return Digits(s, 8) }

// CVR checks a CVR number (8 digits).
func CVR(s string) (string, error) { return Digits(s, 8) }

// IAL checks an identity assurance level: 3 (substantial, "betydelig") or
// 4 (high, "høj").
func IAL(v int) error {
	if v != 3 && v != 4 {
		return ErrIALRange
	}
	return nil
}

// Scientific reports whether s, without surrounding white space, has the
// shape of a number in scientific notation as Excel writes it: digits,
// optionally a decimal comma or point and more digits, E (or e), an
// optional sign, and digits. Such a cell has lost digits.
func Scientific(s string) bool {
	s = strings.TrimSpace(s)
	i := skipDigits(s, 0)
	if i == 0 {
		return false
	}
	if i < len(s) && (s[i] == ',' || s[i] == '.') {
		j := skipDigits(s, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i == len(s) || (s[i] != 'E' && s[i] != 'e') {
		return false
	}
	i++
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	j := skipDigits(s, i)
	return j > i && j == len(s)
}

// skipDigits returns the index of the first non-digit in s at or after i.
func skipDigits(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
