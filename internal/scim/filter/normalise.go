package filter

import (
	"strings"
)

// Normalise rewrites the filter dialects of identity providers into RFC 7644
// syntax, so that the strict parser accepts what Entra ID and Okta send:
//
//   - Entra ID's `emails[type eq "work"].value eq "x"` (a value path followed
//     by a sub-attribute comparison) becomes `emails[type eq "work" and value
//     eq "x"]`, with the value filter in parentheses when it holds an "or";
//   - an unquoted compare value (`userName eq john@x.dk`) is quoted, unless
//     it is true, false, null or a JSON number; values with spaces cannot be
//     told apart from the rest of the filter and are left to fail parsing;
//   - operators and logical words in any case (`EQ`, `And`, `NOT`) become
//     lower case; attribute names are left alone;
//   - runs of white space outside strings (tabs, line breaks) become one
//     space, the only white space the grammar knows, and the filter is
//     trimmed.
//
// Normalise never fails: what it cannot make sense of it leaves for Parse to
// report. It is idempotent.
func Normalise(s string) string {
	n := normaliser{toks: tokenize(s), out: make([]byte, 0, len(s)+8)}
	n.run()
	return string(n.out)
}

// tokKind is the kind of a lexical token of a filter.
type tokKind uint8

const (
	tokWord   tokKind = iota // attribute path, operator, keyword or bare value
	tokString                // "…", possibly unterminated
	tokSpace                 // white space, collapsed to one space
	tokOpen                  // ( or [
	tokClose                 // ) or ]
)

type token struct {
	kind tokKind
	text string
}

// tokenize splits s into tokens. Every byte up to and including the space
// counts as white space, so control characters never end up inside a word
// and a quoted word never needs more than backslashes escaped.
func tokenize(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		start := i
		switch c := s[i]; {
		case c <= ' ':
			for i < len(s) && s[i] <= ' ' {
				i++
			}
			toks = append(toks, token{tokSpace, " "})
			continue
		case c == '"':
			i, _ = stringEnd(s, i)
			toks = append(toks, token{tokString, s[start:i]})
			continue
		case c == '(' || c == '[':
			toks = append(toks, token{tokOpen, s[i : i+1]})
		case c == ')' || c == ']':
			toks = append(toks, token{tokClose, s[i : i+1]})
		default:
			for i < len(s) && !isDelim(s[i]) {
				i++
			}
			toks = append(toks, token{tokWord, s[start:i]})
			continue
		}
		i++
	}
	// Leading and trailing spaces are not part of the grammar.
	if len(toks) > 0 && toks[0].kind == tokSpace {
		toks = toks[1:]
	}
	if len(toks) > 0 && toks[len(toks)-1].kind == tokSpace {
		toks = toks[:len(toks)-1]
	}
	return toks
}

func isDelim(c byte) bool {
	return c <= ' ' || c == '"' || c == '(' || c == ')' || c == '[' || c == ']'
}

// stringEnd returns the index just past the string literal that starts at
// s[i] == '"', and whether it has its closing quote; an unterminated one
// runs to the end of s. A backslash escapes the next byte, so an escaped
// quote does not end the string.
func stringEnd(s string, i int) (end int, ok bool) {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return len(s), false
}

// terminated reports whether a tokString token has its closing quote.
func terminated(str string) bool {
	_, ok := stringEnd(str, 0)
	return ok
}

// state is what the normaliser expects next.
type state uint8

const (
	expOperand  state = iota // attribute path, "not" or "("
	expOperator              // compare operator or "pr"
	expValue                 // compare value
	expLogical               // "and", "or" or a closing bracket
)

// frame is an open ( or [ whose inner text starts at out offset start.
type frame struct {
	open  byte
	start int
	hasOr bool // an "or" at this level, which a rewrite must parenthesise
}

type normaliser struct {
	toks  []token
	out   []byte
	stack []frame
	st    state
}

func (n *normaliser) run() {
	for i := 0; i < len(n.toks); i++ {
		t := n.toks[i]
		switch t.kind {
		case tokSpace:
			n.out = append(n.out, ' ')
		case tokString:
			n.out = append(n.out, t.text...)
			n.st = expLogical
		case tokOpen:
			n.out = append(n.out, t.text...)
			n.stack = append(n.stack, frame{open: t.text[0], start: len(n.out)})
			n.st = expOperand
		case tokClose:
			i = n.close(i)
		case tokWord:
			n.word(i)
		}
	}
}

// word handles the word token at i according to the state.
func (n *normaliser) word(i int) {
	w := n.toks[i].text
	lower := strings.ToLower(w)
	switch n.st {
	case expOperand:
		if lower == "not" && n.followedByOpen(i) {
			n.out = append(n.out, lower...)
			return
		}
		n.out = append(n.out, w...)
		n.st = expOperator
	case expOperator:
		switch {
		case isCompareOp(lower):
			n.out = append(n.out, lower...)
			n.st = expValue
		case lower == "pr":
			n.out = append(n.out, lower...)
			n.st = expLogical
		default:
			n.out = append(n.out, w...)
			n.st = expLogical
		}
	case expValue:
		n.out = append(n.out, bareValue(w)...)
		n.st = expLogical
	case expLogical:
		if lower == "and" || lower == "or" {
			n.out = append(n.out, lower...)
			if lower == "or" && len(n.stack) > 0 {
				n.stack[len(n.stack)-1].hasOr = true
			}
			n.st = expOperand
			return
		}
		n.out = append(n.out, w...)
	}
}

// followedByOpen reports whether the token after i, past one space, is "(".
func (n *normaliser) followedByOpen(i int) bool {
	i++
	if i < len(n.toks) && n.toks[i].kind == tokSpace {
		i++
	}
	return i < len(n.toks) && n.toks[i].kind == tokOpen && n.toks[i].text == "("
}

// close handles the closing bracket at i and returns the index of the last
// token it consumed. A bracket that closes nothing open is kept as text for
// the parser to reject.
func (n *normaliser) close(i int) int {
	c := n.toks[i].text
	if len(n.stack) == 0 || !matches(n.stack[len(n.stack)-1].open, c[0]) {
		n.out = append(n.out, c...)
		return i
	}
	f := n.stack[len(n.stack)-1]
	n.stack = n.stack[:len(n.stack)-1]
	complete := n.st == expLogical
	n.st = expLogical
	if f.open == '[' && complete {
		if end, ok := n.subAttrCompare(i, f); ok {
			return end
		}
	}
	n.out = append(n.out, c...)
	return i
}

func matches(open, close byte) bool {
	return open == '(' && close == ')' || open == '[' && close == ']'
}

// subAttrCompare rewrites Entra ID's `attr[filter].sub op value` into
// `attr[filter and sub op value]` when the tokens after the "]" at i are
// exactly `.sub op value` (or `.sub pr`). It returns the index of the last
// token consumed. The "]" has not been written yet.
func (n *normaliser) subAttrCompare(i int, f frame) (int, bool) {
	at := func(j int, k tokKind) bool { return j < len(n.toks) && n.toks[j].kind == k }
	sub := ""
	if at(i+1, tokWord) {
		sub = n.toks[i+1].text
	}
	if len(sub) < 2 || sub[0] != '.' || !isAttrName(sub[1:]) || !at(i+2, tokSpace) || !at(i+3, tokWord) {
		return 0, false
	}
	op := strings.ToLower(n.toks[i+3].text)
	end, value := i+3, ""
	switch {
	case op == "pr":
	case isCompareOp(op) && at(i+4, tokSpace) && at(i+5, tokWord):
		end, value = i+5, bareValue(n.toks[i+5].text)
	case isCompareOp(op) && at(i+4, tokSpace) && at(i+5, tokString) && terminated(n.toks[i+5].text):
		// A word glued to the string (`"x".y`) would, after the rewrite,
		// form a new `].y` and make Normalise not idempotent.
		if at(i+6, tokWord) {
			return 0, false
		}
		end, value = i+5, n.toks[i+5].text
	default:
		return 0, false
	}
	if f.hasOr {
		// `a or b and c` would bind the new term to b only.
		inner := string(n.out[f.start:])
		n.out = append(append(append(n.out[:f.start], '('), inner...), ')')
	}
	if n.out[len(n.out)-1] != ' ' {
		n.out = append(n.out, ' ')
	}
	n.out = append(n.out, "and "+sub[1:]+" "+op...)
	if value != "" {
		n.out = append(n.out, " "+value...)
	}
	n.out = append(n.out, ']')
	return end, true
}

func isCompareOp(s string) bool {
	switch s {
	case "eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le":
		return true
	}
	return false
}

// isAttrName reports whether s is an ATTRNAME of RFC 7644's grammar.
func isAttrName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// bareValue returns the unquoted compare value w as the grammar wants it:
// true, false, null (any case, which the parser accepts) and JSON numbers
// as they are, anything else as a string. w holds no quotes or control
// characters (see tokenize), so only backslashes need escaping.
func bareValue(w string) string {
	switch strings.ToLower(w) {
	case "true", "false", "null":
		return w
	}
	if isJSONNumber(w) {
		return w
	}
	return `"` + strings.ReplaceAll(w, `\`, `\\`) + `"`
}

// isJSONNumber reports whether s is a number in JSON's grammar (RFC 8259
// §6): an optional minus, an integer without leading zeros, an optional
// fraction and an optional exponent. "007" and "1." are not, so they are
// quoted as strings.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i == len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	return i == len(s)
}
