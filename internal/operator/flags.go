package operator

import (
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// listFlag is a flag of many values: repeated (--ean A --ean B), or
// separated by commas or white space (--ean "A,B"). Set records that the
// flag was given, so an update can tell "no change" from "empty the list"
// (--ean "").
type listFlag struct {
	values []string
	set    bool
}

func (l *listFlag) String() string { return strings.Join(l.values, ",") }

func (l *listFlag) Set(s string) error {
	l.set = true
	l.values = append(l.values, splitList(s)...)
	return nil
}

// splitList splits s at commas, semicolons and white space, dropping
// empty entries: a list pasted from a spreadsheet or a CVR extract works
// as typed.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
}

// errExpiry is the message of every expiry that does not parse.
var errExpiry = errors.New(`an expiry is "never", a number of days (90d), a duration (36h), a date (2027-06-30) or a time (2027-06-30T12:00:00Z)`)

// maxExpiryDays bounds a relative expiry, so the sum cannot overflow.
const maxExpiryDays = 100 * 366

// parseExpiry reads an expiry relative to now: "" or "never" for none
// (the zero time), "<n>d" for n days, a Go duration ("36h"), a date
// (midnight UTC at its start) or an RFC 3339 time. A relative expiry must
// be positive; whether an absolute one is in the future is for the
// service to judge.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || strings.EqualFold(s, "never"):
		return time.Time{}, nil
	case strings.HasSuffix(s, "d") && len(s) > 1 && allDigits(s[:len(s)-1]):
		n, err := strconv.Atoi(s[:len(s)-1])
		if err != nil || n < 1 || n > maxExpiryDays {
			return time.Time{}, errExpiry
		}
		return now.AddDate(0, 0, n).UTC(), nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 || d > maxExpiryDays*24*time.Hour {
			return time.Time{}, errExpiry
		}
		return now.Add(d).UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, errExpiry
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// output prints v as JSON when asked for, else text writes it for people.
func (c *Call) output(v any, text func(w io.Writer)) error {
	if c.JSON {
		enc := json.NewEncoder(c.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	text(c.Stdout)
	return nil
}

// required returns a usage error naming the flags that were left empty.
func required(flags ...string) error {
	var missing []string
	for i := 0; i+1 < len(flags); i += 2 {
		if strings.TrimSpace(flags[i+1]) == "" {
			missing = append(missing, "--"+flags[i])
		}
	}
	if len(missing) > 0 {
		return Usagef("%s required", strings.Join(missing, ", ")+map[bool]string{true: " is", false: " are"}[len(missing) == 1])
	}
	return nil
}

// formatTime shows a time for people, or "-" for none.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
