package operator

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/tilgang"
)

func importGroup() Group {
	return Group{Name: "import", Summary: "re-drive CSV imports", Verbs: []Verb{
		{Name: "redrive", Summary: "run a stuck or failed import again from its uploaded file", Usage: "--org ID --import ID", Setup: importRedrive},
	}}
}

// redriveResult is what import redrive prints.
type redriveResult struct {
	OrgID    string `json:"orgId"`
	ImportID string `json:"importId"`
	Key      string `json:"key"`
	// Ran says where: "lambda" (invoked asynchronously: follow the import
	// in the admin API) or "here" (make dev: done when the command ends).
	Ran    string `json:"ran"`
	Status string `json:"status,omitempty"` // after a run here
}

// importRedrive re-delivers an import's S3 event to csvimport, as S3 did.
// An import that is cut off (its continuation failed) or whose event the
// function gave up on (ImportDeadLetterQueue) stays "running" with a lease
// that has run out, or has no record at all when it failed before the
// import began. csvimport resumes it from its last checkpoint and applies
// no row twice (each row's result is written once), so a re-drive is
// always safe; a finished import is left alone.
func importRedrive(fs *flag.FlagSet) func(context.Context, *Call) error {
	orgID := fs.String("org", "", "organisation id")
	importID := fs.String("import", "", "the import's id (GET /admin/v1/imports)")
	return func(ctx context.Context, c *Call) error {
		if err := required("org", *orgID, "import", *importID); err != nil {
			return err
		}
		id, err := uuid.Parse(strings.TrimSpace(*importID))
		if err != nil {
			return Usagef("--import: not an import id")
		}
		env, err := c.Env(ctx)
		if err != nil {
			return err
		}
		a, org, err := c.organisation(ctx, *orgID)
		if err != nil {
			return err
		}
		if org.Disabled() {
			return fmt.Errorf("organisation %s is disabled, so its files are not imported: enable it first (tilgang org enable)", org.ID)
		}
		rec, err := redriveEvent(ctx, c, env, org, id.String())
		if err != nil {
			return err
		}
		run, err := env.Importer(ctx)
		if err != nil {
			return err
		}
		if err := run.Handle(ctx, events.S3Event{Records: []events.S3EventRecord{rec}}); err != nil {
			return fmt.Errorf("re-drive import %s: %w", id, err)
		}
		out := redriveResult{OrgID: org.ID, ImportID: id.String(), Key: rec.S3.Object.URLDecodedKey, Ran: "lambda"}
		if env.ImportFunction == "" {
			out.Ran = "here"
			imp, err := a.Store.Import(ctx, org.ID, id.String())
			switch {
			case errors.Is(err, tilgang.ErrImportNotFound):
				// csvimport ignored the file or rejected it before the
				// import began; it logged why.
				out.Status = "not begun"
			case err != nil:
				return err
			default:
				out.Status = string(imp.Status)
			}
		}
		return c.output(out, func(w io.Writer) {
			if out.Ran == "here" {
				fmt.Fprintf(w, "import %s of %s ran again: %s\n", out.ImportID, org.Name, out.Status)
				return
			}
			fmt.Fprintf(w, "import %s of %s handed to %s; follow it at GET /admin/v1/imports/%s\n", out.ImportID, org.Name, env.ImportFunction, out.ImportID)
		})
	}
}

// redriveEvent builds the S3 event record of import id of org: from its
// record, or, if it never began, from its upload grant and the object.
func redriveEvent(ctx context.Context, c *Call, env *Env, org *tilgang.Organisation, id string) (events.S3EventRecord, error) {
	a, err := env.App()
	if err != nil {
		return events.S3EventRecord{}, err
	}
	imp, err := a.Store.Import(ctx, org.ID, id)
	switch {
	case err == nil:
		if imp.Status != tilgang.ImportRunning {
			return events.S3EventRecord{}, fmt.Errorf("import %s is %s: nothing to re-drive (a new file needs a new upload)", id, imp.Status)
		}
		if now := c.Now(); imp.Lease != "" && imp.LeaseUntil.After(now) {
			return events.S3EventRecord{}, fmt.Errorf("import %s is running now (lease until %s): wait, and re-drive it if it has not moved by then",
				id, formatTime(imp.LeaseUntil))
		}
		return s3Record(env, imp.Bucket, imp.Key, imp.Version), nil
	case !errors.Is(err, tilgang.ErrImportNotFound):
		return events.S3EventRecord{}, err
	}
	// No record: the import failed before it began. Uploads through the
	// admin API name their object by the import's id.
	up, err := a.Store.Upload(ctx, org.ID, id)
	if errors.Is(err, tilgang.ErrUploadNotGranted) {
		return events.S3EventRecord{}, fmt.Errorf("organisation %s has no import or upload %s", org.ID, id)
	}
	if err != nil {
		return events.S3EventRecord{}, err
	}
	if env.Bucket == "" {
		return events.S3EventRecord{}, Usagef("this import never began; give --bucket (or --stack) so its file can be found")
	}
	key := imports.ImportKey(org.ID, up.Name)
	version := up.ObjectVersion
	if version == "" && env.ImportFunction != "" {
		// The bucket policy lets only the csvimport function read
		// imports/, so the event names no version and the function
		// imports the object as it is; if the file never arrived, the
		// function fails and the event goes back to the dead-letter queue.
		return s3Record(env, env.Bucket, key, ""), nil
	}
	if version == "" {
		head, err := a.S3().HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(env.Bucket), Key: aws.String(key)})
		var nf *s3types.NotFound
		if errors.As(err, &nf) {
			return events.S3EventRecord{}, fmt.Errorf("import %s is awaiting its upload: the file never arrived, so there is nothing to re-drive", id)
		}
		if err != nil {
			return events.S3EventRecord{}, fmt.Errorf("read %s: %w", key, err)
		}
		version = aws.ToString(head.VersionId)
		if version == "" || version == "null" {
			version = "etag:" + strings.Trim(aws.ToString(head.ETag), `"`) + "/"
		}
	}
	return s3Record(env, env.Bucket, key, version), nil
}

// s3Record is the ObjectCreated record S3 sends for the object version
// version as csvimport names it: a version id, or "etag:<ETag>/<sequencer>"
// in an unversioned bucket.
func s3Record(env *Env, bucket, key, version string) events.S3EventRecord {
	// S3 sends the key form-encoded; the Lambda library decodes it.
	obj := events.S3Object{Key: url.QueryEscape(key), URLDecodedKey: key}
	if rest, ok := strings.CutPrefix(version, "etag:"); ok {
		obj.ETag, obj.Sequencer, _ = strings.Cut(rest, "/")
	} else {
		obj.VersionID = version
	}
	return events.S3EventRecord{
		EventVersion: "2.1", EventSource: "aws:s3", AWSRegion: env.AWS.Region, EventTime: time.Now().UTC(),
		EventName: "ObjectCreated:Put",
		S3:        events.S3Entity{Bucket: events.S3Bucket{Name: bucket}, Object: obj},
	}
}
