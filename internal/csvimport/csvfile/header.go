package csvfile

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Field is a column of the import template. The zero Field is no column: the
// field of a column whose header cell is empty.
//
// A header cell names a field by its template name or an English alias
// (Action, First name, Surname, CPR number, Date of birth, E-mail, Phone,
// Anonymous, Reference text, Target IAL, P number, SE number, Login means,
// and a few more), compared without case, spaces, hyphens and underscores
// and with æ, ø and å also spelt ae, oe and aa: "Fødselsdato",
// "foedselsdato" and "Date of birth" all name FieldDateOfBirth.
type Field uint8

// The fields, in the template's order.
const (
	FieldAction Field = iota + 1
	FieldUUID
	FieldFirstName
	FieldLastName
	FieldCPR
	FieldDateOfBirth
	FieldEmail
	FieldPhone
	FieldAnonymous
	FieldReferenceText
	FieldTargetIAL
	FieldEAN
	FieldPNumber
	FieldSENumber
	FieldLoginMeans

	numFields = int(FieldLoginMeans) // fields are 1..numFields
)

// canonical are the template's column names, indexed by Field.
var canonical = [numFields + 1]string{
	"", "Aktion", "UUID", "Fornavn", "Efternavn", "CPR", "Foedselsdato", "Email", "Telefon",
	"Anonym", "Referencetekst", "TargetIAL", "EAN", "P-nummer", "SE-nummer", "Loginmiddel",
}

// String returns the field's column name in the template.
func (f Field) String() string {
	if f < 1 || int(f) > numFields {
		return fmt.Sprintf("Field(%d)", f)
	}
	return canonical[f]
}

// Fields is a set of fields. The zero value is the empty set.
type Fields uint16

// Has reports whether f is in the set.
func (s Fields) Has(f Field) bool { return s&(1<<f) != 0 }

func (s *Fields) add(f Field) { *s |= 1 << f }

// names maps folded column names to fields: the Danish names of the template
// and the English ones that the English guide and hand-made files use.
var names = map[string]Field{
	"aktion": FieldAction, "action": FieldAction,
	"uuid":    FieldUUID,
	"fornavn": FieldFirstName, "firstname": FieldFirstName,
	"efternavn": FieldLastName, "surname": FieldLastName, "lastname": FieldLastName,
	"cpr": FieldCPR, "cprnummer": FieldCPR, "cprnumber": FieldCPR, "cprnr": FieldCPR,
	"foedselsdato": FieldDateOfBirth, "dateofbirth": FieldDateOfBirth, "birthdate": FieldDateOfBirth,
	"email": FieldEmail, "emailadresse": FieldEmail, "emailaddress": FieldEmail,
	"telefon": FieldPhone, "telefonnummer": FieldPhone, "phone": FieldPhone,
	"telephone": FieldPhone, "phonenumber": FieldPhone,
	"anonym": FieldAnonymous, "anonymous": FieldAnonymous,
	"referencetekst": FieldReferenceText, "referencetext": FieldReferenceText,
	"targetial": FieldTargetIAL,
	"ean":       FieldEAN, "eannummer": FieldEAN, "eannumber": FieldEAN,
	"pnummer": FieldPNumber, "pnumber": FieldPNumber,
	"senummer": FieldSENumber, "senumber": FieldSENumber,
	"loginmiddel": FieldLoginMeans, "loginmeans": FieldLoginMeans,
}

// fieldByName returns the field a header cell names.
func fieldByName(name string) (Field, bool) {
	f, ok := names[fold(name)]
	return f, ok
}

// fold brings a column name to the form names holds: lower case, without
// spaces, hyphens, underscores or byte order marks, and with æ, ø and å
// spelt ae, oe and aa, since the guide itself tells users to write
// Foedselsdato and Excel users type either.
func fold(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		r = unicode.ToLower(r)
		switch {
		case r == '-', r == '_', r == '\ufeff', unicode.IsSpace(r):
		case r == 'æ':
			b.WriteString("ae")
		case r == 'ø':
			b.WriteString("oe")
		case r == 'å':
			b.WriteString("aa")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// required are the columns a header must have: the ones a C row needs (the
// identity, CPR or Foedselsdato, is checked apart). Requiring them catches
// the wrong file (an HR export, a receipt) before any row is applied; the
// other columns may be left out, which is the same as leaving them empty.
var required = []Field{FieldAction, FieldFirstName, FieldLastName, FieldEmail, FieldTargetIAL}

// header is what the rows of one file share: which field each column holds
// and how the file names it.
type header struct {
	cells []string // the header cells as read, for the receipt
	cols  []Field  // field of each column; 0 for a column with an empty header cell
	at    [numFields + 1]int
	// names is the column name of each field as the file writes it, or the
	// template's name for a field the file lacks.
	names [numFields + 1]string
	lang  string
}

// newHeader returns a header that has no columns yet and names fields as
// the template does; rows built by hand use one too.
func newHeader(lang string) *header {
	h := &header{lang: lang, names: canonical}
	for f := range h.at {
		h.at[f] = -1
	}
	return h
}

// mapHeader reads the header cells. Cells that are empty are allowed and
// ignored, because Excel pads every line to the widest row of the sheet.
func (h *header) mapHeader(cells []string, line int) *FileError {
	h.cells = make([]string, len(cells))
	h.cols = make([]Field, len(cells))
	for i, c := range cells {
		c = strings.ToValidUTF8(c, "\uFFFD")
		h.cells[i] = c
		name := strings.TrimSpace(c)
		if name == "" {
			continue
		}
		f, ok := fieldByName(name)
		if !ok {
			return h.fileError(CodeHeaderUnknown, line, name, i)
		}
		if h.at[f] >= 0 {
			return h.fileError(CodeHeaderDuplicate, line, name, i)
		}
		h.at[f], h.cols[i], h.names[f] = i, f, name
	}
	for _, f := range required {
		if h.at[f] < 0 {
			return h.fileError(CodeHeaderMissing, line, canonical[f], -1)
		}
	}
	if h.at[FieldCPR] < 0 && h.at[FieldDateOfBirth] < 0 {
		e := h.fileError(CodeHeaderMissing, line, canonical[FieldCPR], -1)
		e.Message = message(h.lang, CodeHeaderMissing+"/identity")
		return e
	}
	return nil
}

// fileError builds a header problem about the column name at position i
// (0-based; -1 for a column the header lacks).
func (h *header) fileError(code string, line int, name string, i int) *FileError {
	col, quoted := columnName(h.lang, name, i)
	return &FileError{Code: code, Line: line, Column: col, Message: message(h.lang, code, quoted)}
}

// columnName returns how a problem names the header cell name at position i
// (0-based), plainly and quoted for a message: the name, or, when it has
// digits, its position. A header with digits is most likely a row of data
// where the header should be, and a receipt must not repeat a CPR number.
// Long names are cut short.
func columnName(lang, name string, i int) (plain, quoted string) {
	if strings.ContainsAny(name, "0123456789") && i >= 0 {
		if lang == "en" {
			plain = fmt.Sprintf("no. %d", i+1)
		} else {
			plain = fmt.Sprintf("nr. %d", i+1)
		}
		return plain, plain
	}
	if utf8.RuneCountInString(name) > 40 {
		name = string([]rune(name)[:40]) + "…"
	}
	return name, fmt.Sprintf("%q", name)
}
