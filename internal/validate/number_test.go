package validate

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestDigits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func(string) (string, error)
		in   string
		want string
		err  error
	}{
		{"ean", EAN, "5790000123456", "5790000123456", nil},
		{"ean trimmed", EAN, " 5790000123456\t", "5790000123456", nil},
		{"ean 12", EAN, "579000012345", "", ErrNumberInvalid},
		{"ean scientific comma", EAN, "5,79E+12", "", ErrNumberScientific},
		{"ean scientific point", EAN, "2.56522E+12", "", ErrNumberScientific},
		{"ean scientific danish", EAN, "2,56522E+12", "", ErrNumberScientific},
		{"ean scientific no decimals", EAN, "6E+12", "", ErrNumberScientific},
		{"ean scientific lower case", EAN, " 2,56522e12 ", "", ErrNumberScientific},
		{"p-number", PNumber, "1003388394", "1003388394", nil},
		{"p-number letter", PNumber, "100338839O", "", ErrNumberInvalid},
		{"se-number", SENumber, "12345678", "12345678", nil},
		{"cvr", CVR, "12345678", "12345678", nil},
		{"cvr inner space", CVR, "1234 5678", "", ErrNumberInvalid},
		{"cvr with DK", CVR, "DK12345678", "", ErrNumberInvalid},
		{"cvr negative", CVR, "-1234567", "", ErrNumberInvalid},
		{"cvr decimals", CVR, "12345678,0", "", ErrNumberInvalid},
		{"not scientific: no mantissa", CVR, "E+12", "", ErrNumberInvalid},
		{"not scientific: no exponent", CVR, "2,5E+", "", ErrNumberInvalid},
		{"not scientific: empty fraction", CVR, "2,E+12", "", ErrNumberInvalid},
		{"not scientific: trailing", CVR, "2,5E+12x", "", ErrNumberInvalid},
		{"arabic-indic digits", CVR, "١٢٣٤٥٦٧٨", "", ErrNumberInvalid},
		{"empty", CVR, "", "", ErrNumberInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.fn(tc.in)
			if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) || got != tc.want {
				t.Errorf("%s(%q) = %q, %v; want %q, %v", tc.name, tc.in, got, err, tc.want, tc.err)
			}
		})
	}
}

func TestDigitsMessageNamesLength(t *testing.T) {
	t.Parallel()
	_, err := Digits("123", 13)
	var e *Error
	if !errors.As(err, &e) || e.Code != "number.invalid" ||
		!strings.Contains(e.Message, "13") || !strings.Contains(e.MessageDA, "13") {
		t.Errorf("Digits error = %#v, want number.invalid naming 13 in both languages", e)
	}
}

func TestDigitsPanicsOnBadLength(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("Digits(s, 0) did not panic")
		}
	}()
	Digits("", 0)
}

func TestIAL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v  int
		ok bool
	}{{2, false}, {3, true}, {4, true}, {5, false}, {0, false}, {-3, false}} {
		t.Run(fmt.Sprint(tc.v), func(t *testing.T) {
			t.Parallel()
			err := IAL(tc.v)
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrIALInvalid)) {
				t.Errorf("IAL(%d) = %v, want ok %v", tc.v, err, tc.ok)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *Error
		code string
	}{
		{ErrEmailInvalid, "email.invalid"},
		{ErrPhoneInvalid, "phone.invalid"},
		{ErrDateInvalid, "date.invalid"},
		{ErrDateFuture, "date.future"},
		{ErrNumberInvalid, "number.invalid"},
		{ErrNumberScientific, "number.scientific"},
		{ErrIALInvalid, "ial.invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			if tc.err.Code != tc.code || tc.err.Error() != tc.err.Message ||
				tc.err.Message == "" || tc.err.MessageDA == "" || tc.err.MessageDA == tc.err.Message {
				t.Errorf("%#v: want code %q and distinct English and Danish messages", tc.err, tc.code)
			}
			var e *Error
			if w := fmt.Errorf("line 4: %w", tc.err); !errors.As(w, &e) || !errors.Is(w, &Error{Code: tc.code}) {
				t.Errorf("errors.As/Is do not see through wrapping")
			}
		})
	}
	for _, s := range []string{"Number with 0 decimals", "Text"} {
		if !strings.Contains(ErrNumberScientific.Message, s) {
			t.Errorf("scientific message does not say %q", s)
		}
	}
}
