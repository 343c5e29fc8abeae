package csvfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// readAll reads every row of a file. err is nil at a clean end of file.
func readAll(r io.Reader, opts Options) (*Reader, []Row, error) {
	rd, err := NewReader(r, opts)
	if err != nil {
		return nil, nil, err
	}
	var rows []Row
	for {
		row, err := rd.Next()
		if err == io.EOF {
			return rd, rows, nil
		}
		if err != nil {
			return rd, rows, err
		}
		rows = append(rows, row)
	}
}

// summary writes a row as "line action code@column...", "-" for no action.
func summary(r Row) string {
	var b strings.Builder
	a := r.Action.String()
	if a == "" {
		a = "-"
	}
	fmt.Fprintf(&b, "%d %s", r.Line, a)
	for _, p := range r.Problems {
		fmt.Fprintf(&b, " %s@%s", p.Code, p.Column)
	}
	return b.String()
}

func TestReaderFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file      string
		lang      string
		encoding  string // "" for no check
		comma     rune   // 0 for no check
		bom       bool
		rows      []string
		err       string // code of the *FileError, "" for none
		errLine   int
		errColumn string
		check     func(t *testing.T, rd *Reader, rows []Row, err error)
	}{
		{
			file: "cp1252.csv", encoding: "windows-1252", comma: ';',
			rows: []string{"2 C", "3 C", "5 U"},
			check: func(t *testing.T, rd *Reader, rows []Row, _ error) {
				want(t, "header cell", rd.Header()[5], "Fødselsdato")
				want(t, "first name", rows[0].FirstName, "Søren")
				want(t, "surname", rows[0].LastName, "Ærø Åsted")
				want(t, "cells", rows[0].Cells[2], "Søren")
				want(t, "reference text", rows[1].ReferenceText, "Afd. Økonomi")
				want(t, "date of birth as written", rows[1].DateOfBirth, "01021990")
				want(t, "surname", rows[2].LastName, "Møller")
				want(t, "set", rows[2].Set, fields(FieldAction, FieldUUID, FieldLastName))
			},
		},
		{
			file: "utf8bom_comma.csv", encoding: "utf-8", comma: ',', bom: true,
			rows: []string{"2 C", "3 C", "4 D"},
			check: func(t *testing.T, rd *Reader, rows []Row, _ error) {
				want(t, "header cell", rd.Header()[0], "Action")
				want(t, "first name", rows[0].FirstName, "Zoë")
				want(t, "surname", rows[0].LastName, "Ørsted")
				want(t, "phone", rows[0].Phone, "+4512345678")
				want(t, "anonymous", *rows[0].Anonymous, false)
				want(t, "login means", rows[0].LoginMeans, tilgang.LoginMeansPrivateMitID)
				want(t, "cpr", rows[0].CPR.Digits(), "0101901234")
				want(t, "quoted comma", rows[1].FirstName, "Lars, jr.")
				want(t, "date of birth as written", rows[1].DateOfBirth, "31121975")
				want(t, "ial", rows[1].TargetIAL, 4)
				want(t, "uuid", rows[2].UUID, "0f8fad5b-d9cb-469f-a165-70867728950e")
			},
		},
		{
			file: "tab.csv", encoding: "utf-8", comma: '\t',
			rows: []string{"2 C", "3 U"},
			check: func(t *testing.T, _ *Reader, rows []Row, _ error) {
				want(t, "anonymous", *rows[0].Anonymous, true)
				want(t, "ean", rows[0].EAN, "5790001234567")
				want(t, "p-number", rows[0].PNumber, "1234567890")
				want(t, "se-number", rows[0].SENumber, "12345678")
				want(t, "phone", rows[1].Phone, "87654321")
				want(t, "set", rows[1].Set, fields(FieldAction, FieldCPR, FieldPhone))
			},
		},
		{
			file: "crlf.csv", encoding: "utf-8", comma: ';',
			rows: []string{"2 C", "3 C"},
			check: func(t *testing.T, _ *Reader, rows []Row, _ error) {
				want(t, "surname", rows[1].LastName, "Kjærsgård")
				for _, r := range rows {
					if c := r.Cells[len(r.Cells)-1]; c != "" {
						t.Errorf("line %d: last cell %q, want it empty (no CR)", r.Line, c)
					}
				}
			},
		},
		{
			file: "quoted.csv",
			rows: []string{"2 C", "4 C", "7 C"},
			check: func(t *testing.T, _ *Reader, rows []Row, _ error) {
				want(t, "delimiter in quotes", rows[0].FirstName, "Anna; Marie")
				want(t, "line break in quotes", rows[0].ReferenceText, "Line one\nline two")
				want(t, "doubled quotes", rows[1].FirstName, `Bo "Bob"`)
				want(t, "blank line in quotes", rows[1].ReferenceText, "a\n\nb")
			},
		},
		{
			file: "errors.csv", lang: "en", bom: true,
			// Only the file's format: the rows without a problem here break
			// rules of users, which the users rulebook judges
			// (csvimport's TestEveryErrorCode).
			rows: []string{
				"2 C",
				"3 - field.required@Aktion",
				"4 - action.unknown@Aktion",
				"5 C",
				"6 C",
				"7 C cpr.format@CPR",
				"8 C cpr.invalid_date@CPR",
				"9 C cpr.leading_zero_lost@CPR",
				"10 C cpr.twelve_digits@CPR",
				"11 C number.scientific@CPR number.scientific@EAN number.scientific@P-nummer number.scientific@SE-nummer",
				"12 C",
				"13 C",
				"14 C",
				"15 C",
				"16 C",
				"17 C number.scientific@Telefon",
				"18 C anonymous.value@Anonym",
				"19 C",
				"20 C",
				"21 U",
				"22 C row.columns@",
				"23 C field.not_allowed@UUID",
				"24 U field.required@UUID",
				"25 U uuid.format@UUID",
				"26 D",
				"27 C",
				"28 C",
				"29 C",
				"30 C",
				"31 C encoding.invalid@Efternavn",
				"32 C row.quote@Fornavn",
				"33 C encoding.invalid@Referencetekst",
			},
			check: func(t *testing.T, _ *Reader, rows []Row, _ error) {
				r := rows[0]
				want(t, "email", r.Email, "anna@example.dk")
				want(t, "phone", r.Phone, "12345678")
				want(t, "anonymous", *r.Anonymous, false)
				want(t, "ial", r.TargetIAL, 3)
				want(t, "date of birth not from CPR", r.DateOfBirth, "")
				want(t, "message language", rows[1].Problems[0].Message, catalogue["field.required/action"].en)
				want(t, "message of lost zero", rows[7].Problems[0].Message, catalogue["cpr.leading_zero_lost"].en)
				want(t, "message of scientific notation", rows[9].Problems[1].Message, catalogue["number.scientific"].en)
				want(t, "delete by uuid", rows[24].UUID, "0f8fad5b-d9cb-469f-a165-70867728950e")
				want(t, "invalid byte replaced", rows[29].Cells[3], "Han\uFFFDsen")
				want(t, "control replaced", rows[31].Cells[9], "Ref\uFFFD")
				want(t, "invalid cell not used", rows[29].LastName, "")
				// What the rulebook judges is passed on as written.
				want(t, "date of birth as written", rows[10].DateOfBirth, "1.2.1990")
				want(t, "e-mail as written", rows[13].Email, "anna@localhost")
				want(t, "phone as written", rows[14].Phone, "1234")
				want(t, "target IAL 5", rows[17].TargetIAL, 5)
				want(t, "login means as written", rows[18].LoginMeans, "MitID")
				want(t, "Anonym of a U row", *rows[19].Anonymous, true)
				want(t, "PrivatID in any case", rows[25].LoginMeans, tilgang.LoginMeansPrivateMitID)
				want(t, "malformed EAN as written", rows[27].EAN, "123")
				for _, r := range rows {
					for _, p := range r.Problems {
						if strings.Contains(p.Message, "0101901234") || strings.Contains(p.Message, "101901234") {
							t.Errorf("line %d: message repeats the CPR number: %s", r.Line, p.Message)
						}
					}
				}
			},
		},
		{
			file: "excel_padding.csv",
			rows: []string{"2 C", "3 C row.columns@", "7 C"},
			check: func(t *testing.T, rd *Reader, rows []Row, _ error) {
				want(t, "header width", len(rd.Header()), 17)
				want(t, "message", rows[1].Problems[0].Message, catalogue["row.columns/unnamed"].da)
			},
		},
		{file: "header_only.csv", bom: true},
		{file: "empty.csv", err: CodeFileEmpty},
		{file: "blank.csv", err: CodeFileEmpty},
		{file: "header_unknown.csv", err: CodeHeaderUnknown, errLine: 1, errColumn: "Mobil"},
		{file: "header_missing.csv", err: CodeHeaderMissing, errLine: 1, errColumn: "Email"},
		{file: "header_missing_identity.csv", err: CodeHeaderMissing, errLine: 1, errColumn: "CPR"},
		{file: "header_duplicate.csv", err: CodeHeaderDuplicate, errLine: 1, errColumn: "E-mail"},
		{file: "header_is_data.csv", err: CodeHeaderUnknown, errLine: 1, errColumn: "C"},
		{
			file: "header_is_cpr.csv", err: CodeHeaderUnknown, errLine: 1, errColumn: "nr. 1",
			check: func(t *testing.T, _ *Reader, _ []Row, err error) {
				if strings.Contains(err.Error(), "0101901234") {
					t.Errorf("error repeats the CPR number: %v", err)
				}
			},
		},
		{file: "header_quote.csv", err: CodeFileQuote, errLine: 1},
		{file: "quote_unclosed.csv", rows: []string{"2 C"}, err: CodeFileQuote, errLine: 3},
		{
			file: "workbook.xlsx", err: CodeFileBinary,
			check: func(t *testing.T, _ *Reader, _ []Row, err error) {
				want(t, "message", err.(*FileError).Message, catalogue["file.binary/workbook"].da)
			},
		},
		{
			file: "utf16.csv", lang: "en", err: CodeFileBinary,
			check: func(t *testing.T, _ *Reader, _ []Row, err error) {
				want(t, "message", err.(*FileError).Message, catalogue["file.binary/utf16"].en)
			},
		},
		{file: "image.png", err: CodeFileBinary},
		{file: "controls.csv", err: CodeFileBinary},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			f, err := os.Open(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rd, rows, err := readAll(f, Options{Language: tc.lang})
			checkFileError(t, err, tc.err, tc.errLine, tc.errColumn)
			var got []string
			for _, r := range rows {
				got = append(got, summary(r))
			}
			if strings.Join(got, "\n") != strings.Join(tc.rows, "\n") {
				t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.rows, "\n"))
			}
			if rd != nil {
				if tc.encoding != "" {
					want(t, "encoding", rd.Encoding(), tc.encoding)
				}
				if tc.comma != 0 {
					want(t, "comma", rd.Comma(), tc.comma)
				}
				want(t, "bom", rd.BOM(), tc.bom)
			}
			if tc.check != nil && !t.Failed() {
				tc.check(t, rd, rows, err)
			}
		})
	}
}

func want[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func fields(fs ...Field) Fields {
	var s Fields
	for _, f := range fs {
		s.add(f)
	}
	return s
}

// checkFileError fails unless err is a complete *FileError of the code, line
// and column, or nil if code is "".
func checkFileError(t *testing.T, err error, code string, line int, column string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("error %v, want none", err)
		}
		return
	}
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v, want a *FileError %s", err, code)
	}
	if fe.Code != code || fe.Line != line || fe.Column != column || fe.Message == "" {
		t.Fatalf("error %+v, want code %s, line %d, column %q and a message", fe, code, line, column)
	}
}

// rowsOf builds a file: the template header and the given lines, LF ended.
func rowsOf(lines ...string) string {
	return Template + "\n" + strings.Join(lines, "\n") + "\n"
}

const validRow = "C;;Anna;Hansen;0101901234;;anna@example.dk;;;;3;;;;"

func TestEncodingDecidedLate(t *testing.T) {
	t.Parallel()
	// Over peekSize of ASCII rows, then Danish letters: the first non-ASCII
	// byte decides, not the start of the file.
	ascii := strings.Repeat(validRow+"\n", peekSize/len(validRow)+10)
	late := "C;;S\xf8ren;\xc6r\xf8;0101901234;;s@example.dk;;;;3;;;;\n"
	rd, rows, err := readAll(strings.NewReader(Template+"\n"+ascii+late), Options{})
	if err != nil {
		t.Fatal(err)
	}
	last := rows[len(rows)-1]
	want(t, "encoding", rd.Encoding(), "windows-1252")
	want(t, "first name", last.FirstName, "Søren")
	want(t, "surname", last.LastName, "Ærø")
	want(t, "problems", len(last.Problems), 0)

	// A UTF-8 file with an invalid byte beyond the deciding window: that row
	// alone has a problem.
	utf := "C;;Søren;Ærø;0101901234;;s@example.dk;;;;3;;;;\n"
	bad := "C;;S\xf8ren;Hansen;0101901234;;s@example.dk;;;;3;;;;\n"
	rd, rows, err = readAll(strings.NewReader(Template+"\n"+utf+ascii+bad+utf), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "encoding", rd.Encoding(), "utf-8")
	want(t, "first row", summary(rows[0]), "2 C")
	want(t, "bad row", summary(rows[len(rows)-2]), fmt.Sprintf("%d C encoding.invalid@Fornavn", rows[len(rows)-2].Line))
	want(t, "last row", len(rows[len(rows)-1].Problems), 0)
}

func TestLimits(t *testing.T) {
	t.Parallel()
	big := rowsOf(strings.Repeat(validRow+"\n", 200_000/len(validRow)))
	tests := []struct {
		name    string
		in      string
		opts    Options
		rows    int
		err     string
		errLine int
	}{
		{"rows at limit", rowsOf(validRow, validRow, "", validRow), Options{MaxRows: 3}, 3, "", 0},
		{"rows over limit", rowsOf(validRow, "", validRow, validRow), Options{MaxRows: 2}, 2, CodeFileTooManyRows, 5},
		{"bytes at limit", rowsOf(validRow), Options{MaxBytes: int64(len(rowsOf(validRow)))}, 1, "", 0},
		{"bytes over limit in the first window", rowsOf(validRow), Options{MaxBytes: int64(len(rowsOf(validRow)) - 1)}, 0, CodeFileTooLarge, 0},
		{"bytes over limit while streaming", big, Options{MaxBytes: 100_000}, -1, CodeFileTooLarge, 0},
		{"row too long", rowsOf(validRow, `C;;"`+strings.Repeat("x", 2*maxRowBytes)), Options{}, 1, CodeFileQuote, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, rows, err := readAll(strings.NewReader(tc.in), tc.opts)
			checkFileError(t, err, tc.err, tc.errLine, "")
			if tc.rows >= 0 && len(rows) != tc.rows {
				t.Errorf("%d rows, want %d", len(rows), tc.rows)
			}
			if tc.rows < 0 && len(rows) == 0 {
				t.Errorf("no rows before the error, want some")
			}
		})
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestStreams(t *testing.T) {
	t.Parallel()
	in := &countingReader{r: strings.NewReader(rowsOf(strings.Repeat(validRow+"\n", 100_000)))}
	rd, err := NewReader(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rd.Next(); err != nil {
		t.Fatal(err)
	}
	// The window, csv.Reader's buffer and at most one more bufio fill.
	if in.n > 2*peekSize+4096 {
		t.Errorf("read %d bytes for one row, want at most %d", in.n, 2*peekSize+4096)
	}
}

func TestReadErrorsPassThrough(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	// Fails in NewReader.
	if _, err := NewReader(iotest.ErrReader(boom), Options{}); !errors.Is(err, boom) {
		t.Errorf("NewReader error %v, want %v", err, boom)
	}
	// Fails after the first window.
	head := rowsOf(strings.Repeat(validRow+"\n", 2*peekSize/len(validRow)))
	_, rows, err := readAll(io.MultiReader(strings.NewReader(head), iotest.ErrReader(boom)), Options{})
	if !errors.Is(err, boom) || len(rows) == 0 {
		t.Errorf("after %d rows error %v, want %v", len(rows), err, boom)
	}
	var fe *FileError
	if errors.As(err, &fe) {
		t.Errorf("read error %v is a *FileError; the caller would reject a file it could retry", err)
	}
}

func TestErrorsAreSticky(t *testing.T) {
	t.Parallel()
	rd, err := NewReader(strings.NewReader(rowsOf(validRow, validRow)), Options{MaxRows: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rd.Next(); err != nil {
		t.Fatal(err)
	}
	_, first := rd.Next()
	_, second := rd.Next()
	if first == nil || first != second {
		t.Errorf("errors %v then %v, want the same *FileError twice", first, second)
	}

	rd, err = NewReader(strings.NewReader(rowsOf()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := rd.Next(); err != io.EOF {
			t.Fatalf("Next after the end = %v, want io.EOF", err)
		}
	}
}

func TestRowsAreIndependent(t *testing.T) {
	t.Parallel()
	// ReuseRecord must not let a later row overwrite an earlier one's cells.
	_, rows, err := readAll(strings.NewReader(rowsOf(validRow, strings.Replace(validRow, "Anna", "Bo", 1))), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "first row's cell", rows[0].Cells[2], "Anna")
	want(t, "second row's cell", rows[1].Cells[2], "Bo")
}

func TestSniffComma(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want rune
	}{
		{"Aktion;UUID;Fornavn", ';'},
		{"Aktion,UUID,Fornavn", ','},
		{"Aktion\tUUID\tFornavn", '\t'},
		{"\n\n  \nAktion,UUID", ','},
		{`"Aktion;1";"Fornavn,x,y"`, ';'}, // delimiters in quotes do not count
		{"Aktion;UUID,Fornavn", ';'},      // tie: the template's
		{"Aktion\tUUID,Fornavn", '\t'},
		{"Aktion", ';'},
		{"", ';'},
	}
	for _, tc := range tests {
		if got := sniffComma([]byte(tc.in)); got != tc.want {
			t.Errorf("sniffComma(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestValidUTF8(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		atEOF bool
		want  bool
	}{
		{"abc", true, true},
		{"søren", true, true},
		{"s\xf8ren", true, false},
		{"s\xc3", false, true}, // ø cut at the window's end
		{"s\xc3", true, false}, // ... or the file's
		{"s\xe2\x82", false, true},
		{"s\xc3\xc3", false, false},
		{"\x80", false, false},
	}
	for _, tc := range tests {
		if got := validUTF8([]byte(tc.in), tc.atEOF); got != tc.want {
			t.Errorf("validUTF8(%q, %v) = %v, want %v", tc.in, tc.atEOF, got, tc.want)
		}
	}
}

func TestLimitReader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		size, max int
		err       error
	}{{10, 10, nil}, {10, 11, nil}, {11, 10, errTooLarge}, {0, 0, nil}, {1, 0, errTooLarge}} {
		_, err := io.ReadAll(&limitReader{r: bytes.NewReader(make([]byte, tc.size)), left: int64(tc.max)})
		if err != tc.err {
			t.Errorf("%d bytes, limit %d: error %v, want %v", tc.size, tc.max, err, tc.err)
		}
	}
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }
