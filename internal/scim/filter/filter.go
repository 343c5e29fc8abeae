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
	"fmt"
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
	if err := decodeStrings(e); err != nil {
		return nil, err
	}
	if err := Validate(e, nil); err != nil {
		return nil, err
	}
	return e, nil
}

// checkStructure reports unterminated strings, unbalanced brackets and too
// deep nesting before the parser sees s: its own errors for these are hard
// to read, and the depth bounds its recursion.
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
		}
	}
	if len(open) > 0 {
		return resource.InvalidFilter(fmt.Sprintf("%q is not closed", open[len(open)-1]))
	}
	return nil
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

// parse parses the normalised, well-bracketed filter s. The parser accepts
// only `a op x`, `a op x and|or b op y` and `not (…)` inside a value path,
// while RFC 7644's valFilter is any filter; so each top-level [...] is cut
// out, parsed recursively, and put back into the ValuePath that the parser
// produced for the placeholder.
func parse(s string) (Expression, error) {
	var (
		outer  strings.Builder
		inners []string
		depth  int
		start  int
	)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			end, _ := stringEnd(s, i)
			if depth == 0 {
				outer.WriteString(s[i:end])
			}
			i = end - 1
			continue
		case '[':
			if depth++; depth == 1 {
				outer.WriteByte('[')
				start = i + 1
			}
			continue
		case ']':
			if depth--; depth == 0 {
				inners = append(inners, s[start:i])
				outer.WriteString(placeholder + "]")
			}
			continue
		}
		if depth == 0 {
			outer.WriteByte(s[i])
		}
	}
	e, err := parseFlat(outer.String())
	if err != nil {
		return nil, err
	}
	var paths []*fp.ValuePath
	walk(e, func(e Expression) {
		if vp, ok := e.(*fp.ValuePath); ok {
			paths = append(paths, vp)
		}
	})
	if len(paths) != len(inners) {
		// Only possible if "[" meant something other than a value path.
		return nil, syntaxError(s)
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
		if recover() != nil {
			e, err = nil, syntaxError(s)
		}
	}()
	e, err = fp.ParseFilterNumber([]byte(s))
	if err != nil || e == nil {
		return nil, syntaxError(s)
	}
	return e, nil
}

// syntaxError is the error for a filter the parser rejects. Its own message
// names grammar internals, so the detail explains the syntax instead.
func syntaxError(s string) error {
	return resource.InvalidFilter(fmt.Sprintf(
		`filter %s does not parse; the syntax is attribute, operator (eq ne co sw ew gt lt ge le pr) and a value in double quotes, true, false, null or a number, joined by and, or, not (…) and parentheses, e.g. userName eq "bjensen" and emails[type eq "work"]`,
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

// decodeStrings replaces the string compare values in e, which the parser
// returns as written between the quotes, with their JSON-decoded text:
// `"a\"b"` means a"b.
func decodeStrings(e Expression) error {
	var err error
	walk(e, func(e Expression) {
		a, ok := e.(*fp.AttributeExpression)
		if !ok || err != nil {
			return
		}
		raw, ok := a.CompareValue.(string)
		if !ok || !strings.ContainsRune(raw, '\\') {
			return
		}
		var v string
		if json.Unmarshal([]byte(`"`+raw+`"`), &v) != nil {
			err = resource.InvalidFilter(fmt.Sprintf("string %s has an invalid escape", excerpt(`"`+raw+`"`)))
			return
		}
		a.CompareValue = v
	})
	return err
}
