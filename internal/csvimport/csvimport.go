// Package csvimport applies CSV files of users dropped into the bucket
// (SPEC §6) and writes their receipts.
//
// An object is imported only if an administrator was granted its upload
// (POST /imports, SPEC §6): its organisation is the one of that grant, never
// a prefix the writer chose, and an object without a grant is ignored (no
// receipt, nothing applied). The grant is bound to the first object version
// imported with it; the import's id is the grant's, so every delivery of an
// event finds the same import record, and a second version written with the
// same URL is ignored.
// One invocation at a time holds the record's lease; the others leave. The
// holder first reads the whole file to be sure it has no file-level problem
// (nothing is applied from a rejected file), then applies the rows with
// bounded concurrency, each row in one transaction with its result
// (tilgang.Change.Row), which can be written once: however often and however
// concurrently a file is delivered, a row is applied once. Progress is
// checkpointed in the record; a run that is cut off resumes after the last
// checkpoint, and rows applied after it are found by their results. The
// receipts are made from the file and the recorded results, so they are the
// same whichever invocation writes them.
package csvimport

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/csvimport/csvfile"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/logging"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// Layout of the bucket (SPEC §6).
const (
	ImportPrefix  = imports.ImportPrefix
	ReceiptPrefix = imports.ReceiptPrefix
)

// Options tune a Handler. The zero value gives the defaults.
type Options struct {
	// MaxRows and MaxBytes limit a file; 0 means csvfile's defaults
	// (100,000 rows, 50 MB).
	MaxRows  int
	MaxBytes int64
	// Workers is how many rows are applied at once; 0 means DefaultWorkers.
	Workers int
	// Reserve is how much time before the invocation's deadline the import
	// stops taking rows, checkpoints and hands on to a continuation; 0
	// means DefaultReserve.
	Reserve time.Duration
	// Lease is how long an invocation holds an import without checkpointing
	// before another delivery may take over; 0 means DefaultLease.
	Lease time.Duration
	// CheckpointEvery is how many applied rows make a checkpoint; 0 means
	// DefaultCheckpointEvery. A checkpoint is also made every Lease/3.
	CheckpointEvery int
	// CPRLookupsPerFile and CPRLookupsPerDay limit the U and D rows that
	// find their user by CPR number alone, per file and per organisation
	// per day (Europe/Copenhagen), so that files cannot test CPR numbers
	// in bulk (SPEC §14); 0 means DefaultCPRLookupsPerFile and
	// DefaultCPRLookupsPerDay.
	CPRLookupsPerFile int
	CPRLookupsPerDay  int
	// RowsPerSecond paces an import: after a first second's worth of rows,
	// rows start at most this often. 0 means DefaultRowsPerSecond, a
	// negative value no pacing.
	RowsPerSecond float64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits for d or until ctx ends, for the pacing; nil means a
	// timer. Tests pass one that moves their clock.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Defaults of Options.
const (
	DefaultWorkers         = 16
	DefaultReserve         = 30 * time.Second
	DefaultLease           = 45 * time.Second
	DefaultCheckpointEvery = 500
	// A person's file that updates or deletes users found by CPR number
	// needs few such rows a day; bulk work names users by UUID, which
	// every receipt and the admin API give.
	DefaultCPRLookupsPerFile = 100
	DefaultCPRLookupsPerDay  = users.DefaultCPRLookupsPerDay // one allowance with the other doors' CPR look-ups
	// DefaultRowsPerSecond is an import's pace. Every row writes the
	// organisation's index partitions (GSI1 ORG#<org>#USERS and
	// #HISTORY, GSI2 ORG#<org>#STATUS#<status>) and the import's own
	// partition, about 1–2 write units each; paced, one import stays
	// near 25 % of a partition's 1,000 write units a second, whatever
	// else the organisation does meanwhile (its identity provider's
	// sync), and the imports that run at once (the function's reserved
	// concurrency, template.yaml) stay within the table's quota. The
	// capacity simulator (infra/capacity) models both: 100,000 rows take
	// about 17 minutes, continued over invocations.
	DefaultRowsPerSecond = 100
)

// Continuer carries an import on in a new invocation when the current one
// is about to reach its deadline: in Lambda it invokes the function again
// with the same event.
type Continuer interface {
	Continue(ctx context.Context, ev events.S3Event) error
}

// Handler handles S3 ObjectCreated events for imports/. Build it with New.
type Handler struct {
	s3        *s3.Client
	store     *store.Store
	users     *users.Service
	continuer Continuer
	log       *slog.Logger
	opts      Options
}

// New returns a handler that reads objects with s3c, applies rows through
// svc, keeps import records in st and continues cut-off imports with cont
// (nil: a cut-off import waits for the next delivery of its event).
func New(s3c *s3.Client, st *store.Store, svc *users.Service, cont Continuer, log *slog.Logger, opts Options) *Handler {
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.Reserve <= 0 {
		opts.Reserve = DefaultReserve
	}
	if opts.Lease <= 0 {
		opts.Lease = DefaultLease
	}
	if opts.CheckpointEvery <= 0 {
		opts.CheckpointEvery = DefaultCheckpointEvery
	}
	if opts.CPRLookupsPerFile <= 0 {
		opts.CPRLookupsPerFile = DefaultCPRLookupsPerFile
	}
	if opts.CPRLookupsPerDay <= 0 {
		opts.CPRLookupsPerDay = DefaultCPRLookupsPerDay
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RowsPerSecond == 0 {
		opts.RowsPerSecond = DefaultRowsPerSecond
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	return &Handler{s3: s3c, store: st, users: svc, continuer: cont, log: log, opts: opts}
}

// Handle processes one S3 event. An error means some object could not be
// processed now (a read or write failed); the event may then be delivered
// again, which is safe.
func (h *Handler) Handle(ctx context.Context, ev events.S3Event) error {
	var errs []error
	for _, rec := range ev.Records {
		if err := h.object(ctx, rec); err != nil {
			errs = append(errs, fmt.Errorf("csvimport: %s: %w", rec.S3.Object.URLDecodedKey, err))
		}
	}
	return errors.Join(errs...)
}

// object is one dropped object.
type object struct {
	Bucket, Key, Version string
	VersionID, ETag      string // for reading exactly the version the event names
	OrgID, Name          string // Name is the file name without .csv
	// ImportID is the id of the upload grant, set once the grant is found.
	ImportID string
}

func (o object) receiptKey(ext string) string {
	return imports.ReceiptKey(o.OrgID, o.Name, ext)
}

// parseObject reads the event's object; ok is false for keys outside
// imports/<organisationId>/<name>.csv.
func parseObject(rec events.S3EventRecord) (o object, ok bool) {
	key := rec.S3.Object.URLDecodedKey
	if key == "" {
		key = rec.S3.Object.Key
	}
	rest, found := strings.CutPrefix(key, ImportPrefix)
	orgID, file, _ := strings.Cut(rest, "/")
	if !found || orgID == "" || strings.Contains(file, "/") || !strings.EqualFold(path.Ext(file), ".csv") || len(file) == len(".csv") {
		return object{}, false
	}
	o = object{
		Bucket: rec.S3.Bucket.Name, Key: key, OrgID: orgID, Name: file[:len(file)-len(".csv")],
		VersionID: rec.S3.Object.VersionID, ETag: rec.S3.Object.ETag,
	}
	if o.VersionID != "" {
		o.Version = o.VersionID
	} else {
		o.Version = "etag:" + o.ETag + "/" + rec.S3.Object.Sequencer
	}
	return o, true
}

func (h *Handler) object(ctx context.Context, rec events.S3EventRecord) error {
	obj, ok := parseObject(rec)
	if !ok {
		h.log.InfoContext(ctx, "object outside imports/<organisationId>/<name>.csv ignored",
			slog.String("bucket", rec.S3.Bucket.Name), slog.String("key", rec.S3.Object.URLDecodedKey))
		return nil
	}
	grant, err := h.grant(ctx, obj)
	if errors.Is(err, tilgang.ErrUploadNotGranted) {
		// Whoever wrote it was not granted this upload by an administrator
		// (or reused a URL for a second version): its prefix proves nothing,
		// so it gets no receipt and changes no one.
		h.log.WarnContext(ctx, "object under imports/ without an upload grant ignored",
			slog.String("bucket", obj.Bucket), slog.String("key", obj.Key), slog.String("version", obj.Version))
		return nil
	}
	if err != nil {
		return err
	}
	obj.ImportID = grant.ID
	logging.SetOrg(ctx, obj.OrgID) // the grant proves the prefix
	log := h.log.With(slog.String("key", obj.Key), slog.String("importId", obj.ImportID))
	org, err := h.organisation(ctx, obj.OrgID)
	if err == nil && org.Disabled() {
		// An operator disabled it after granting the upload: nothing is
		// applied, and the receipt says the organisation is unknown.
		err = tilgang.ErrOrgNotFound
	}
	if errors.Is(err, tilgang.ErrOrgNotFound) {
		log.WarnContext(ctx, "import for an unknown organisation rejected")
		return h.writeRejected(ctx, obj, nil, "da", &csvfile.FileError{Code: csvfile.CodeOrgUnknown, Message: csvfile.Message("da", csvfile.CodeOrgUnknown, "")}, 0)
	}
	if err != nil {
		return err
	}
	file := grant.FileName
	if file == "" {
		if file, err = h.formFileName(ctx, obj); err != nil {
			return err
		}
	}
	file = cmp.Or(file, obj.Name+path.Ext(obj.Key))
	imp := &tilgang.Import{ID: obj.ImportID, OrgID: org.ID, Bucket: obj.Bucket, Key: obj.Key, Version: obj.Version, File: file, Uploader: grant.Uploader, UploaderBy: grant.UploaderBy}
	owner := uuid.NewString()
	cur, err := h.store.StartImport(ctx, imp, owner, h.opts.Now().Add(h.opts.Lease))
	switch {
	case errors.Is(err, store.ErrImportBusy):
		log.InfoContext(ctx, "another delivery of this object is importing it")
		return nil
	case err != nil:
		return err
	case cur.Status != tilgang.ImportRunning:
		log.InfoContext(ctx, "object imported before", slog.String("status", string(cur.Status)))
		return nil
	}
	r := &run{h: h, obj: obj, org: org, imp: cur, owner: owner, log: log, event: rec}
	return r.do(ctx)
}

// grant claims the upload grant of obj for its version: only an object an
// administrator was granted, and only the first version written with the
// grant, is imported.
func (h *Handler) grant(ctx context.Context, obj object) (*tilgang.Upload, error) {
	if _, err := uuid.Parse(obj.OrgID); err != nil || len(obj.OrgID) != 36 {
		return nil, tilgang.ErrUploadNotGranted
	}
	return h.store.ClaimUpload(ctx, obj.OrgID, obj.Name, obj.Version)
}

// formFileName is the name the console's upload form gave obj's version
// in its metadata (imports.FileNameField), or "" if it gave none the admin
// API would take: a bad name only leaves the import named after its key.
// A version gone since is no name either; the run finds it gone.
func (h *Handler) formFileName(ctx context.Context, obj object) (string, error) {
	in := &s3.HeadObjectInput{Bucket: aws.String(obj.Bucket), Key: aws.String(obj.Key)}
	if obj.VersionID != "" {
		in.VersionId = aws.String(obj.VersionID)
	} else if obj.ETag != "" {
		in.IfMatch = aws.String(`"` + obj.ETag + `"`)
	}
	out, err := h.s3.HeadObject(ctx, in)
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && (apiErr.ErrorCode() == "NotFound" || apiErr.ErrorCode() == "NoSuchKey" ||
		apiErr.ErrorCode() == "NoSuchVersion" || apiErr.ErrorCode() == "PreconditionFailed") {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("csvimport: head %s: %w", obj.Key, err)
	}
	name, _ := imports.FormFileName(out.Metadata[imports.FileNameMetadata])
	return name, nil
}

// organisation reads the organisation an object's key names; an id that is
// not a UUID names none.
func (h *Handler) organisation(ctx context.Context, id string) (*tilgang.Organisation, error) {
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		return nil, tilgang.ErrOrgNotFound
	}
	return h.store.Organisation(ctx, id)
}

// sleep waits for d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pacer spaces rows to Options.RowsPerSecond: the first second's worth go
// at once, then row n starts no earlier than (n - burst) intervals after
// the first.
type pacer struct {
	every time.Duration // 0: no pacing
	burst int
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
	start time.Time
	n     int
}

func newPacer(opts Options) *pacer {
	p := &pacer{now: opts.Now, sleep: opts.Sleep}
	if opts.RowsPerSecond > 0 {
		p.every = time.Duration(float64(time.Second) / opts.RowsPerSecond)
		p.burst = max(1, int(opts.RowsPerSecond))
	}
	return p
}

// wait returns when the next row may start.
func (p *pacer) wait(ctx context.Context) error {
	if p.every == 0 {
		return nil
	}
	if p.n == 0 {
		p.start = p.now()
	}
	p.n++
	if p.n <= p.burst {
		return nil
	}
	due := p.start.Add(time.Duration(p.n-p.burst) * p.every)
	if d := due.Sub(p.now()); d > 0 {
		return p.sleep(ctx, d)
	}
	return nil
}
