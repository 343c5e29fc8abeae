package tilgang

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorIs(t *testing.T) {
	t.Parallel()
	wrapped := func(e *Error) error { return fmt.Errorf("context: %w", e) }
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"the sentinel itself", ErrRequired, ErrRequired, true},
		{"a copy blaming a field", wrapped(ErrRequired.At("email")), ErrRequired, true},
		{"a copy with its own message", wrapped(ErrTooLong.At("firstName").WithMessage("at most 200 characters")), ErrTooLong, true},
		{"a literal of the code", wrapped(ErrRequired.At("email")), &Error{Code: "field.required"}, true},
		{"a target naming the field", wrapped(ErrRequired.At("email")), &Error{Code: "field.required", Field: "email"}, true},
		{"a target naming another field", wrapped(ErrRequired.At("email")), &Error{Code: "field.required", Field: "cpr"}, false},
		{"same code, other field: CPR taken is no userName conflict", ErrCPRTaken, ErrUserNameTaken, false},
		{"a conflict found with its field", wrapped(&Error{Kind: KindConflict, Code: "user.exists", Field: "cpr"}), ErrCPRTaken, true},
		{"another code", ErrRequired, ErrTooLong, false},
		{"not an *Error", ErrRequired, errors.New("field.required"), false},
	}
	for _, tc := range tests {
		if got := errors.Is(tc.err, tc.target); got != tc.want {
			t.Errorf("%s: errors.Is = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAtAndWithMessageCopy(t *testing.T) {
	t.Parallel()
	before := *ErrRequired
	e := ErrRequired.At("email").WithMessage("give an address")
	if *ErrRequired != before {
		t.Fatalf("the sentinel changed: %+v", ErrRequired)
	}
	if e.Field != "email" || e.Message != "give an address" || e.Code != ErrRequired.Code || e.Kind != KindInvalid {
		t.Errorf("copy %+v", e)
	}
	if got := e.Error(); got != "email: give an address (field.required)" {
		t.Errorf("Error() = %q", got)
	}
}
