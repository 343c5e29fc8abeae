package validate

import (
	"errors"
	"testing"
)

func TestPhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"danish", "12345678", "12345678"},
		{"danish grouped", " 12 34 56 78 ", "12345678"},
		{"no-break spaces", "12\u00a034\u00a056\u00a078", "12345678"},
		{"e164", "+4512345678", "+4512345678"},
		{"e164 grouped", "+45 12 34 56 78", "+4512345678"},
		{"00 prefix", "0045 12345678", "+4512345678"},
		{"shortest e164", "+1234567", "+1234567"},
		{"longest e164", "+123456789012345", "+123456789012345"},
		{"e164 too short", "+123456", ""},
		{"e164 too long", "+1234567890123456", ""},
		{"country code 0", "+0512345678", ""},
		{"000 prefix", "00045 12345678", ""},
		{"7 digits", "1234567", ""},
		{"9 digits", "123456789", ""},
		{"hyphens", "12-34-56-78", ""},
		{"letters", "1234567a", ""},
		{"plus only", "+", ""},
		{"two plus", "++4512345678", ""},
		{"scientific", "4,51235E+09", ""},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Phone(tc.in)
			if tc.want == "" {
				if !errors.Is(err, ErrPhoneFormat) || got != "" {
					t.Errorf("Phone(%q) = %q, %v; want ErrPhoneFormat", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("Phone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}
