package csvimport

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/tilgang/tilgang/internal/csvimport/csvfile"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// receiptColumns are the result columns the CSV receipt adds, and the
// words for the results, per language.
var receiptColumns = map[string][3]string{
	"da": {"Resultat", "Fejlkode", "Besked"},
	"en": {"Result", "Error code", "Message"},
}

var resultWords = map[string]map[string]string{
	"da": {tilgang.RowCreated: "oprettet", tilgang.RowUpdated: "opdateret", tilgang.RowDeleted: "slettet", tilgang.RowFailed: "fejl", "rejected": "afvist"},
	"en": {tilgang.RowCreated: "created", tilgang.RowUpdated: "updated", tilgang.RowDeleted: "deleted", tilgang.RowFailed: "failed", "rejected": "rejected"},
}

func lang(l string) string {
	if l == "en" {
		return "en"
	}
	return "da"
}

// writeReceipts writes both receipts of a finished import from the file
// and the recorded results. They depend on nothing else, so every
// invocation that writes them writes the same bytes.
func (h *Handler) writeReceipts(ctx context.Context, r *run) error {
	body, err := r.open(ctx)
	if err != nil {
		return err
	}
	defer body.Close()
	rd, err := r.reader(body)
	if err != nil {
		return fmt.Errorf("read object: %w", err)
	}
	l := lang(r.org.Language)
	csvFile, err := newSpool()
	if err != nil {
		return err
	}
	defer csvFile.discard()
	jsonFile, err := newSpool()
	if err != nil {
		return err
	}
	defer jsonFile.discard()

	cw := receiptWriter(csvFile.w)
	cols := receiptColumns[l]
	if err := cw.Write(append(inert(rd.Header()), cols[:]...)); err != nil {
		return err
	}
	summary := imports.SummaryOf(r.imp)
	summary.Status = string(tilgang.ImportCompleted)
	jw, err := startReceiptJSON(jsonFile.w, summary)
	if err != nil {
		return err
	}

	results := &rowResults{ctx: ctx, h: h, orgID: r.org.ID, importID: r.imp.ID}
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read object: %w", err)
		}
		res, err := results.at(row.Line)
		if err != nil {
			return err
		}
		codes, messages := make([]string, len(res.Errors)), make([]string, len(res.Errors))
		for i, e := range res.Errors {
			codes[i] = e.Code
			messages[i] = e.Message
			if e.Column != "" {
				messages[i] = e.Column + ": " + e.Message
			}
		}
		line := append(inert(row.Cells), resultWords[l][res.Result], strings.Join(codes, ", "), strings.Join(messages, " "))
		if err := cw.Write(line); err != nil {
			return err
		}
		if err := jw.row(imports.NewReceiptRow(res)); err != nil {
			return err
		}
	}
	jw.end()
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if superseded, err := h.superseded(ctx, r.obj); err != nil || superseded {
		return err
	}
	if err := h.put(ctx, r.obj.Bucket, r.obj.receiptKey("csv"), "text/csv; charset=utf-8", csvFile); err != nil {
		return err
	}
	return h.put(ctx, r.obj.Bucket, r.obj.receiptKey("json"), "application/json", jsonFile)
}

// writeRejected writes the receipts of a rejected file in language; imp is
// nil when the organisation does not exist. rows is the number of data rows
// read before the problem, all of them skipped.
func (h *Handler) writeRejected(ctx context.Context, obj object, imp *tilgang.Import, language string, ferr *csvfile.FileError, rows int) error {
	receipt := imports.Receipt{Summary: imports.Summary{ImportID: obj.ImportID, File: obj.Name + ".csv", Status: string(tilgang.ImportRejected),
		Reason: ferr.Message, Code: ferr.Code, Line: ferr.Line, Skipped: rows}, Rows: []imports.ReceiptRow{}}
	l := lang(language)
	if imp != nil {
		receipt.File = imp.File
	}
	if superseded, err := h.superseded(ctx, obj); err != nil || superseded {
		return err
	}
	csvFile, err := newSpool()
	if err != nil {
		return err
	}
	defer csvFile.discard()
	cw := receiptWriter(csvFile.w)
	cols := receiptColumns[l]
	msg := ferr.Message
	if ferr.Line > 0 {
		msg = map[string]string{"da": "Linje ", "en": "Line "}[l] + strconv.Itoa(ferr.Line) + ": " + msg
	}
	_ = cw.Write(cols[:])
	_ = cw.Write([]string{resultWords[l]["rejected"], ferr.Code, msg})
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	jsonFile, err := newSpool()
	if err != nil {
		return err
	}
	defer jsonFile.discard()
	if err := json.NewEncoder(jsonFile.w).Encode(receipt); err != nil {
		return fmt.Errorf("csvimport: encode receipt: %w", err)
	}
	if err := h.put(ctx, obj.Bucket, obj.receiptKey("csv"), "text/csv; charset=utf-8", csvFile); err != nil {
		return err
	}
	return h.put(ctx, obj.Bucket, obj.receiptKey("json"), "application/json", jsonFile)
}

// superseded reports whether a newer version of the object exists. The
// receipts are named after the object, not its version, so the import of an
// older version, finishing late, must not overwrite the newer one's.
func (h *Handler) superseded(ctx context.Context, obj object) (bool, error) {
	out, err := h.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(obj.Bucket), Key: aws.String(obj.Key)})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && (apiErr.ErrorCode() == "NotFound" || apiErr.ErrorCode() == "NoSuchKey") {
		return false, nil // deleted since: this version's receipt is the last word
	}
	if err != nil {
		return false, fmt.Errorf("csvimport: head %s: %w", obj.Key, err)
	}
	if obj.VersionID != "" {
		return aws.ToString(out.VersionId) != obj.VersionID, nil
	}
	return obj.ETag != "" && strings.Trim(aws.ToString(out.ETag), `"`) != obj.ETag, nil
}

// receiptJSON writes the JSON receipt row by row, so that the receipt of
// 100,000 rows takes no memory: encoding/json encodes the summary and each
// row, and the rows go into the summary's array as they come. The result
// is byte for byte what json.Encoder makes of the whole imports.Receipt
// (TestReceiptJSONIsEncoded holds it to that).
type receiptJSON struct {
	w    *bufio.Writer
	rows int
}

// startReceiptJSON writes the summary with its rows array left open.
func startReceiptJSON(w *bufio.Writer, s imports.Summary) (*receiptJSON, error) {
	b, err := json.Marshal(imports.Receipt{Summary: s, Rows: []imports.ReceiptRow{}})
	if err != nil {
		return nil, fmt.Errorf("csvimport: encode receipt: %w", err)
	}
	// The rows come last (SPEC §10), so the document ends in the empty
	// array and the object's end.
	open, ok := bytes.CutSuffix(b, []byte("[]}"))
	if !ok {
		return nil, fmt.Errorf("csvimport: the receipt's rows are not its last field: %s", b)
	}
	w.Write(open)
	w.WriteByte('[')
	return &receiptJSON{w: w}, nil
}

func (j *receiptJSON) row(r imports.ReceiptRow) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("csvimport: encode receipt row %d: %w", r.Line, err)
	}
	if j.rows > 0 {
		j.w.WriteByte(',')
	}
	j.w.Write(b)
	j.rows++
	return nil
}

// end closes the array and the document, with json.Encoder's newline.
func (j *receiptJSON) end() { j.w.WriteString("]}\n") }

// receiptWriter writes CSV as Danish Excel reads it: UTF-8 with a byte
// order mark, semicolons, CRLF.
func receiptWriter(w *bufio.Writer) *csv.Writer {
	w.WriteString("\ufeff")
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	return cw
}

// inert returns cells with those that a spreadsheet would run as a formula
// (starting with = + - @, or a tab or carriage return before one) prefixed
// with an apostrophe, which makes Excel show them as text.
func inert(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			c = "'" + c
		}
		out[i] = c
	}
	return out
}

// rowResults reads the recorded results in line order, a page at a time.
type rowResults struct {
	ctx      context.Context
	h        *Handler
	orgID    string
	importID string
	page     []tilgang.ImportRow
	next     int // line to read the next page from; -1 at the end
}

var errResultMissing = errors.New("csvimport: a row has no recorded result")

func (rr *rowResults) at(line int) (tilgang.ImportRow, error) {
	for {
		for len(rr.page) > 0 && rr.page[0].Line < line {
			rr.page = rr.page[1:]
		}
		if len(rr.page) > 0 {
			if rr.page[0].Line == line {
				return rr.page[0], nil
			}
			return tilgang.ImportRow{}, fmt.Errorf("%w (line %d)", errResultMissing, line)
		}
		if rr.next < 0 {
			return tilgang.ImportRow{}, fmt.Errorf("%w (line %d)", errResultMissing, line)
		}
		rows, next, err := rr.h.store.ImportRows(rr.ctx, rr.orgID, rr.importID, max(rr.next, line), 1000)
		if err != nil {
			return tilgang.ImportRow{}, err
		}
		rr.page, rr.next = rows, next
		if next == 0 {
			rr.next = -1
		}
	}
}

// spool is a receipt on its way to S3, kept in a temporary file so that a
// receipt of 100,000 rows takes no memory.
type spool struct {
	f *os.File
	w *bufio.Writer
}

func newSpool() (*spool, error) {
	f, err := os.CreateTemp("", "receipt-*")
	if err != nil {
		return nil, fmt.Errorf("csvimport: temporary receipt file: %w", err)
	}
	return &spool{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (s *spool) discard() {
	s.f.Close()
	os.Remove(s.f.Name())
}

// put uploads a spooled receipt.
func (h *Handler) put(ctx context.Context, bucket, key, contentType string, s *spool) error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("csvimport: write receipt: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("csvimport: rewind receipt: %w", err)
	}
	_, err := h.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: s.f, ContentType: aws.String(contentType),
	})
	if err != nil {
		return fmt.Errorf("csvimport: put %s: %w", key, err)
	}
	return nil
}
