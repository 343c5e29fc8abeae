package filter

import (
	"cmp"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

// compareAll applies the compare operator op (lower case) with compare
// value cv to the values of an attribute: true if any value matches, except
// that ne, like eq null, matches an attribute without a value.
func compareAll(vs []any, op string, cv any, exact bool) bool {
	cv = canonical(cv)
	switch {
	case op == "pr":
		return present(vs)
	case cv == nil && op == "eq":
		return !present(vs)
	case cv == nil && op == "ne":
		return present(vs)
	case cv == nil:
		return false
	case op == "ne":
		if !present(vs) {
			return true
		}
		for _, v := range vs {
			if !equal(valueOf(v), cv, exact) {
				return true
			}
		}
		return false
	}
	for _, v := range vs {
		if compareOne(v, op, cv, exact) {
			return true
		}
	}
	return false
}

func compareOne(v any, op string, cv any, exact bool) bool {
	switch op {
	case "eq":
		return equal(valueOf(v), cv, exact)
	case "co", "sw", "ew":
		s, ok1 := text(valueOf(v))
		t, ok2 := text(cv)
		if !ok1 || !ok2 {
			return false
		}
		s, t = fold(s, exact), fold(t, exact)
		switch op {
		case "co":
			return strings.Contains(s, t)
		case "sw":
			return strings.HasPrefix(s, t)
		}
		return strings.HasSuffix(s, t)
	case "gt", "ge", "lt", "le":
		// No valueOf: ordering a complex value means nothing, even
		// through its "value".
		c, ok := order(v, cv, exact)
		if !ok {
			return false
		}
		switch op {
		case "gt":
			return c > 0
		case "ge":
			return c >= 0
		case "lt":
			return c < 0
		}
		return c <= 0
	}
	return false
}

// valueOf returns what a complex value is compared by: its "value"
// sub-attribute (`emails eq "a@x.dk"`, `manager eq "42"`).
func valueOf(v any) any {
	if m, ok := v.(map[string]any); ok {
		_, sv, _ := resource.Find(m, "value")
		return sv
	}
	return v
}

// equal compares a simple attribute value with a non-null compare value.
// Besides same-typed values it accepts what identity providers send for
// values stored with another type: "true" for a boolean, "42" for a
// number.
func equal(v, cv any, exact bool) bool {
	if b, ok := cv.(bool); ok {
		vb, ok := asBool(v)
		return ok && vb == b
	}
	if vb, ok := v.(bool); ok {
		b, ok := asBool(cv)
		return ok && vb == b
	}
	if c, ok := compareNumbers(v, cv); ok {
		return c == 0
	}
	s, ok1 := text(v)
	t, ok2 := text(cv)
	if !ok1 || !ok2 {
		return false
	}
	if a, b, ok := times(s, t); ok {
		return a.Equal(b)
	}
	return fold(s, exact) == fold(t, exact)
}

// order compares a simple attribute value with a compare value: numbers
// numerically, date-times chronologically, other strings lexicographically.
func order(v, cv any, exact bool) (int, bool) {
	switch v.(type) {
	case bool, map[string]any, []any, nil:
		return 0, false
	}
	if _, ok := cv.(bool); ok {
		return 0, false
	}
	if c, ok := compareNumbers(v, cv); ok {
		return c, true
	}
	s, ok1 := text(v)
	t, ok2 := text(cv)
	if !ok1 || !ok2 {
		return 0, false
	}
	if a, b, ok := times(s, t); ok {
		return a.Compare(b), true
	}
	return strings.Compare(fold(s, exact), fold(t, exact)), true
}

// canonical turns the numbers of a hand-built expression (the parser's
// non-Number functions give int and float64) into json.Number.
func canonical(cv any) any {
	switch n := cv.(type) {
	case int:
		return json.Number(strconv.Itoa(n))
	case int64:
		return json.Number(strconv.FormatInt(n, 10))
	case float64:
		return json.Number(strconv.FormatFloat(n, 'g', -1, 64))
	}
	return cv
}

// text returns strings, and numbers as written.
func text(v any) (string, bool) {
	switch v := canonical(v).(type) {
	case string:
		return v, true
	case json.Number:
		return string(v), true
	}
	return "", false
}

func fold(s string, exact bool) string {
	if exact {
		return s
	}
	return strings.ToLower(s)
}

func asBool(v any) (b, ok bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		switch {
		case strings.EqualFold(v, "true"):
			return true, true
		case strings.EqualFold(v, "false"):
			return false, true
		}
	}
	return false, false
}

// compareNumbers compares a number attribute value with a number, or a
// string holding one, numerically. A string attribute value is not
// converted: `externalId eq 12345` compares the text, as a key look-up of
// it would (see KeyLookup).
func compareNumbers(a, b any) (int, bool) {
	if _, ok := canonical(a).(json.Number); !ok {
		return 0, false
	}
	x, ok1 := text(a)
	y, ok2 := text(b)
	if !ok1 || !ok2 || !isJSONNumber(x) || !isJSONNumber(y) {
		return 0, false
	}
	if i, err := strconv.ParseInt(x, 10, 64); err == nil {
		if j, err := strconv.ParseInt(y, 10, 64); err == nil {
			return cmp.Compare(i, j), true
		}
	}
	// Out of range gives ±Inf, which still orders correctly.
	f, _ := strconv.ParseFloat(x, 64)
	g, _ := strconv.ParseFloat(y, 64)
	return cmp.Compare(f, g), true
}

// times parses both strings as RFC 3339 date-times.
func times(s, t string) (a, b time.Time, ok bool) {
	a, ok = parseTime(s)
	if !ok {
		return a, b, false
	}
	b, ok = parseTime(t)
	return a, b, ok
}

func parseTime(s string) (time.Time, bool) {
	// Skip the parse for what cannot be a date-time; most strings are not.
	if len(s) < len("2006-01-02T15:04:05Z") || s[4] != '-' || s[10] != 'T' && s[10] != 't' {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// present reports whether any value is non-empty: not null, "", [] or an
// object with nothing but empty values (RFC 7644's pr).
func present(vs []any) bool {
	for _, v := range vs {
		if !empty(v) {
			return true
		}
	}
	return false
}

func empty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return !present(v)
	case map[string]any:
		for _, sv := range v {
			if !empty(sv) {
				return false
			}
		}
		return true
	}
	return false
}
