package csvfile

import (
	"encoding/csv"
	"errors"
	"strings"
	"time"
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
	Code    string // one of the row-level Code constants
	Message string // in the file's language; says what to do
}

// Row is one data row, read and checked as far as that is possible without
// the organisation and its users.
//
// The value fields hold what the row says, in stored form, and only when it
// is valid: a cell that is empty or has a problem leaves its field at the
// zero value. Set tells an empty cell from an invalid one. For a D row only
// Action, UUID and CPR are read; its other cells are ignored.
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
	FirstName string // trimmed
	LastName  string // trimmed
	// CPR is the CPR number. In a U or D row it identifies the user, never
	// gives a new number (a CPR number cannot change): with UUID also given,
	// the caller must check that both name the same user.
	CPR cpr.Number
	// DateOfBirth is the Foedselsdato cell (DDMMYYYY in the file, YYYY-MM-DD
	// accepted too) as YYYY-MM-DD. It is not filled from the CPR number.
	DateOfBirth string
	Email       string // the domain in lower case
	Phone       string // 8 digits, or + and digits
	// Anonymous is nil for an empty Anonym cell. J, Ja, Y and Yes mean true,
	// N, Nej and No false, in any case: the guide asks for J or N, and the
	// English aliases of the column names invite English answers.
	Anonymous     *bool
	ReferenceText string // trimmed
	TargetIAL     int    // 3 or 4; 0 if not given
	EAN           string // 13 digits
	PNumber       string // 10 digits
	SENumber      string // 8 digits
	LoginMeans    string // tilgang.LoginMeansPrivateMitID or ""

	// Set holds the fields whose cells are not empty (white space aside),
	// valid or not. For a U row, the fields in it other than Action, UUID
	// and CPR (which identify the user) are the fields to change.
	Set Fields

	// Problems lists what is wrong with the row, roughly in column order.
	Problems []Problem

	header *header // names the columns and picks the language of Problems
}

// Length limits, the same as the admin API's (internal/users).
const (
	maxNameLength = 200
	maxTextLength = 1000
)

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

// check reads and checks the values v of a row, field by field in the
// template's order. bad are the fields whose cells are not text; they have
// their problem already.
func (rd *Reader) check(row *Row, v *[numFields + 1]string, bad Fields) {
	given := func(f Field) bool { return v[f] != "" }
	readable := func(f Field) bool { return v[f] != "" && !bad.Has(f) }
	// identity picks the column to blame for a missing identity: the first
	// of a and b the file has.
	identity := func(a, b Field) Field {
		if rd.header.at[a] < 0 && rd.header.at[b] >= 0 {
			return b
		}
		return a
	}

	switch {
	case readable(FieldAction):
		if row.Action = parseAction(v[FieldAction]); row.Action == 0 {
			row.add(FieldAction, CodeActionUnknown)
		}
	case !given(FieldAction):
		row.add(FieldAction, CodeRequired+"/action")
	}
	create, update := row.Action == ActionCreate, row.Action == ActionUpdate
	require := func(f Field) {
		if create && !given(f) {
			row.add(f, CodeRequired)
		}
	}

	if readable(FieldUUID) {
		if create {
			row.add(FieldUUID, CodeFieldNotAllowed+"/uuid")
		} else if id, ok := parseUUID(v[FieldUUID]); ok {
			row.UUID = id
		} else {
			row.add(FieldUUID, numberOr(v[FieldUUID], CodeUUIDFormat))
		}
	}
	if row.Action != ActionDelete {
		require(FieldFirstName)
		row.FirstName = rd.freeText(row, v, bad, FieldFirstName, maxNameLength)
		require(FieldLastName)
		row.LastName = rd.freeText(row, v, bad, FieldLastName, maxNameLength)
	}
	if readable(FieldCPR) {
		rd.checkCPR(row, v[FieldCPR])
	}
	if (update || row.Action == ActionDelete) && !given(FieldUUID) && !given(FieldCPR) {
		row.add(identity(FieldUUID, FieldCPR), CodeRequired+"/identity_user")
	}
	if row.Action == ActionDelete {
		return // a delete needs nothing but the user's identity
	}

	if readable(FieldDateOfBirth) {
		rd.checkDateOfBirth(row, v[FieldDateOfBirth])
	}
	if create && !given(FieldCPR) && !given(FieldDateOfBirth) {
		row.add(identity(FieldCPR, FieldDateOfBirth), CodeRequired+"/identity_create")
	}
	require(FieldEmail)
	if readable(FieldEmail) {
		if e, err := validate.Email(v[FieldEmail]); err == nil {
			row.Email = e
		} else {
			row.add(FieldEmail, CodeEmailFormat)
		}
	}
	if readable(FieldPhone) {
		if p, err := validate.Phone(v[FieldPhone]); err == nil {
			row.Phone = p
		} else {
			row.add(FieldPhone, numberOr(v[FieldPhone], CodePhoneFormat))
		}
	}
	switch {
	case update && given(FieldAnonymous):
		// Anonymity is chosen at creation only (SPEC §4). Refusing any value,
		// even one equal to the stored one, keeps the rule free of storage.
		row.add(FieldAnonymous, CodeFieldImmutable)
	case readable(FieldAnonymous):
		if yes, ok := parseYesNo(v[FieldAnonymous]); ok {
			row.Anonymous = &yes
		} else {
			row.add(FieldAnonymous, CodeAnonymousValue)
		}
	}
	row.ReferenceText = rd.freeText(row, v, bad, FieldReferenceText, maxTextLength)
	require(FieldTargetIAL)
	if readable(FieldTargetIAL) {
		switch v[FieldTargetIAL] {
		case "3":
			row.TargetIAL = 3
		case "4":
			row.TargetIAL = 4
		default:
			row.add(FieldTargetIAL, CodeIALRange)
		}
	}
	row.EAN = rd.number(row, v, bad, FieldEAN, 13, CodeEANUnregistered)
	row.PNumber = rd.number(row, v, bad, FieldPNumber, 10, CodePNumberUnregistered)
	row.SENumber = rd.number(row, v, bad, FieldSENumber, 8, CodeSENumberUnregistered)
	if readable(FieldLoginMeans) {
		if strings.EqualFold(v[FieldLoginMeans], tilgang.LoginMeansPrivateMitID) {
			row.LoginMeans = tilgang.LoginMeansPrivateMitID
		} else {
			row.add(FieldLoginMeans, CodeLoginMeansValue)
		}
	}
	// For a U row the CPR number may be stored already; that is the caller's
	// check.
	if create && row.LoginMeans != "" && !given(FieldCPR) {
		row.add(FieldLoginMeans, CodeLoginMeansValue+"/needs_cpr")
	}
}

// checkCPR reads a CPR number. Its date must not lie after today: the
// century rules allow dates up to 2057, and a person not yet born is a
// typing error.
func (rd *Reader) checkCPR(row *Row, s string) {
	n, err := cpr.Parse(s)
	if err != nil {
		key := CodeCPRFormat
		var ce *cpr.Error
		switch {
		case scientific(s):
			key = CodeNumberScientific
		case errors.As(err, &ce) && KnownCode(ce.Code):
			key = ce.Code
		}
		row.add(FieldCPR, key)
		return
	}
	if n.BirthDate().After(rd.today) {
		row.add(FieldCPR, CodeCPRInvalidDate+"/future")
		return
	}
	row.CPR = n
}

// checkDateOfBirth reads Foedselsdato and compares it with the CPR number's
// date, when both are given and valid.
func (rd *Reader) checkDateOfBirth(row *Row, s string) {
	d, err := validate.DateOfBirth(s, rd.now)
	if err != nil {
		row.add(FieldDateOfBirth, numberOr(s, CodeDOBFormat))
		return
	}
	if !row.CPR.IsZero() && !row.CPR.BirthDate().Equal(d) {
		row.add(FieldDateOfBirth, CodeDOBCPRMismatch)
		return
	}
	row.DateOfBirth = d.Format(time.DateOnly)
}

// freeText returns a free-text field, or "" with a problem if it is too long.
func (rd *Reader) freeText(row *Row, v *[numFields + 1]string, bad Fields, f Field, limit int) string {
	s := v[f]
	if s == "" || bad.Has(f) {
		return ""
	}
	if len(s) > limit && utf8.RuneCountInString(s) > limit {
		row.add(f, CodeFieldTooLong, limit)
		return ""
	}
	return s
}

// number returns an EAN, P- or SE-number of n digits, or "" with a problem.
// A number of the wrong form cannot be one of the organisation's, so it
// gets the same code as one that is not registered: the fix is the same.
func (rd *Reader) number(row *Row, v *[numFields + 1]string, bad Fields, f Field, n int, code string) string {
	s := v[f]
	if s == "" || bad.Has(f) {
		return ""
	}
	d, err := validate.Digits(s, n)
	switch {
	case err == nil:
		return d
	case errors.Is(err, validate.ErrNumberScientific):
		row.add(f, CodeNumberScientific)
	default:
		row.add(f, code)
	}
	return ""
}

// numberOr returns CodeNumberScientific if s is a number that Excel wrote in
// scientific notation (2,56522E+12), else code.
func numberOr(s, code string) string {
	if scientific(s) {
		return CodeNumberScientific
	}
	return code
}

// scientific reports whether s looks like a number that Excel wrote in
// scientific notation. validate.Digits knows the shape; asking it for one
// digit gets ErrNumberScientific for exactly those values.
func scientific(s string) bool {
	_, err := validate.Digits(s, 1)
	return errors.Is(err, validate.ErrNumberScientific)
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

// Language returns the language of the row's messages, "da" or "en".
func (r *Row) Language() string {
	if r.header == nil {
		return "da"
	}
	return r.header.lang
}
