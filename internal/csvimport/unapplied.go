package csvimport

import (
	"cmp"
	"context"
	"slices"

	"github.com/tilgang/tilgang/internal/csvimport/csvfile"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// unapplied returns the receipt entries of a row that the reader found
// format problems in, which is therefore not applied: those problems, and
// what the users rulebook finds wrong with the row's other cells, so that
// the person fixing the file sees every problem of the row at once rather
// than one per upload. The rulebook's problems with a cell that has a
// format problem are left out: the reader's message already says what to
// fix there. An error is one of the store's and stops the run, as in apply.
func (r *run) unapplied(ctx context.Context, row *csvfile.Row) ([]tilgang.RowError, error) {
	faulty := make(map[string]bool, len(row.Problems)) // columns with a format problem
	var out []tilgang.RowError
	for _, p := range row.Problems {
		out = append(out, tilgang.RowError{Column: p.Column, Code: p.Code, Message: p.Message})
		faulty[p.Column] = true
	}
	problems, err := r.judge(ctx, row, faulty)
	if err != nil {
		return nil, err
	}
	for _, e := range rowErrors(row, problems) {
		if e.Column == "" || !faulty[e.Column] {
			out = append(out, e)
		}
	}
	// In the template's order of the columns, as each part is already.
	slices.SortStableFunc(out, func(a, b tilgang.RowError) int {
		return cmp.Compare(fieldOfColumn(row, a.Column), fieldOfColumn(row, b.Column))
	})
	return out, nil
}

// judge asks the users rulebook what is wrong with a C or U row whose
// format has problems, judging each faulty cell as the file writes it. A
// row whose cells were not read (a wrong count of cells, a stray quote),
// a row without a known action, a D row and a U row whose user cannot be
// told have nothing to judge.
func (r *run) judge(ctx context.Context, row *csvfile.Row, faulty map[string]bool) ([]*tilgang.Error, error) {
	for _, p := range row.Problems {
		if p.Code == csvfile.CodeRowColumns || p.Code == csvfile.CodeRowQuote {
			return nil, nil
		}
	}
	cells := *row
	raw := func(f csvfile.Field, dst *string) {
		if faulty[row.Column(f)] {
			*dst = row.Cell(f)
		}
	}
	raw(csvfile.FieldFirstName, &cells.FirstName)
	raw(csvfile.FieldLastName, &cells.LastName)
	raw(csvfile.FieldDateOfBirth, &cells.DateOfBirth)
	raw(csvfile.FieldEmail, &cells.Email)
	raw(csvfile.FieldPhone, &cells.Phone)
	raw(csvfile.FieldReferenceText, &cells.ReferenceText)
	raw(csvfile.FieldEAN, &cells.EAN)
	raw(csvfile.FieldPNumber, &cells.PNumber)
	raw(csvfile.FieldSENumber, &cells.SENumber)
	raw(csvfile.FieldLoginMeans, &cells.LoginMeans)

	var err error
	switch row.Action {
	case csvfile.ActionCreate:
		u, number := newUser(&cells)
		// A CPR cell with a problem is still a CPR number given: the
		// rulebook must not ask for one (identity, PrivatID).
		raw(csvfile.FieldCPR, &number)
		err = r.h.users.Judge(r.org, users.ImportProfile, nil, u, number)
	case csvfile.ActionUpdate:
		if faulty[row.Column(csvfile.FieldUUID)] || faulty[row.Column(csvfile.FieldCPR)] {
			return nil, nil // the user the row means is not known
		}
		old, ferr := r.find(ctx, row)
		if ferr != nil {
			err = ferr
			break
		}
		err = r.h.users.Judge(r.org, users.ImportProfile, old, changedUser(&cells, old), "")
	default:
		return nil, nil
	}
	if err == nil {
		return nil, nil
	}
	if problems := tilgang.Problems(err); len(problems) > 0 {
		return problems, nil
	}
	return nil, err
}

// fieldOfColumn returns the field whose column the row's file names
// column, or 0 (the row as a whole) for none.
func fieldOfColumn(row *csvfile.Row, column string) csvfile.Field {
	for f := csvfile.FieldAction; f <= csvfile.FieldLoginMeans; f++ {
		if row.Column(f) == column {
			return f
		}
	}
	return 0
}
