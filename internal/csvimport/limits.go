package csvimport

import (
	"context"
	"fmt"

	"github.com/tilgang/tilgang/internal/csvimport/csvfile"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// A U or D row may find its user by CPR number alone, and its result then
// tells whether a user has the number. So that files cannot test numbers in
// bulk (SPEC §14), such rows are limited per file and per organisation per
// day (Options.CPRLookupsPerFile, CPRLookupsPerDay): when the file is
// validated, the import reserves one look-up for each such row, up to the
// file's limit, from the day's count in the table
// (store.ReserveCPRLookups), and records how many it got
// (tilgang.Import.CPRLookups). The first that many rows in line order look
// their user up; the others fail with cpr.lookup_limit before any look-up,
// so their result is the same whether a user has the number or not. The
// record and the receipt carry a warning saying how many rows failed so.
//
// The reservation is made once per import: a resumed or redelivered run
// reads it from the record, so every run refuses the same rows. A run cut
// off between the reservation and the record's write reserves again on
// the next delivery, which errs on the side of fewer look-ups.

// findsByCPR reports whether row finds its user by CPR number alone.
func findsByCPR(row *csvfile.Row) bool {
	return (row.Action == csvfile.ActionUpdate || row.Action == csvfile.ActionDelete) &&
		row.UUID == "" && !row.Set.Has(csvfile.FieldUUID) && !row.CPR.IsZero()
}

// limits reserves the look-ups of the byCPR rows that find their user by
// CPR number alone, and says what the limits refused.
func (r *run) limits(ctx context.Context, byCPR int) (store.ImportLimits, error) {
	perFile, perDay := r.h.opts.CPRLookupsPerFile, r.h.opts.CPRLookupsPerDay
	var l store.ImportLimits
	if want := min(byCPR, perFile); want > 0 {
		day := tilgang.Today(r.h.opts.Now())
		granted, err := r.h.store.ReserveCPRLookups(ctx, r.org.ID, day, want, perDay)
		if err != nil {
			return l, fmt.Errorf("reserve CPR look-ups: %w", err)
		}
		l.CPRLookups = granted
	}
	if refused := byCPR - l.CPRLookups; refused > 0 {
		l.Warnings = append(l.Warnings, tilgang.ImportWarning{
			Code: csvfile.CodeCPRLookupLimit, Rows: refused,
			Message: csvfile.Message(r.org.Language, csvfile.CodeCPRLookupLimit, "import", refused, perFile, perDay),
		})
	}
	return l, nil
}

// overLimit is the result of a row that finds its user by CPR number alone
// beyond the limits: its own format problems, which need no look-up, and
// the limit.
func (r *run) overLimit(row *csvfile.Row) []tilgang.RowError {
	var out []tilgang.RowError
	for _, p := range row.Problems {
		out = append(out, tilgang.RowError{Column: p.Column, Code: p.Code, Message: p.Message})
	}
	return append(out, tilgang.RowError{
		Column: row.Column(csvfile.FieldCPR), Code: csvfile.CodeCPRLookupLimit,
		Message: csvfile.Message(row.Language(), csvfile.CodeCPRLookupLimit, "", r.h.opts.CPRLookupsPerFile, r.h.opts.CPRLookupsPerDay),
	})
}
