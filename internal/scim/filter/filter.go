// Package filter parses and evaluates SCIM filters (RFC 7644 §3.4.2.2)
// against resources in the generic form of package resource.
//
// Parsing is done by github.com/scim2/filter-parser/v2 after Normalise has
// rewritten the dialects of identity providers into RFC 7644 syntax. Parse
// adds what the parser lacks: limits on size and nesting, full filters
// inside value paths (the parser accepts at most two comparisons there),
// decoding of JSON escapes in string values, and errors that a SCIM client
// can act on.
package filter

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	fp "github.com/scim2/filter-parser/v2"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

// Expression is a parsed filter: a *fp.AttributeExpression,
// *fp.LogicalExpression, *fp.NotExpression or *fp.ValuePath.
type Expression = fp.Expression

// Limits on filters, so that a hostile filter costs little to reject.
const (
	MaxLength = 4096 // bytes, before normalisation
	MaxDepth  = 32   // nested parentheses and brackets
)

// Parse normalises s (see Normalise) and parses it. String compare values
// come back with their JSON escapes decoded, numbers as json.Number. The
// error is a *resource.Error with ScimType "invalidFilter".
func Parse(s string) (Expression, error) {
	switch {
	case len(s) > MaxLength:
		return nil, resource.InvalidFilter(fmt.Sprintf("filter is longer than %d bytes", MaxLength))
	case !utf8.ValidString(s):
		return nil, resource.InvalidFilter("filter is not valid UTF-8")
	}
	n := Normalise(s)
	if n == "" {
		return nil, resource.InvalidFilter("filter is empty")
	}
	if err := checkStructure(n); err != nil {
		return nil, err
	}
	e, err := parse(n)
	if err != nil {
		return nil, err
	}
	if err := checkValues(e); err != nil {
		return nil, err
	}
	return e, nil
}

// checkStructure reports unterminated strings, unbalanced brackets, too
// deep nesting and characters that have no place outside strings before the
// parser sees s: its own errors for these are hard to read, the depth bounds
// its recursion, and it is slow enough (microseconds a byte) that rejecting
// junk early is worth it.
func checkStructure(s string) error {
	var open []byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			end, ok := stringEnd(s, i)
			if !ok {
				return resource.InvalidFilter(fmt.Sprintf("string starting at byte %d has no closing quote: %s", i, excerpt(s[i:])))
			}
			i = end - 1
		case '(', '[':
			if open = append(open, c); len(open) > MaxDepth {
				return resource.InvalidFilter(fmt.Sprintf("filter is nested deeper than %d levels", MaxDepth))
			}
		case ')', ']':
			if len(open) == 0 || !matches(open[len(open)-1], c) {
				return resource.InvalidFilter(fmt.Sprintf("unexpected %q at byte %d: %s", c, i, excerpt(s[i:])))
			}
			open = open[:len(open)-1]
		default:
			if !grammarByte(c) {
				return resource.InvalidFilter(fmt.Sprintf("unexpected character %s at byte %d: %s", quoteRune(s[i:]), i, excerpt(s[i:])))
			}
		}
	}
	if len(open) > 0 {
		return resource.InvalidFilter(fmt.Sprintf("%q is not closed", open[len(open)-1]))
	}
	return nil
}

// grammarByte reports whether c may occur outside strings: in attribute
// paths (URNs, names, "$ref"), numbers, keywords and between them.
func grammarByte(c byte) bool {
	switch {
	case isAlpha(c), isDigit(c):
		return true
	}
	return strings.IndexByte(" :._-$+", c) >= 0
}

// quoteRune quotes the first character of s for a message.
func quoteRune(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	return strconv.QuoteRune(r)
}

// excerpt shortens s for an error message.
func excerpt(s string) string {
	const max = 40
	if len(s) > max {
		// Cut at a rune boundary so the message stays valid UTF-8.
		i := max
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i] + "…"
	}
	return s
}

// placeholder stands in for the inside of a value path while the parser
// reads the rest; the real value filter is parsed on its own.
const placeholder = "value pr"

// parse parses the normalised, well-formed (see checkStructure) filter s.
// Two things are kept from the parser:
//
//   - value paths: the parser accepts only `a op x`, `a op x and|or b op y`
//     and `not (…)` inside brackets, while RFC 7644's valFilter is any
//     filter. Each top-level [...] is cut out, parsed recursively, and put
//     back into the ValuePath the parser produced for the placeholder.
//   - string values: the parser takes microseconds per byte of a string and
//     returns it undecoded. Each is replaced by "" and put back, decoded,
//     into the AttributeExpression the parser produced for it.
//
// Both rely on walk visiting expressions in the order they are written.
func parse(s string) (Expression, error) {
	var (
		outer  strings.Builder
		inners []string
		strs   []string
		depth  int
		start  int
	)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			end, _ := stringEnd(s, i)
			if depth == 0 {
				outer.WriteString(`""`)
				strs = append(strs, s[i:end])
			}
			i = end - 1
		case '[':
			if depth++; depth == 1 {
				outer.WriteByte('[')
				start = i + 1
			}
		case ']':
			if depth--; depth == 0 {
				inners = append(inners, s[start:i])
				outer.WriteString(placeholder + "]")
			}
		default:
			if depth == 0 {
				outer.WriteByte(s[i])
			}
		}
	}
	e, err := parseFlat(outer.String())
	if err != nil {
		return nil, syntaxError(s)
	}
	var (
		paths []*fp.ValuePath
		attrs []*fp.AttributeExpression
	)
	walk(e, func(e Expression) {
		switch e := e.(type) {
		case *fp.ValuePath:
			paths = append(paths, e)
		case *fp.AttributeExpression:
			if _, ok := e.CompareValue.(string); ok {
				attrs = append(attrs, e)
			}
		}
	})
	if len(paths) != len(inners) || len(attrs) != len(strs) {
		// Only possible if a bracket or a string were something else than
		// a value path or a compare value, which the grammar rules out.
		return nil, syntaxError(s)
	}
	for i, a := range attrs {
		var v string
		if err := json.Unmarshal([]byte(strs[i]), &v); err != nil {
			return nil, resource.InvalidFilter(fmt.Sprintf("string %s is not a valid JSON string (RFC 8259 §7)", excerpt(strs[i])))
		}
		a.CompareValue = v
	}
	for i, vp := range paths {
		if strings.TrimSpace(inners[i]) == "" {
			return nil, resource.InvalidFilter(fmt.Sprintf("value filter of %s is empty", vp.AttributePath))
		}
		if vp.ValueFilter, err = parse(inners[i]); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// parseFlat runs the parser, turning its panics into errors: it is third
// party code fed with untrusted input, and a panic must not take a request
// down with it.
func parseFlat(s string) (e Expression, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("parser panic: %v", r)
		}
	}()
	e, err = fp.ParseFilterNumber([]byte(s))
	if err == nil && e == nil {
		err = errors.New("parser returned nothing")
	}
	return e, err
}

// syntaxError is the error for a filter the parser rejects. Its own message
// names grammar internals, so the detail explains the syntax instead.
func syntaxError(s string) error {
	return resource.InvalidFilter(fmt.Sprintf(
		`filter does not parse: %s; the syntax is attribute, operator (eq ne co sw ew gt lt ge le pr) and a value in double quotes, true, false, null or a number, joined by and, or, not (…) and parentheses, e.g. userName eq "bjensen" and emails[type eq "work"]`,
		excerpt(s)))
}

// walk calls f for e and every expression in it, left to right, so that
// value paths are visited in the order they appear in the filter.
func walk(e Expression, f func(Expression)) {
	f(e)
	switch e := e.(type) {
	case *fp.LogicalExpression:
		walk(e.Left, f)
		walk(e.Right, f)
	case *fp.NotExpression:
		walk(e.Expression, f)
	case *fp.ValuePath:
		if e.ValueFilter != nil {
			walk(e.ValueFilter, f)
		}
	}
}
