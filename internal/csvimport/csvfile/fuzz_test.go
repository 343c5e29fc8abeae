package csvfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// fuzzOrg has numbers of every kind and allows nothing, so that CheckAgainst
// has something to say.
var fuzzOrg = &tilgang.Organisation{
	IAL: 3, EANNumbers: []string{"5790001234567"}, PNumbers: []string{"1234567890"},
	SENumbers: []string{"12345678"}, Language: "en",
}

// FuzzReader feeds arbitrary bytes to the reader: it must not panic, must
// stop, and must report only *FileErrors and rows whose problems are known.
func FuzzReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{MaxRows: 50, MaxBytes: 1 << 20, Language: "en", Now: testNow}
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
			CheckAgainst(&row, fuzzOrg)
			checkProblems(t, row)
		}
	})
}

// FuzzRow puts arbitrary values into the 15 cells of one row under the
// template's header: no panic, and a row without problems is complete.
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
		rd, err := NewReader(&buf, Options{Language: "da", Now: testNow})
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
		CheckAgainst(&row, fuzzOrg)
		checkProblems(t, row)
		if _, err := rd.Next(); err != io.EOF {
			t.Fatalf("second Next = %v, want io.EOF", err)
		}
	})
}

func checkFuzzFileError(t *testing.T, err error) {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) || !KnownCode(fe.Code) || fe.Message == "" || strings.Contains(fe.Message, "%!") {
		t.Fatalf("error %v is not a complete *FileError", err)
	}
}

func checkProblems(t *testing.T, row Row) {
	t.Helper()
	for _, p := range row.Problems {
		if !KnownCode(p.Code) || strings.HasPrefix(p.Code, "file.") || strings.HasPrefix(p.Code, "header.") ||
			p.Message == "" || p.Message == p.Code || strings.Contains(p.Message, "%!") {
			t.Fatalf("line %d: problem %+v is not a complete row problem", row.Line, p)
		}
	}
}

// checkRow checks what must hold of every row the reader returns.
func checkRow(t *testing.T, row Row) {
	t.Helper()
	checkProblems(t, row)
	for _, c := range row.Cells {
		if !isText(c) {
			t.Fatalf("line %d: cell %q is not text", row.Line, c)
		}
	}
	if row.UUID != "" {
		if got, ok := parseUUID(row.UUID); !ok || got != row.UUID {
			t.Fatalf("line %d: UUID %q is not canonical", row.Line, row.UUID)
		}
	}
	if row.TargetIAL != 0 && row.TargetIAL != 3 && row.TargetIAL != 4 {
		t.Fatalf("line %d: TargetIAL %d", row.Line, row.TargetIAL)
	}
	if len(row.Problems) > 0 {
		return
	}
	switch row.Action {
	case ActionCreate:
		if row.FirstName == "" || row.LastName == "" || row.Email == "" || row.TargetIAL == 0 ||
			row.CPR.IsZero() && row.DateOfBirth == "" || row.UUID != "" {
			t.Fatalf("line %d: C row without problems is incomplete: %+v", row.Line, row)
		}
		if row.LoginMeans != "" && row.CPR.IsZero() {
			t.Fatalf("line %d: PrivatID without CPR", row.Line)
		}
	case ActionUpdate, ActionDelete:
		if row.UUID == "" && row.CPR.IsZero() {
			t.Fatalf("line %d: %s row without problems identifies no user", row.Line, row.Action)
		}
		if row.Action == ActionUpdate && row.Anonymous != nil {
			t.Fatalf("line %d: U row sets Anonym", row.Line)
		}
	default:
		t.Fatalf("line %d: row without problems has no action", row.Line)
	}
}
