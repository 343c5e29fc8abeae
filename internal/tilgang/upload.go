package tilgang

import "time"

// Upload is the grant of one CSV upload (SPEC §6): an administrator asked
// for it, and only the object it names may be imported, into the
// organisation of that administrator. A file under imports/ that no grant
// names is never applied, whatever prefix it was written to.
type Upload struct {
	ID    string // the import's id once the file arrives
	OrgID string
	// Name is the object's name under imports/<OrgID>/ without ".csv";
	// uploads granted through the admin API use ID.
	Name string
	// FileName is the name the uploader gave the file, shown on the import.
	FileName string
	// Uploader names who was granted the upload (an admin token), as
	// history names actors; UploaderID is that token's id.
	Uploader   string
	UploaderID string
	// UploaderBy is the uploader as history stores actors (SPEC §9).
	UploaderBy *By
	// ContentLength is the exact size in bytes the upload URL is signed
	// for; S3 refuses any other body.
	ContentLength int64
	CreatedAt     time.Time
	ExpiresAt     time.Time // the upload URL works until then
	// ObjectVersion is the one object version the grant was used for, set
	// by the first import of it: a second write with the same URL is
	// another version and is not imported.
	ObjectVersion string
}

// ErrUploadNotGranted means an object under imports/ has no grant, or its
// grant was used for another version of the object.
var ErrUploadNotGranted = &Error{Kind: KindNotFound, Code: "upload.not_granted", Message: "no upload was granted for this object"}

// ErrReceiptNotReady is the answer for the receipt of an import that is
// still running.
var ErrReceiptNotReady = &Error{Kind: KindState, Code: "import.running", Message: "the import is still running; its receipt comes when it ends"}
