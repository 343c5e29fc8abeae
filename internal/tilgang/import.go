package tilgang

import "time"

// The import file's format as the pages that hand out templates and
// upload grants need it, here rather than in the CSV reader so that the
// console does not link the reader's text decoding (SPEC §6).
const (
	// ImportHeader is the header line of the import template, the column
	// names in the order the seed guides give them.
	ImportHeader = "Aktion;UUID;Fornavn;Efternavn;CPR;Foedselsdato;Email;Telefon;Anonym;" +
		"Referencetekst;TargetIAL;EAN;P-nummer;SE-nummer;Loginmiddel"
	// ImportMaxBytes is the default limit of an import file's size.
	ImportMaxBytes = 50 << 20
)

// ImportStatus is where a CSV import is (SPEC §6).
type ImportStatus string

// Import statuses.
const (
	ImportRunning   ImportStatus = "running"
	ImportCompleted ImportStatus = "completed"
	ImportRejected  ImportStatus = "rejected"
	// ImportAwaitingUpload is an upload granted whose file has not
	// arrived; it is never stored as an import's status.
	ImportAwaitingUpload ImportStatus = "awaitingUpload"
)

// Row results of an import.
const (
	RowCreated = "created"
	RowUpdated = "updated"
	RowDeleted = "deleted"
	RowFailed  = "failed"
)

// Import is the import of one version of one CSV object. Its ID is derived
// from the bucket, key and version, so every delivery of the same version
// finds the same import.
type Import struct {
	ID      string
	OrgID   string
	Bucket  string
	Key     string
	Version string // object version id, or ETag and sequencer when unversioned
	File    string // the object's name without the prefix, or the name its uploader gave it
	// Uploader names the administrator who was granted the upload (SPEC §6).
	Uploader string
	// UploaderBy is the uploader as data, for history and pages; imports
	// granted before it was recorded have only Uploader.
	UploaderBy *By
	Status     ImportStatus
	Reason     string // why a rejected file was rejected, in the organisation's language
	// ReasonCode and ReasonLine name the file-level problem of a rejected
	// file (e.g. header.unknown) and the line it is on, if any.
	ReasonCode string
	ReasonLine int
	// Validated is set once the whole file has been read and found free of
	// file-level problems; only then are rows applied.
	Validated bool
	// Rows is the number of data rows, known once the file is validated.
	Rows int
	// NextLine is the checkpoint: every row before this line is applied and
	// counted in Counts.
	NextLine int
	Counts   ImportCounts
	// CPRLookups is how many of the rows that find their user by CPR
	// number alone may look it up: the first CPRLookups such rows in line
	// order; the others fail (SPEC §14, a capped number of CPR-only
	// look-ups per file and per organisation per day). Set, with Warnings,
	// when the file is validated.
	CPRLookups int
	// Warnings tell administrators what the import left undone as a whole.
	Warnings []ImportWarning
	// Lease names the invocation that works on the import until LeaseUntil;
	// another delivery meanwhile leaves it alone.
	Lease      string
	LeaseUntil time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ImportWarning is something about a whole import that administrators must
// see, such as rows refused by the limit of CPR look-ups.
type ImportWarning struct {
	Code    string // e.g. cpr.lookup_limit
	Message string // in the organisation's language; says what to do
	Rows    int    // how many rows it concerns
}

// ImportCounts sums the row results of an import.
type ImportCounts struct {
	Created, Updated, Deleted, Failed, Skipped int
}

// ImportRow is the result of one row of an import.
type ImportRow struct {
	ImportID string
	Line     int // 1-based line in the file; the header is line 1
	Action   string
	Result   string // RowCreated, RowUpdated, RowDeleted or RowFailed
	UserID   string
	Errors   []RowError
}

// RowError is one problem of a row, with the column to fix.
type RowError struct {
	Column  string
	Code    string
	Message string
}

// ErrRowApplied means the import row was applied before: its result is
// stored and the row must not be applied again.
var ErrRowApplied = &Error{Kind: KindConflict, Code: "import.row_applied", Message: "the row was applied before"}

// ErrImportNotFound is the answer for an import id that the organisation
// does not have.
var ErrImportNotFound = &Error{Kind: KindNotFound, Code: "import.not_found", Message: "no such import"}
