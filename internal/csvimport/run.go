package csvimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/tilgang/tilgang/internal/csvimport/csvfile"
	"github.com/tilgang/tilgang/internal/metrics"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// run is one invocation's work on one import, under its lease.
type run struct {
	h     *Handler
	obj   object
	org   *tilgang.Organisation
	imp   *tilgang.Import
	owner string
	log   *slog.Logger
	event events.S3EventRecord
}

// errDeadline stops a run that is about to reach its invocation's deadline.
var errDeadline = errors.New("csvimport: stopping before the deadline")

func (r *run) do(ctx context.Context) error {
	if !r.imp.Validated {
		rows, ferr, err := r.validate(ctx)
		if errors.Is(err, errObjectChanged) {
			return r.reject(ctx, &csvfile.FileError{Code: csvfile.CodeFileChanged, Message: csvfile.Message(r.org.Language, csvfile.CodeFileChanged, "")}, 0)
		}
		if err != nil {
			return r.stop(ctx, err)
		}
		if ferr != nil {
			return r.reject(ctx, ferr, rows.all)
		}
		limits, err := r.limits(ctx, rows.byCPR)
		if err != nil {
			return r.stop(ctx, err)
		}
		p := store.ImportProgress{Validated: true, Rows: rows.all, NextLine: r.imp.NextLine, Limits: &limits}
		if err := r.h.store.CheckpointImport(ctx, r.imp, r.owner, p, r.leaseUntil()); err != nil {
			return r.stop(ctx, err)
		}
	}
	if err := r.applyAll(ctx); err != nil {
		return r.stop(ctx, err)
	}
	if err := r.h.writeReceipts(ctx, r); err != nil {
		return r.stop(ctx, err)
	}
	if err := r.h.store.FinishImport(ctx, r.imp, r.owner, store.ImportEnd{Status: tilgang.ImportCompleted}); err != nil {
		return r.stop(ctx, err)
	}
	c := r.imp.Counts
	metrics.Add(ctx, metrics.ImportRows, c.Created+c.Updated+c.Deleted)
	r.log.InfoContext(ctx, "import completed", slog.Int("rows", r.imp.Rows), slog.Int("created", c.Created),
		slog.Int("updated", c.Updated), slog.Int("deleted", c.Deleted), slog.Int("failed", c.Failed))
	return nil
}

// reject ends the import of a file with a file-level problem: its
// receipts say why, and none of its rows is applied.
func (r *run) reject(ctx context.Context, ferr *csvfile.FileError, rows int) error {
	r.log.InfoContext(ctx, "file rejected", slog.String("code", ferr.Code), slog.Int("line", ferr.Line))
	if err := r.h.writeRejected(ctx, r.obj, r.imp, r.org.Language, ferr, rows); err != nil {
		return r.stop(ctx, err)
	}
	end := store.ImportEnd{Status: tilgang.ImportRejected, Reason: ferr.Message, Code: ferr.Code, Line: ferr.Line, Skipped: rows}
	if err := r.h.store.FinishImport(ctx, r.imp, r.owner, end); err != nil {
		return r.stop(ctx, err)
	}
	return nil
}

// stop ends the run early. Before the deadline it hands the import on to a
// continuation; a lost lease means another invocation carries on; anything
// else is returned, so the event is delivered again.
func (r *run) stop(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, store.ErrLeaseLost):
		r.log.WarnContext(ctx, "another invocation took the import over")
		return nil
	case errors.Is(err, errDeadline):
		// The lease goes first, so that the continuation can take it.
		if rerr := r.h.store.ReleaseImport(ctx, r.imp, r.owner); rerr != nil {
			return rerr
		}
		r.log.InfoContext(ctx, "import continues in a new invocation", slog.Int("nextLine", r.imp.NextLine))
		if r.h.continuer == nil {
			return nil
		}
		return r.h.continuer.Continue(ctx, events.S3Event{Records: []events.S3EventRecord{r.event}})
	}
	// Give the lease back on the way out where the context still allows, so
	// that a redelivery need not wait for it to run out.
	release, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_ = r.h.store.ReleaseImport(release, r.imp, r.owner)
	return err
}

func (r *run) leaseUntil() time.Time { return r.h.opts.Now().Add(r.h.opts.Lease) }

// nearDeadline reports whether the invocation should stop taking rows.
func (r *run) nearDeadline(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ok && d.Sub(r.h.opts.Now()) < r.h.opts.Reserve
}

// open reads the object's version from S3 as a stream.
func (r *run) open(ctx context.Context) (io.ReadCloser, error) {
	obj := r.obj
	in := &s3.GetObjectInput{Bucket: aws.String(obj.Bucket), Key: aws.String(obj.Key)}
	if obj.VersionID != "" {
		in.VersionId = aws.String(obj.VersionID)
	} else if obj.ETag != "" {
		in.IfMatch = aws.String(`"` + obj.ETag + `"`)
	}
	out, err := r.h.s3.GetObject(ctx, in)
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && (apiErr.ErrorCode() == "PreconditionFailed" || apiErr.ErrorCode() == "NoSuchVersion" || apiErr.ErrorCode() == "NoSuchKey") {
		return nil, fmt.Errorf("%w: %s", errObjectChanged, apiErr.ErrorCode())
	}
	if err != nil {
		return nil, fmt.Errorf("get object: %w", err)
	}
	return out.Body, nil
}

// errObjectChanged means the version an event names can no longer be read:
// deleted, or overwritten in a bucket without versioning. No later
// delivery can read it either, so the import ends as rejected.
var errObjectChanged = errors.New("csvimport: the object's version is gone")

func (r *run) reader(body io.Reader) (*csvfile.Reader, error) {
	return csvfile.NewReader(body, csvfile.Options{
		MaxRows: r.h.opts.MaxRows, MaxBytes: r.h.opts.MaxBytes, Language: r.org.Language,
	})
}

// rowCount counts a file's data rows, and those of them that find their
// user by CPR number alone (byCPR).
type rowCount struct{ all, byCPR int }

// validate reads the whole file once. It returns the rows it counted and
// the file-level problem that rejects the file, if any; err is a read
// error, after which the file is not judged.
func (r *run) validate(ctx context.Context) (rows rowCount, ferr *csvfile.FileError, err error) {
	body, err := r.open(ctx)
	if err != nil {
		return rowCount{}, nil, err
	}
	defer body.Close()
	rd, err := r.reader(body)
	if errors.As(err, &ferr) {
		return rowCount{}, ferr, nil
	}
	if err != nil {
		return rowCount{}, nil, fmt.Errorf("read object: %w", err)
	}
	for {
		row, err := rd.Next()
		switch {
		case err == io.EOF:
			return rows, nil, nil
		case errors.As(err, &ferr):
			return rows, ferr, nil
		case err != nil:
			return rowCount{}, nil, fmt.Errorf("read object: %w", err)
		}
		rows.all++
		if findsByCPR(&row) {
			rows.byCPR++
		}
	}
}
