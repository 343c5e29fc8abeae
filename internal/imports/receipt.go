package imports

import "github.com/tilgang/tilgang/internal/tilgang"

// Receipt is the JSON receipt of an import (SPEC §10): the file's result
// and one entry per row. The csvimport function writes it next to the
// file; the admin API shows the same fields.
type Receipt struct {
	Summary
	Rows []ReceiptRow `json:"rows"` // [] for a rejected file
}

// Summary is a receipt without its rows.
type Summary struct {
	ImportID string `json:"importId"`
	File     string `json:"file"`
	Status   string `json:"status"`
	Reason   string `json:"reason,omitempty"`
	// Code and Line say which file-level problem rejected the file.
	Code    string `json:"code,omitempty"`
	Line    int    `json:"line,omitempty"`
	Created int    `json:"created"`
	Updated int    `json:"updated"`
	Deleted int    `json:"deleted"`
	Failed  int    `json:"failed"`
	Skipped int    `json:"skipped"`
	// Warnings tell administrators what the import left undone as a
	// whole: rows refused by the limit of CPR look-ups (cpr.lookup_limit).
	Warnings []Warning `json:"warnings,omitempty"`
}

// Warning is one warning about a whole import.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Rows    int    `json:"rows"`
}

// SummaryOf returns the summary of imp as it stands.
func SummaryOf(imp *tilgang.Import) Summary {
	c := imp.Counts
	s := Summary{
		ImportID: imp.ID, File: imp.File, Status: string(imp.Status), Reason: imp.Reason, Code: imp.ReasonCode, Line: imp.ReasonLine,
		Created: c.Created, Updated: c.Updated, Deleted: c.Deleted, Failed: c.Failed, Skipped: c.Skipped,
	}
	for _, w := range imp.Warnings {
		s.Warnings = append(s.Warnings, Warning(w))
	}
	return s
}

// ReceiptRow is one row's result.
type ReceiptRow struct {
	Line   int            `json:"line"`
	Action string         `json:"action"`
	Result string         `json:"result"`
	UserID string         `json:"userId,omitempty"`
	Errors []ReceiptError `json:"errors"`
}

// ReceiptError is one problem of a row.
type ReceiptError struct {
	Column  string `json:"column"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// NewReceiptRow converts a recorded row result.
func NewReceiptRow(r tilgang.ImportRow) ReceiptRow {
	out := ReceiptRow{Line: r.Line, Action: r.Action, Result: r.Result, UserID: r.UserID, Errors: make([]ReceiptError, 0, len(r.Errors))}
	for _, e := range r.Errors {
		out.Errors = append(out.Errors, ReceiptError(e))
	}
	return out
}

// Layout of the bucket (SPEC §6).
const (
	ImportPrefix  = "imports/"
	ReceiptPrefix = "receipts/"
)

// ImportKey is the key of the object named name of organisation orgID.
func ImportKey(orgID, name string) string { return ImportPrefix + orgID + "/" + name + ".csv" }

// ReceiptKey is the key of the receipt of the object named name of
// organisation orgID, in format ext ("csv" or "json").
func ReceiptKey(orgID, name, ext string) string {
	return ReceiptPrefix + orgID + "/" + name + ".receipt." + ext
}
