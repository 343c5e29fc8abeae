// Package csvimport applies CSV files of users dropped into the bucket
// (SPEC §6) and writes their receipts.
//
// An import is the import of one version of one object: its id is derived
// from bucket, key and version (ETag and sequencer where the bucket is not
// versioned), so every delivery of an event finds the same import record.
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
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/csvimport/csvfile"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// Layout of the bucket (SPEC §6).
const (
	ImportPrefix  = "imports/"
	ReceiptPrefix = "receipts/"
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
	// Now is the clock; nil means time.Now.
	Now func() time.Time
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
	DefaultCPRLookupsPerDay  = 1000
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
}

func (o object) importID() string {
	return uuid.NewSHA1(importNamespace, []byte(o.Bucket+"\x00"+o.Key+"\x00"+o.Version)).String()
}

// importNamespace makes import ids: UUID v5 of bucket, key and version.
var importNamespace = uuid.MustParse("7d1c3c52-5a0e-4b55-9a52-2f7f3a0e9c11")

func (o object) receiptKey(ext string) string {
	return ReceiptPrefix + o.OrgID + "/" + o.Name + ".receipt." + ext
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
	log := h.log.With(slog.String("key", obj.Key), slog.String("importId", obj.importID()))
	org, err := h.organisation(ctx, obj.OrgID)
	if errors.Is(err, tilgang.ErrOrgNotFound) {
		log.WarnContext(ctx, "import for an unknown organisation rejected")
		return h.writeRejected(ctx, obj, nil, "da", &csvfile.FileError{Code: csvfile.CodeOrgUnknown, Message: csvfile.Message("da", csvfile.CodeOrgUnknown, "")}, 0)
	}
	if err != nil {
		return err
	}
	imp := &tilgang.Import{ID: obj.importID(), OrgID: org.ID, Bucket: obj.Bucket, Key: obj.Key, Version: obj.Version, File: obj.Name + path.Ext(obj.Key)}
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

// organisation reads the organisation an object's key names; an id that is
// not a UUID names none.
func (h *Handler) organisation(ctx context.Context, id string) (*tilgang.Organisation, error) {
	if _, err := uuid.Parse(id); err != nil || len(id) != 36 {
		return nil, tilgang.ErrOrgNotFound
	}
	return h.store.Organisation(ctx, id)
}
