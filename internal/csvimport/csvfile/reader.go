// Package csvfile reads the CSV files of the bulk user import (SPEC §6) into
// rows: cells become values, and what the file's format gets wrong becomes
// a problem. It is a parser and knows no rules of users: whether the
// values make a valid user is the users rulebook's to judge (the caller
// applies each row through it), and whether the user exists, whether UUID
// and CPR name the same user, and whether e-mail or CPR number are taken
// need the stored users and are the caller's too. It also holds the one
// catalogue of fix-it messages for every code a receipt can carry
// (Message), since the Reader's problems need them as much as the
// caller's.
//
// A Reader streams: it holds a 64 KiB window of the file and the row at hand
// (at most 1 MiB), never the file. The rules it reads by:
//
//   - Encoding: UTF-8 after a byte order mark; otherwise the first non-ASCII
//     byte decides, UTF-8 if the 64 KiB from there are valid UTF-8, else
//     Windows-1252 (what Danish Excel writes). Invalid UTF-8 later in a
//     UTF-8 file is a problem of the row it is in (encoding.invalid).
//   - Binary content (NUL bytes, or over 5% control characters, in the first
//     64 KiB; a workbook; UTF-16) rejects the file.
//   - The delimiter is the one of ';', tab and ',' that the header line has
//     most of, ';' on a tie. Lines end in CRLF or LF (not a lone CR).
//   - The header is the first line that is not blank. Columns are matched by
//     name, not position (see Field); empty header cells are ignored.
//   - Rows whose cells are all blank are skipped. Every other row must have
//     exactly as many cells as the header, or it gets row.columns.
//   - A row's Line is the physical line it starts on, counting from 1 and
//     counting the header, whatever quoted line breaks come before.
//   - A row's format: an action (C, U or D), a UUID only where it names a
//     user, a U or D row's user named by UUID or CPR number, a CPR number
//     that cpr.Parse reads, J or N in Anonym, a TargetIAL that is a whole
//     number, and no number that Excel wrote in scientific notation (CPR,
//     Foedselsdato, Telefon, TargetIAL, EAN, P- and SE-number).
//
// It reports two kinds of trouble. A *FileError rejects the whole file (a
// bad header, binary content, a file over the limits); it can come from
// NewReader or, for limits and unreadable quotes found on the way, from Next
// after rows were returned. A Problem belongs to one row, which must then
// not be applied; the other rows are unaffected. Since "rejected" means
// "nothing applied", a caller that applies rows as it reads must first read
// the file through once (which is cheap) to be sure no *FileError is coming.
//
// Messages are in Danish or English and say how to fix the cell in Excel.
// They never repeat a cell's value, which may be a CPR number.
package csvfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Defaults of Options (SPEC §6).
const (
	DefaultMaxRows  = 100_000
	DefaultMaxBytes = tilgang.ImportMaxBytes
)

// Options configure a Reader. The zero value means the defaults and Danish.
type Options struct {
	// MaxRows is the most data rows a file may have (blank rows and the
	// header do not count); 0 or less means DefaultMaxRows.
	MaxRows int
	// MaxBytes is the largest file, counted in the bytes read from the
	// io.Reader; 0 or less means DefaultMaxBytes.
	MaxBytes int64
	// Language is the language of messages: "en" for English, anything
	// else (the empty string too) Danish.
	Language string
}

// FileError is a problem with the file as a whole: the file is rejected and
// none of its rows may be applied.
type FileError struct {
	Code    string // one of the CodeFile* and CodeHeader* constants
	Line    int    // 1-based line of the file it concerns, 0 if none
	Column  string // the header column it concerns, if any
	Message string // in Options.Language; says what to do
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("csvfile: line %d: %s: %s", e.Line, e.Code, e.Message)
	}
	return fmt.Sprintf("csvfile: %s: %s", e.Code, e.Message)
}

// A Reader reads the rows of one import file. Create it with NewReader.
type Reader struct {
	text     *textReader
	csv      *csv.Reader
	header   *header
	comma    rune
	maxRows  int
	maxBytes int64
	rows     int   // data rows returned
	lastLine int   // line of the last record read, for errors that have no line of their own
	err      error // sticky: io.EOF, a *FileError or a read error
}

// NewReader starts reading an import file from r: it decides the encoding
// and the delimiter, rejects binary files, and reads the header line.
//
// Problems with the file come back as a *FileError. Any other error is one
// of r's read errors: the file was not judged, and the caller may try again.
func NewReader(r io.Reader, opts Options) (*Reader, error) {
	rd := &Reader{maxRows: opts.MaxRows, maxBytes: opts.MaxBytes}
	if rd.maxRows <= 0 {
		rd.maxRows = DefaultMaxRows
	}
	if rd.maxBytes <= 0 {
		rd.maxBytes = DefaultMaxBytes
	}
	rd.header = newHeader(language(opts.Language))

	src := bufio.NewReaderSize(&limitReader{r: r, left: rd.maxBytes}, peekSize)
	prefix, err := src.Peek(peekSize)
	switch {
	case err == nil, err == io.EOF:
	case errors.Is(err, errTooLarge):
		return nil, rd.tooLarge()
	default:
		return nil, err
	}
	rd.text = &textReader{src: src, stop: math.MaxInt64}
	if bytes.HasPrefix(prefix, bom) {
		prefix = prefix[len(bom):]
		rd.text.bom, rd.text.dec = true, src
		src.Discard(len(bom))
	}
	if key, binary := binaryKey(prefix); binary {
		return nil, rd.fileError(key, 0)
	}
	rd.comma = sniffComma(prefix)
	rd.csv = csv.NewReader(rd.text)
	rd.csv.Comma = rd.comma
	rd.csv.FieldsPerRecord = -1 // the count is checked per row, so that one bad row is one row's problem
	rd.csv.ReuseRecord = true   // Next copies what it keeps

	for {
		rec, line, perr, err := rd.read()
		switch {
		case err == io.EOF:
			return nil, rd.fileError(CodeFileEmpty, 0)
		case err != nil:
			return nil, err
		case perr != nil:
			return nil, rd.fileError(CodeFileQuote+"/header", line)
		case blank(rec):
			continue
		}
		if ferr := rd.header.mapHeader(rec, line); ferr != nil {
			return nil, ferr
		}
		return rd, nil
	}
}

// Next returns the next row that is not blank, with its problems. At the end
// of the file it returns io.EOF.
//
// A *FileError from Next rejects the whole file, though rows came before it:
// file.too_many_rows is found on reading the first row over the limit (its
// Line is that row's), file.too_large and file.quote where the reading gets
// to. Any other error is a read error of the underlying io.Reader, which
// says nothing about the file. After an error, Next returns the same error
// again.
func (rd *Reader) Next() (Row, error) {
	if rd.err != nil {
		return Row{}, rd.err
	}
	for {
		rec, line, perr, err := rd.read()
		if err != nil {
			rd.err = err
			return Row{}, err
		}
		if perr == nil && blank(rec) {
			continue
		}
		rd.rows++
		if rd.rows > rd.maxRows {
			rd.err = rd.fileError(CodeFileTooManyRows, line, rd.maxRows)
			return Row{}, rd.err
		}
		return rd.row(rec, line, perr), nil
	}
}

// Header returns the header line's cells as the file has them (invalid UTF-8
// replaced), for a receipt that repeats the file's columns.
func (rd *Reader) Header() []string { return rd.header.cells }

// Comma returns the delimiter found in the header line: ';', ',' or '\t'.
func (rd *Reader) Comma() rune { return rd.comma }

// Encoding returns the encoding decided so far: "windows-1252" or "utf-8".
// A file that is ASCII up to where reading has come reads as "utf-8" and may
// still turn out to be "windows-1252" at its first non-ASCII byte.
func (rd *Reader) Encoding() string { return rd.text.encoding() }

// BOM reports whether the file starts with a UTF-8 byte order mark.
func (rd *Reader) BOM() bool { return rd.text.bom }

// read reads one record. A problem that loses only this record comes back as
// perr with the partial record; one that makes the rest of the file
// unreadable as a *FileError in err.
func (rd *Reader) read() (rec []string, line int, perr *csv.ParseError, err error) {
	rd.text.stop = rd.text.n + maxRowBytes
	rec, err = rd.csv.Read()
	switch {
	case err == nil:
		line, _ = rd.csv.FieldPos(0)
		rd.lastLine = line
		return rec, line, nil, nil
	case err == io.EOF:
		return nil, 0, nil, io.EOF
	case errors.Is(err, errTooLarge):
		return nil, 0, nil, rd.tooLarge()
	case errors.Is(err, errRowTooLong):
		return nil, 0, nil, rd.fileError(CodeFileQuote+"/after", rd.lastLine, rd.lastLine)
	}
	pe, ok := err.(*csv.ParseError) // csv.Reader returns its own errors unwrapped
	switch {
	case !ok:
		return nil, 0, nil, err
	case pe.Err == csv.ErrQuote && pe.Line > pe.StartLine:
		// A quote error that spans lines has swallowed the lines after the
		// opening quote, maybe up to the end of the file: those rows are
		// lost, so the file cannot be judged row by row. Within one line
		// (a bare quote, or text after a closing quote) only this row is.
		return nil, 0, nil, rd.fileError(CodeFileQuote, pe.StartLine, pe.StartLine)
	}
	rd.lastLine = pe.StartLine
	return rec, pe.StartLine, pe, nil
}

func (rd *Reader) tooLarge() *FileError {
	size := fmt.Sprintf("%d bytes", rd.maxBytes)
	if rd.maxBytes%(1<<20) == 0 {
		size = fmt.Sprintf("%d MB", rd.maxBytes>>20)
	}
	return rd.fileError(CodeFileTooLarge, 0, size)
}

func (rd *Reader) fileError(key string, line int, args ...any) *FileError {
	return &FileError{Code: codeOf(key), Line: line, Message: message(rd.header.lang, key, args...)}
}

// blank reports whether every cell is empty or white space: such rows, which
// Excel leaves behind where rows were cleared, are skipped.
func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
