package operator

import (
	"strings"
	"testing"
	"time"
)

var fuzzNow = time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)

func TestParseExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Time // zero: none
		bad  bool
	}{
		{in: ""}, {in: "never"}, {in: " Never "},
		{in: "90d", want: fuzzNow.AddDate(0, 0, 90)},
		{in: "36h", want: fuzzNow.Add(36 * time.Hour)},
		{in: "2027-06-30", want: time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)},
		{in: "2027-06-30T12:00:00+02:00", want: time.Date(2027, 6, 30, 10, 0, 0, 0, time.UTC)},
		{in: "0d", bad: true}, {in: "-3d", bad: true}, {in: "-1h", bad: true}, {in: "0s", bad: true},
		{in: "d", bad: true}, {in: "soon", bad: true}, {in: "99999999999999999999d", bad: true},
		{in: "30.06.2027", bad: true}, {in: "1e9h", bad: true},
	}
	for _, tt := range tests {
		got, err := parseExpiry(tt.in, fuzzNow)
		if tt.bad != (err != nil) || !got.Equal(tt.want) {
			t.Errorf("parseExpiry(%q) = %v, %v; want %v (error: %v)", tt.in, got, err, tt.want, tt.bad)
		}
	}
}

// FuzzParseExpiry: any text gives an error or a time; a relative expiry
// is in the future and at most maxExpiryDays away; none is "never".
func FuzzParseExpiry(f *testing.F) {
	for _, s := range []string{"", "never", "90d", "36h", "2027-06-30", "2027-06-30T12:00:00Z", "-3d", "1e9h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseExpiry(s, fuzzNow)
		if err != nil {
			if !got.IsZero() {
				t.Fatalf("%q: error %v with time %v", s, err, got)
			}
			return
		}
		trimmed := strings.TrimSpace(s)
		relative := strings.HasSuffix(trimmed, "d") || strings.HasSuffix(trimmed, "h") || strings.HasSuffix(trimmed, "m") || strings.HasSuffix(trimmed, "s")
		if got.IsZero() && trimmed != "" && !strings.EqualFold(trimmed, "never") {
			t.Fatalf("%q: no expiry", s)
		}
		if !got.IsZero() && got.Location() != time.UTC {
			t.Fatalf("%q: %v not in UTC", s, got)
		}
		if relative && !got.IsZero() && len(trimmed) < 20 {
			if !got.After(fuzzNow) || got.After(fuzzNow.AddDate(0, 0, maxExpiryDays+1)) {
				t.Fatalf("%q: relative expiry %v out of range", s, got)
			}
		}
	})
}

func TestSplitList(t *testing.T) {
	t.Parallel()
	var l listFlag
	for _, v := range []string{"5790000123456, 5790000654321", "", "1012345678;1087654321\t12345678"} {
		if err := l.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	want := "5790000123456,5790000654321,1012345678,1087654321,12345678"
	if !l.set || l.String() != want {
		t.Fatalf("got %q (set %v), want %q", l.String(), l.set, want)
	}
	var empty listFlag
	_ = empty.Set("")
	if !empty.set || len(empty.values) != 0 {
		t.Fatalf(`--ean "" must set an empty list: %+v`, empty)
	}
}

// FuzzSplitList: entries are never empty, never hold a separator, and
// together are the input without its separators.
func FuzzSplitList(f *testing.F) {
	for _, s := range []string{"", "5790000123456", "a,b", " 1012345678 ;; 1087654321 ", "\n,\t", "æ,ø;å"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := splitList(s)
		strip := strings.NewReplacer(",", "", ";", "", " ", "", "\t", "", "\n", "", "\r", "")
		for _, e := range got {
			if e == "" || strip.Replace(e) != e {
				t.Fatalf("%q: entry %q", s, e)
			}
		}
		if strings.Join(got, "") != strip.Replace(s) {
			t.Fatalf("%q: %q lost or added text", s, got)
		}
	})
}
