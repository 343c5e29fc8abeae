package csvfile

import (
	"encoding/csv"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/validate"
)

// Action is what a row does. The zero Action is none: the Aktion cell is
// empty or unknown, and the row has a problem saying so.
type Action byte

// The actions, as written in the Aktion column (lower case is accepted).
const (
	ActionCreate Action = 'C'
	ActionUpdate Action = 'U'
	ActionDelete Action = 'D'
)

// String returns "C", "U", "D", or "" for the zero Action.
func (a Action) String() string {
	switch a {
	case ActionCreate, ActionUpdate, ActionDelete:
		return string(rune(a))
	}
	return ""
}

// Problem is something wrong with a row: the row must not be applied.
type Problem struct {
	// Column is the column's name as the file's header writes it (the
	// template's name for a column the file lacks), or "" for the row as a
	// whole.
	Column  string
	Code    string // a row-level Code constant, or a code of the users' vocabulary (see codes)
	Message string // in the file's language; says what to do
}

// Row is one data row, read as far as the file's format goes: cells become
// values, and what the format gets wrong becomes a Problem. Whether the
// values make a valid user (required fields, e-mail, phone, dates, ranges,
// the organisation's numbers and settings) is for the users rulebook to
// judge, and whether the user exists for the caller.
//
// The value fields hold what the row's cells say, trimmed, and only when
// the cell has no problem: a cell that is empty or has a problem leaves its
// field at the zero value. Set tells an empty cell from one with a problem.
// For a D row only Action, UUID and CPR are read; its other cells are
// ignored.
type Row struct {
	Line int // 1-based line in the file where the row starts; the header is line 1 (or later, after blank lines)
	// Cells are the row's cells as the file has them, in the file's order,
	// for the receipt; invalid UTF-8 and control characters are replaced
	// with U+FFFD.
	Cells []string

	Action Action
	// UUID is the user's id in its canonical form: lower case, hyphenated,
	// 36 characters. The file may write it with or without hyphens.
	UUID      string
	FirstName string
	LastName  string
	// CPR is the CPR number, as cpr.Parse reads it. In a U or D row it
	// identifies the user, never gives a new number (a CPR number cannot
	// change), and only in a row without a UUID: a row with both has the
	// problem CodeCPRWithUUID and no CPR.
	CPR cpr.Number
	// DateOfBirth is the Foedselsdato cell as written (DDMMYYYY, or
	// YYYY-MM-DD); it is not filled from the CPR number.
	DateOfBirth string
	Email       string
	Phone       string
	// Anonymous is nil for an empty Anonym cell. J, Ja, Y and Yes mean true,
	// N, Nej and No false, in any case: the guide asks for J or N, and the
	// English aliases of the column names invite English answers.
	Anonymous     *bool
	ReferenceText string
	TargetIAL     int // a whole number above 0; 0 if not given
	EAN           string
	PNumber       string
	SENumber      string
	// LoginMeans is tilgang.LoginMeansPrivateMitID for PrivatID in any
	// case, else the cell as written.
	LoginMeans string

	// Set holds the fields whose cells are not empty (white space aside),
	// with a problem or not. For a U row, the fields in it other than
	// Action, UUID and CPR (which identify the user) are the fields to
	// change.
	Set Fields

	// Problems lists what is wrong with the row's format, in column order.
	Problems []Problem

	header *header // names the columns and picks the language of Problems
}

func (r *Row) add(f Field, key string, args ...any) {
	col := ""
	if f != 0 {
		col = r.header.names[f]
	}
	r.Problems = append(r.Problems, Problem{Column: col, Code: codeOf(key), Message: message(r.header.lang, key, args...)})
}

// row builds the Row of a record. perr is the record's parse error, if any.
func (rd *Reader) row(rec []string, line int, perr *csv.ParseError) Row {
	h := rd.header
	row := Row{Line: line, Cells: make([]string, len(rec)), header: h}
	var bad Fields // fields whose cell is not text
	for i, c := range rec {
		if !isText(c) {
			c = cleanText(c)
			f := Field(0)
			if i < len(h.cols) {
				f = h.cols[i]
			}
			bad.add(f)
			row.add(f, CodeEncodingInvalid)
		}
		row.Cells[i] = c
	}
	switch {
	case perr != nil:
		// The record stops before the cell with the stray quote.
		f := Field(0)
		if len(rec) < len(h.cols) {
			f = h.cols[len(rec)]
		}
		row.add(f, CodeRowQuote)
		row.Action = rd.action(row.Cells)
		return row
	case len(rec) != len(h.cols):
		// The values may be shifted into the wrong columns: reading them
		// would only add misleading problems.
		sep := string(rd.comma)
		if rd.comma == '\t' {
			sep = map[string]string{"en": "tab", "da": "tabulator"}[h.lang]
		}
		row.add(0, CodeRowColumns, len(rec), len(h.cols), sep)
		row.Action = rd.action(row.Cells)
		return row
	}
	var v [numFields + 1]string
	unnamed := false
	for i, f := range h.cols {
		s := strings.TrimSpace(row.Cells[i])
		switch {
		case s == "":
		case f == 0:
			unnamed = true
		default:
			v[f] = s
			row.Set.add(f)
		}
	}
	if unnamed {
		row.add(0, CodeRowColumns+"/unnamed")
	}
	rd.check(&row, &v, bad)
	return row
}

// action reads the Aktion cell of a row that has a problem already, without
// adding problems of its own; the receipt still shows what the row meant.
func (rd *Reader) action(cells []string) Action {
	if i := rd.header.at[FieldAction]; i >= 0 && i < len(cells) {
		return parseAction(strings.TrimSpace(cells[i]))
	}
	return 0
}

// check reads the values v of a row, field by field in the template's
// order. bad are the fields whose cells are not text; they have their
// problem already.
func (rd *Reader) check(row *Row, v *[numFields + 1]string, bad Fields) {
	given := func(f Field) bool { return v[f] != "" }
	readable := func(f Field) bool { return v[f] != "" && !bad.Has(f) }
	// number is the cell of a field Excel may have turned into a number,
	// which must not be in scientific notation: digits are lost.
	number := func(f Field) string {
		if !readable(f) {
			return ""
		}
		if validate.Scientific(v[f]) {
			row.add(f, codeScientific)
			return ""
		}
		return v[f]
	}
	text := func(f Field) string {
		if !readable(f) {
			return ""
		}
		return v[f]
	}

	switch {
	case readable(FieldAction):
		if row.Action = parseAction(v[FieldAction]); row.Action == 0 {
			row.add(FieldAction, CodeActionUnknown)
		}
	case !given(FieldAction):
		row.add(FieldAction, codeRequired+"/action")
	}
	if readable(FieldUUID) {
		switch id, ok := parseUUID(v[FieldUUID]); {
		case row.Action == ActionCreate:
			row.add(FieldUUID, CodeFieldNotAllowed)
		case ok:
			row.UUID = id
		case validate.Scientific(v[FieldUUID]):
			row.add(FieldUUID, codeScientific)
		default:
			row.add(FieldUUID, CodeUUIDFormat)
		}
	}
	if row.Action != ActionDelete {
		row.FirstName = text(FieldFirstName)
		row.LastName = text(FieldLastName)
	}
	switch {
	case (row.Action == ActionUpdate || row.Action == ActionDelete) && given(FieldUUID) && given(FieldCPR):
		// The CPR number could only be compared with the user's, and the
		// answer would tell whether a guess is right (SPEC §14): the row
		// fails whatever the number, and no user is looked up.
		row.add(FieldCPR, CodeCPRWithUUID)
	default:
		if s := number(FieldCPR); s != "" {
			if n, err := cpr.Parse(s); err != nil {
				row.add(FieldCPR, cprCode(err))
			} else {
				row.CPR = n
			}
		}
	}
	if (row.Action == ActionUpdate || row.Action == ActionDelete) && !given(FieldUUID) && !given(FieldCPR) {
		// The first of the two the file has.
		f := FieldUUID
		if rd.header.at[FieldUUID] < 0 && rd.header.at[FieldCPR] >= 0 {
			f = FieldCPR
		}
		row.add(f, codeRequired+"/identity_user")
	}
	if row.Action == ActionDelete {
		return // a delete needs nothing but the user's identity
	}

	row.DateOfBirth = number(FieldDateOfBirth)
	row.Email = text(FieldEmail)
	row.Phone = number(FieldPhone)
	if readable(FieldAnonymous) {
		if yes, ok := parseYesNo(v[FieldAnonymous]); ok {
			row.Anonymous = &yes
		} else {
			row.add(FieldAnonymous, CodeAnonymousValue)
		}
	}
	row.ReferenceText = text(FieldReferenceText)
	if s := number(FieldTargetIAL); s != "" {
		// 0 would read as "not given": the rulebook judges the rest.
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			row.TargetIAL = n
		} else {
			row.add(FieldTargetIAL, codeIALRange)
		}
	}
	row.EAN = number(FieldEAN)
	row.PNumber = number(FieldPNumber)
	row.SENumber = number(FieldSENumber)
	row.LoginMeans = text(FieldLoginMeans)
	if strings.EqualFold(row.LoginMeans, tilgang.LoginMeansPrivateMitID) {
		row.LoginMeans = tilgang.LoginMeansPrivateMitID
	}
}

// cprCode returns the code of one of cpr.Parse's errors.
func cprCode(err error) string {
	var e *tilgang.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return cpr.ErrFormat.Code
}

func parseAction(s string) Action {
	if len(s) != 1 {
		return 0
	}
	switch a := Action(s[0] &^ 0x20); a { // upper case
	case ActionCreate, ActionUpdate, ActionDelete:
		return a
	}
	return 0
}

func parseYesNo(s string) (yes, ok bool) {
	switch strings.ToLower(s) {
	case "j", "ja", "y", "yes":
		return true, true
	case "n", "nej", "no":
		return false, true
	}
	return false, false
}

// parseUUID reads 32 hexadecimal digits, bare or hyphenated 8-4-4-4-12, in
// any case, and returns the canonical form.
func parseUUID(s string) (string, bool) {
	switch len(s) {
	case 32:
	case 36:
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return "", false
		}
	default:
		return "", false
	}
	var out [36]byte
	j := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' && len(s) == 36 && (i == 8 || i == 13 || i == 18 || i == 23) {
			continue
		}
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			c += 'a' - 'A'
		default:
			return "", false
		}
		if j == 8 || j == 13 || j == 18 || j == 23 {
			out[j] = '-'
			j++
		}
		out[j] = c
		j++
	}
	return string(out[:]), true
}

// isText reports whether a cell is valid UTF-8 without control characters
// other than tab, line feed and carriage return (which a quoted cell may
// hold). C1 controls count too: they are what Windows-1252's unassigned
// bytes decode to.
func isText(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || 0x80 <= r && r <= 0x9f {
			return false
		}
		i += size
	}
	return true
}

// cleanText replaces what isText refuses with U+FFFD.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || 0x7f <= r && r <= 0x9f {
			return '\uFFFD'
		}
		return r
	}, s)
}

// Column returns the name of field f's column as the row's file writes it
// (the template's name for a column the file lacks).
func (r *Row) Column(f Field) string {
	if r.header == nil || f < 1 || int(f) > numFields {
		return f.String()
	}
	return r.header.names[f]
}

// Cell returns field f's cell as the file writes it, trimmed, or "" when
// the file has no such column or the row was too short to have the cell.
func (r *Row) Cell(f Field) string {
	if r.header == nil || f < 1 || int(f) > numFields {
		return ""
	}
	if i := r.header.at[f]; i >= 0 && i < len(r.Cells) {
		return strings.TrimSpace(r.Cells[i])
	}
	return ""
}

// Language returns the language of the row's messages, "da" or "en".
func (r *Row) Language() string {
	if r.header == nil {
		return "da"
	}
	return r.header.lang
}
