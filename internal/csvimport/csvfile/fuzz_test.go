package csvfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/tilgang/tilgang/internal/cpr"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/validate"
)

// FuzzReader feeds arbitrary bytes to the reader: it must not panic, must
// stop, and must report only *FileErrors and rows whose problems are known.
func FuzzReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{MaxRows: 50, MaxBytes: 1 << 20, Language: "en"}
		rd, err := NewReader(bytes.NewReader(data), opts)
		if err != nil {
			checkFuzzFileError(t, err)
			return
		}
		last := 0
		// Every row takes at least one line of the input, so a reader that
		// does not stop within this many calls loops.
		for calls := 0; ; calls++ {
			if calls > len(data)+1 {
				t.Fatalf("%d calls of Next on %d bytes: the reader does not stop", calls, len(data))
			}
			row, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				checkFuzzFileError(t, err)
				if _, again := rd.Next(); again != err {
					t.Fatalf("Next after %v returned %v", err, again)
				}
				break
			}
			if row.Line <= last {
				t.Fatalf("row on line %d after a row on line %d", row.Line, last)
			}
			last = row.Line
			checkRow(t, row)
		}
	})
}

// FuzzRow puts arbitrary values into the 15 cells of one row under the
// template's header: no panic, and the row's values are its cells.
func FuzzRow(f *testing.F) {
	f.Fuzz(func(t *testing.T, action, uuid, first, last, cprNo, born, email, phone, anon, ref, ial, ean, pno, seno, login string) {
		var buf bytes.Buffer
		buf.WriteString(Template + "\n")
		w := csv.NewWriter(&buf)
		w.Comma = ';'
		cells := []string{action, uuid, first, last, cprNo, born, email, phone, anon, ref, ial, ean, pno, seno, login}
		if err := w.Write(cells); err != nil {
			t.Skip(err) // csv.Writer refuses nothing we send, but do not blame the reader if it does
		}
		w.Flush()
		rd, err := NewReader(&buf, Options{Language: "da"})
		if err != nil {
			// Only control characters in the cells can make the file binary.
			var fe *FileError
			if !errors.As(err, &fe) || fe.Code != CodeFileBinary || isText(strings.Join(cells, "")) {
				t.Fatalf("NewReader: %v", err)
			}
			return
		}
		row, err := rd.Next()
		if err == io.EOF {
			// Blank as the file's encoding reads it: in Windows-1252 the
			// byte A0 is a no-break space.
			read := cells
			if rd.Encoding() == "windows-1252" {
				read = make([]string, len(cells))
				for i, c := range cells {
					read[i], _ = charmap.Windows1252.NewDecoder().String(c)
				}
			}
			if !blank(read) {
				t.Fatalf("a row that is not blank was skipped: %q", cells)
			}
			return
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if row.Line != 2 || len(row.Cells) != 15 {
			t.Fatalf("row on line %d with %d cells, want line 2 with 15", row.Line, len(row.Cells))
		}
		checkRow(t, row)
		if _, err := rd.Next(); err != io.EOF {
			t.Fatalf("second Next = %v, want io.EOF", err)
		}
	})
}

func checkFuzzFileError(t *testing.T, err error) {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) || !knownCode(fe.Code) && fe.Code != CodeFileChanged || fe.Message == "" || strings.Contains(fe.Message, "%!") {
		t.Fatalf("error %v is not a complete *FileError", err)
	}
}

func checkProblems(t *testing.T, row Row) {
	t.Helper()
	for _, p := range row.Problems {
		if !knownCode(p.Code) || strings.HasPrefix(p.Code, "file.") || strings.HasPrefix(p.Code, "header.") ||
			p.Message == "" || p.Message == p.Code || strings.Contains(p.Message, "%!") {
			t.Fatalf("line %d: problem %+v is not a complete row problem", row.Line, p)
		}
	}
}

// checkRow checks what must hold of every row the reader returns: its
// cells are text, its problems complete, and each value is its cell,
// trimmed, unless the cell has a problem.
func checkRow(t *testing.T, row Row) {
	t.Helper()
	checkProblems(t, row)
	for _, c := range row.Cells {
		if !isText(c) {
			t.Fatalf("line %d: cell %q is not text", row.Line, c)
		}
	}
	if row.UUID != "" {
		if got, ok := parseUUID(row.UUID); !ok || got != row.UUID || row.Action == ActionCreate {
			t.Fatalf("line %d: UUID %q in a %s row", row.Line, row.UUID, row.Action)
		}
	}
	if row.TargetIAL < 0 {
		t.Fatalf("line %d: TargetIAL %d", row.Line, row.TargetIAL)
	}
	if !row.CPR.IsZero() {
		if n, err := cpr.Parse(row.CPR.Digits()); err != nil || n != row.CPR {
			t.Fatalf("line %d: CPR number that does not parse", row.Line)
		}
	}
	blamed := map[string]bool{}
	for _, p := range row.Problems {
		if p.Code == CodeRowColumns || p.Code == CodeRowQuote {
			return // the cells were not read
		}
		blamed[p.Column] = true
	}
	if (row.Action == ActionUpdate || row.Action == ActionDelete) && row.Cell(FieldUUID) != "" && row.Cell(FieldCPR) != "" {
		// SPEC §14: no CPR number to compare with the user a UUID finds.
		if !row.CPR.IsZero() || !slices.ContainsFunc(row.Problems, func(p Problem) bool { return p.Code == CodeCPRWithUUID }) {
			t.Fatalf("line %d: %s row with UUID and CPR number has CPR %v and problems %+v", row.Line, row.Action, !row.CPR.IsZero(), row.Problems)
		}
	}
	if len(row.Problems) == 0 {
		switch {
		case row.Action == 0:
			t.Fatalf("line %d: row without problems has no action", row.Line)
		case row.Action != ActionCreate && row.UUID == "" && row.CPR.IsZero():
			t.Fatalf("line %d: %s row without problems identifies no user", row.Line, row.Action)
		}
	}
	if row.Action == ActionDelete {
		return
	}
	for f, v := range map[Field]string{
		FieldFirstName: row.FirstName, FieldLastName: row.LastName, FieldDateOfBirth: row.DateOfBirth,
		FieldEmail: row.Email, FieldPhone: row.Phone, FieldReferenceText: row.ReferenceText,
		FieldEAN: row.EAN, FieldPNumber: row.PNumber, FieldSENumber: row.SENumber, FieldLoginMeans: row.LoginMeans,
	} {
		cell := ""
		if i := row.header.at[f]; i >= 0 {
			cell = strings.TrimSpace(row.Cells[i])
		}
		want := cell
		switch {
		case blamed[row.Column(f)]:
			want = ""
		case f == FieldLoginMeans && strings.EqualFold(cell, tilgang.LoginMeansPrivateMitID):
			want = tilgang.LoginMeansPrivateMitID
		}
		if v != want {
			t.Fatalf("line %d: %s is %q, want %q", row.Line, f, v, want)
		}
		if v != "" && f != FieldFirstName && f != FieldLastName && f != FieldEmail && f != FieldReferenceText &&
			f != FieldLoginMeans && validate.Scientific(v) {
			t.Fatalf("line %d: %s %q is in scientific notation", row.Line, f, v)
		}
	}
}
