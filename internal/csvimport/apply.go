package csvimport

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/tilgang/tilgang/internal/csvimport/csvfile"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// apply applies one row and returns its recorded result. limited says
// that the row finds its user by CPR number alone beyond the limits
// (limits.go): it fails without a look-up. An error is one of the store's
// (not of the row) and stops the run; the row is then not recorded and
// will be applied by the next run.
func (r *run) apply(ctx context.Context, row *csvfile.Row, limited bool) (tilgang.ImportRow, error) {
	res := tilgang.ImportRow{ImportID: r.imp.ID, Line: row.Line, Action: row.Action.String()}
	if limited {
		res.Errors = r.overLimit(row)
		return r.fail(ctx, res)
	}
	if len(row.Problems) > 0 {
		errs, err := r.unapplied(ctx, row)
		if err != nil {
			return res, err
		}
		res.Errors = errs
		return r.fail(ctx, res)
	}
	var do func(context.Context, *csvfile.Row, *tilgang.ImportRow) error
	switch row.Action {
	case csvfile.ActionCreate:
		do = r.create
	case csvfile.ActionUpdate:
		do = r.update
	case csvfile.ActionDelete:
		do = r.delete
	default:
		// The reader gives every row without a known action a problem;
		// should one slip through, it is recorded, never lost.
		res.Errors = []tilgang.RowError{{Column: row.Column(csvfile.FieldAction), Code: csvfile.CodeActionUnknown,
			Message: csvfile.Message(row.Language(), csvfile.CodeActionUnknown, "")}}
		return r.fail(ctx, res)
	}
	// A U or D row reads the user again when it changed between the row's
	// read and its write.
	_, err := tilgang.RetryStale(ctx, func() (struct{}, error) { return struct{}{}, do(ctx, row, &res) })
	if err == nil {
		return res, nil
	}
	if errors.Is(err, tilgang.ErrRowApplied) {
		return r.recorded(ctx, row.Line)
	}
	problems := tilgang.Problems(err)
	if len(problems) == 0 {
		return res, err
	}
	res.Result, res.UserID = "", ""
	res.Errors = rowErrors(row, problems)
	return r.fail(ctx, res)
}

func (r *run) actor() tilgang.Actor { return tilgang.ImportActor(r.imp) }

// fail records a row that is not applied.
func (r *run) fail(ctx context.Context, res tilgang.ImportRow) (tilgang.ImportRow, error) {
	res.Result, res.UserID = tilgang.RowFailed, ""
	err := r.h.store.PutImportRow(ctx, r.org.ID, &res)
	if errors.Is(err, tilgang.ErrRowApplied) {
		return r.recorded(ctx, res.Line)
	}
	return res, err
}

// recorded reads the result an earlier run recorded for a row.
func (r *run) recorded(ctx context.Context, line int) (tilgang.ImportRow, error) {
	got, err := r.h.store.ImportRow(ctx, r.org.ID, r.imp.ID, line)
	if err != nil {
		return tilgang.ImportRow{}, err
	}
	return *got, nil
}

// create applies a C row through the users rulebook, as ImportProfile.
func (r *run) create(ctx context.Context, row *csvfile.Row, res *tilgang.ImportRow) error {
	u, number := newUser(row)
	res.Result = tilgang.RowCreated
	_, err := r.h.users.Create(ctx, r.actor(), r.org, users.NewRequest{User: u, CPR: number, Profile: users.ImportProfile, Row: res})
	return err
}

// newUser is the user a C row creates, and its CPR number ("" for none).
func newUser(row *csvfile.Row) (*tilgang.User, string) {
	u := &tilgang.User{
		FirstName: row.FirstName, LastName: row.LastName, Email: row.Email, Phone: row.Phone,
		DateOfBirth: row.DateOfBirth, ReferenceText: row.ReferenceText, TargetIAL: row.TargetIAL,
		EAN: row.EAN, PNumber: row.PNumber, SENumber: row.SENumber, LoginMeans: row.LoginMeans,
	}
	if row.Anonymous != nil {
		u.Anonymous = *row.Anonymous
	}
	return u, row.CPR.Digits()
}

// update applies a U row: each cell that is not empty replaces its field,
// and the users rulebook judges the result, as ImportProfile.
func (r *run) update(ctx context.Context, row *csvfile.Row, res *tilgang.ImportRow) error {
	old, err := r.find(ctx, row)
	if err != nil {
		return err
	}
	res.Result, res.UserID = tilgang.RowUpdated, old.ID
	return r.h.users.UpdateRow(ctx, r.actor(), r.org, old, changedUser(row, old), users.ImportProfile, res)
}

// changedUser is old as a U row changes it: each cell that is not empty
// replaces its field.
func changedUser(row *csvfile.Row, old *tilgang.User) *tilgang.User {
	u := old.Clone()
	set := func(f csvfile.Field, dst *string, v string) {
		if row.Set.Has(f) {
			*dst = v
		}
	}
	set(csvfile.FieldFirstName, &u.FirstName, row.FirstName)
	set(csvfile.FieldLastName, &u.LastName, row.LastName)
	set(csvfile.FieldEmail, &u.Email, row.Email)
	set(csvfile.FieldPhone, &u.Phone, row.Phone)
	set(csvfile.FieldDateOfBirth, &u.DateOfBirth, row.DateOfBirth)
	set(csvfile.FieldReferenceText, &u.ReferenceText, row.ReferenceText)
	set(csvfile.FieldEAN, &u.EAN, row.EAN)
	set(csvfile.FieldPNumber, &u.PNumber, row.PNumber)
	set(csvfile.FieldSENumber, &u.SENumber, row.SENumber)
	set(csvfile.FieldLoginMeans, &u.LoginMeans, row.LoginMeans)
	if row.Set.Has(csvfile.FieldTargetIAL) {
		u.TargetIAL = row.TargetIAL
	}
	if row.Anonymous != nil {
		u.Anonymous = *row.Anonymous // the rulebook refuses a change
	}
	return u
}

func (r *run) delete(ctx context.Context, row *csvfile.Row, res *tilgang.ImportRow) error {
	u, err := r.find(ctx, row)
	var damaged *tilgang.UnreadableUser
	if errors.As(err, &damaged) {
		// Erasure works whatever the stored record holds (SPEC §14).
		u, err = damaged.User, nil
	}
	if err != nil {
		return err
	}
	res.Result, res.UserID = tilgang.RowDeleted, u.ID
	return r.h.users.DeleteRow(ctx, r.actor(), u, res)
}

// find reads the user a U or D row names by UUID or, without one, by CPR
// number. A CPR number is never compared with the user a UUID finds: the
// answer would tell whether it is the user's (SPEC §14), and the reader
// refuses rows that give both (csvfile.CodeCPRWithUUID).
func (r *run) find(ctx context.Context, row *csvfile.Row) (*tilgang.User, error) {
	switch {
	case row.UUID != "":
		u, err := r.h.users.Get(ctx, r.org, row.UUID)
		return u, notFound(err, "uuid")
	case !row.CPR.IsZero():
		u, err := r.h.users.ByCPR(ctx, r.org, row.CPR)
		return u, notFound(err, "cpr")
	}
	return nil, tilgang.ErrUserNotFound
}

// notFound turns the store's not-found into the row's problem, blaming the
// column that named the user.
func notFound(err error, field string) error {
	if errors.Is(err, tilgang.ErrUserNotFound) {
		return tilgang.ErrUserNotFound.At(field)
	}
	return err
}

// columns maps the fields that the users rulebook and the import blame
// (the admin API's names) to the columns of the file: the one place where
// a problem finds its cell.
var columns = map[string]csvfile.Field{
	"uuid": csvfile.FieldUUID, "id": csvfile.FieldUUID,
	"firstName": csvfile.FieldFirstName, "lastName": csvfile.FieldLastName,
	"cpr": csvfile.FieldCPR, "dateOfBirth": csvfile.FieldDateOfBirth,
	"email": csvfile.FieldEmail, "userName": csvfile.FieldEmail, "phone": csvfile.FieldPhone,
	"anonymous": csvfile.FieldAnonymous, "referenceText": csvfile.FieldReferenceText,
	"targetIal": csvfile.FieldTargetIAL, "ean": csvfile.FieldEAN, "pNumber": csvfile.FieldPNumber,
	"seNumber": csvfile.FieldSENumber, "loginMeans": csvfile.FieldLoginMeans,
}

// rowErrors are the problems that the users rulebook or the import found
// with a row, as receipt entries in the file's language and in the order of
// the columns (the row's own problems are in that order too).
func rowErrors(row *csvfile.Row, problems []*tilgang.Error) []tilgang.RowError {
	slices.SortStableFunc(problems, func(a, b *tilgang.Error) int { return cmp.Compare(columns[a.Field], columns[b.Field]) })
	out := make([]tilgang.RowError, len(problems))
	for i, p := range problems {
		var args []any
		if p.Code == tilgang.ErrTooLong.Code {
			args = append(args, users.MaxLength(p.Field))
		}
		out[i] = tilgang.RowError{Code: p.Code, Message: csvfile.Message(row.Language(), p.Code, p.Field, args...)}
		if f, ok := columns[p.Field]; ok {
			out[i].Column = row.Column(f)
		}
	}
	return out
}
