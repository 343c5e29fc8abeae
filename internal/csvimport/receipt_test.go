package csvimport

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"

	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestReceiptJSONIsEncoded: the JSON receipt, written row by row, is byte
// for byte what json.Encoder makes of the whole receipt, with and without
// rows, with characters that JSON escapes.
func TestReceiptJSONIsEncoded(t *testing.T) {
	t.Parallel()
	summary := imports.Summary{ImportID: "5d1b4c1e-8a8e-5f0e-9d6e-2c7b2b0b6c11", File: "uge <47> & \"alt\".csv",
		Status: string(tilgang.ImportCompleted), Created: 1, Failed: 1, Skipped: 2}
	rows := []imports.ReceiptRow{
		imports.NewReceiptRow(tilgang.ImportRow{Line: 2, Action: "C", Result: tilgang.RowCreated, UserID: "u1"}),
		imports.NewReceiptRow(tilgang.ImportRow{Line: 3, Action: "C", Result: tilgang.RowFailed,
			Errors: []tilgang.RowError{{Column: "Email", Code: "email.format", Message: "Ikke en gyldig e-mailadresse <æøå>\u2028"}}}),
	}
	for _, n := range []int{0, 1, len(rows)} {
		var got bytes.Buffer
		w := bufio.NewWriter(&got)
		j, err := startReceiptJSON(w, summary)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows[:n] {
			if err := j.row(r); err != nil {
				t.Fatal(err)
			}
		}
		j.end()
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		if err := json.NewEncoder(&want).Encode(imports.Receipt{Summary: summary, Rows: append([]imports.ReceiptRow{}, rows[:n]...)}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%d rows:\n got %s\nwant %s", n, got.Bytes(), want.Bytes())
		}
	}
}
