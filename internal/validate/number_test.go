package validate

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/tilgang"
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
	var e *tilgang.Error
	if !errors.As(err, &e) || e.Code != "number.invalid" || !strings.Contains(e.Message, "13") || !errors.Is(err, ErrNumberInvalid) {
		t.Errorf("Digits error = %#v, want number.invalid naming 13", e)
	}
	if strings.Contains(ErrNumberInvalid.Message, "13") {
		t.Errorf("Digits changed the sentinel: %q", ErrNumberInvalid.Message)
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
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrIALRange)) {
				t.Errorf("IAL(%d) = %v, want ok %v", tc.v, err, tc.ok)
			}
		})
	}
}

func TestScientific(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"2,56522E+12": true, "2.56522E+12": true, "6E+12": true, " 2,56522e12 ": true, "1,01019E+9": true,
		"E+12": false, "2,5E+": false, "2,E+12": false, "2,5E+12x": false, "12345678": false, "": false,
	} {
		if got := Scientific(in); got != want {
			t.Errorf("Scientific(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *tilgang.Error
		code string
	}{
		{ErrEmailFormat, "email.format"},
		{ErrPhoneFormat, "phone.format"},
		{ErrDOBFormat, "dob.format"},
		{errDOBFuture, "dob.format"},
		{ErrNumberInvalid, "number.invalid"},
		{ErrNumberScientific, "number.scientific"},
		{ErrIALRange, "ial.range"},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			if tc.err.Code != tc.code || tc.err.Kind != tilgang.KindInvalid || tc.err.Field != "" || tc.err.Message == "" {
				t.Errorf("%#v: want an invalid-value error %q without a field, with a message", tc.err, tc.code)
			}
			var e *tilgang.Error
			w := fmt.Errorf("line 4: %w", tc.err.At("phone"))
			if !errors.As(w, &e) || !errors.Is(w, &tilgang.Error{Code: tc.code}) || !errors.Is(w, tc.err) || e.Field != "phone" {
				t.Errorf("errors.As/Is do not see through wrapping and At")
			}
		})
	}
	for _, s := range []string{"Number with 0 decimals", "Text"} {
		if !strings.Contains(ErrNumberScientific.Message, s) {
			t.Errorf("scientific message does not say %q", s)
		}
	}
}
