package validate

import (
	"errors"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
)

func TestDateOfBirth(t *testing.T) {
	t.Parallel()
	cph, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		t.Fatal(err)
	}
	// 00:30 on 15 May in Copenhagen is still 14 May in UTC.
	now := time.Date(2025, time.May, 15, 0, 30, 0, 0, cph)
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name string
		in   string
		want time.Time
		err  *tilgang.Error
	}{
		{"api form", "1990-01-31", date(1990, time.January, 31), nil},
		{"csv form", "31011990", date(1990, time.January, 31), nil},
		{"trimmed", " 31011990 ", date(1990, time.January, 31), nil},
		{"29 Feb leap", "29022000", date(2000, time.February, 29), nil},
		{"29 Feb not leap", "1900-02-29", time.Time{}, ErrDOBFormat},
		{"31 Apr", "31041990", time.Time{}, ErrDOBFormat},
		{"month 13", "1990-13-01", time.Time{}, ErrDOBFormat},
		{"day 0", "00011990", time.Time{}, ErrDOBFormat},
		{"1875", "1875-01-01", date(1875, time.January, 1), nil},
		{"1874", "31121874", time.Time{}, ErrDOBFormat},
		{"today in now's location", "2025-05-15", date(2025, time.May, 15), nil},
		{"tomorrow", "16052025", time.Time{}, errDOBFuture},
		{"far future", "2999-01-01", time.Time{}, errDOBFuture},
		{"cpr form", "311290", time.Time{}, ErrDOBFormat},
		{"excel lost zero", "1011990", time.Time{}, ErrDOBFormat},
		{"dots", "31.01.1990", time.Time{}, ErrDOBFormat},
		{"slashes", "1990/01/31", time.Time{}, ErrDOBFormat},
		{"sign in year", "+990-01-31", time.Time{}, ErrDOBFormat},
		{"empty", "", time.Time{}, ErrDOBFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := DateOfBirth(tc.in, now)
			if tc.err == nil && err != nil {
				t.Fatalf("DateOfBirth(%q) error = %v, want none", tc.in, err)
			}
			var e *tilgang.Error
			if tc.err != nil && (!errors.Is(err, tc.err) || !errors.As(err, &e) || e.Message != tc.err.Message) {
				// The future has a message of its own, under the same code.
				t.Fatalf("DateOfBirth(%q) error = %v, want %v", tc.in, err, tc.err)
			}
			if !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Errorf("DateOfBirth(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}
