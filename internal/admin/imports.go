package admin

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/csvimport/csvfile"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// importRoutes registers the calls of CSV imports and the import template
// (SPEC §6, §10).
func (h *Handler) importRoutes(route routeFunc) {
	route("GET "+Prefix+"/imports", tilgang.RoleUserAdmin, h.listImports)
	route("GET "+Prefix+"/imports/{id}", tilgang.RoleUserAdmin, h.getImport)
	route("GET "+Prefix+"/import-template.csv", tilgang.RoleUserAdmin, h.importTemplate)
}

// importJSON is an import record: the receipt's summary and its progress.
type importJSON struct {
	csvimport.Receipt
	Key string `json:"key"`
	// TotalRows is the number of data rows, known once the file is checked;
	// NextLine is the line the import has applied up to.
	TotalRows  int                    `json:"totalRows"`
	NextLine   int                    `json:"nextLine"`
	CreatedAt  time.Time              `json:"createdAt"`
	UpdatedAt  time.Time              `json:"updatedAt"`
	Rows       []csvimport.ReceiptRow `json:"rows,omitempty"`
	NextCursor *string                `json:"nextCursor,omitempty"`
}

func importOf(imp *tilgang.Import) importJSON {
	c := imp.Counts
	return importJSON{
		Receipt: csvimport.Receipt{
			ImportID: imp.ID, File: imp.File, Status: string(imp.Status), Reason: imp.Reason, Code: imp.ReasonCode, Line: imp.ReasonLine,
			Created: c.Created, Updated: c.Updated, Deleted: c.Deleted, Failed: c.Failed, Skipped: c.Skipped,
		},
		Key: imp.Key, TotalRows: imp.Rows, NextLine: imp.NextLine, CreatedAt: imp.CreatedAt, UpdatedAt: imp.UpdatedAt,
	}
}

func (h *Handler) listImports(w http.ResponseWriter, r *http.Request, s *session) {
	limit, ok := h.limit(w, r, store.DefaultLimit)
	if !ok {
		return
	}
	page, err := h.store.Imports(r.Context(), s.org.ID, limit, r.URL.Query().Get("cursor"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	items := make([]importJSON, 0, len(page.Imports))
	for _, imp := range page.Imports {
		items = append(items, importOf(imp))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "nextCursor": page.NextCursor})
}

// getImport answers the import with a page of its row results (the
// receipt's rows), limit rows from the cursor on.
func (h *Handler) getImport(w http.ResponseWriter, r *http.Request, s *session) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, store.ErrImportNotFound)
		return
	}
	imp, err := h.store.Import(r.Context(), s.org.ID, id.String())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	limit, ok := h.limit(w, r, 1000)
	if !ok {
		return
	}
	from := 0
	if c := r.URL.Query().Get("cursor"); c != "" {
		if from, err = strconv.Atoi(c); err != nil || from < 1 {
			h.fail(w, r, store.ErrBadCursor)
			return
		}
	}
	rows, next, err := h.store.ImportRows(r.Context(), s.org.ID, imp.ID, from, limit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := importOf(imp)
	out.Rows = make([]csvimport.ReceiptRow, 0, len(rows))
	for _, row := range rows {
		out.Rows = append(out.Rows, csvimport.NewReceiptRow(row))
	}
	if next > 0 {
		c := strconv.Itoa(next)
		out.NextCursor = &c
	}
	writeJSON(w, http.StatusOK, out)
}

// limit reads the limit parameter: 1 to store.MaxLimit, def when absent.
func (h *Handler) limit(w http.ResponseWriter, r *http.Request, def int) (int, bool) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > store.MaxLimit {
		h.fail(w, r, tilgang.Invalid("limit", "limit.invalid", "limit must be a number from 1 to 1000"))
		return 0, false
	}
	return n, true
}

// templateExample is the example row of the import template: a user known
// by date of birth, which Excel keeps as text only when the column is
// formatted as Text (the receipt says so if it is not).
var templateExample = []string{"C", "", "Mette", "Jensen", "", "01011990", "mette.jensen@example.dk", "+4512345678", "N", "", "3", "", "", "", ""}

// importTemplate answers an empty import file: the header and one example
// row, as Danish Excel opens it (UTF-8 with BOM, semicolons, CRLF).
func (h *Handler) importTemplate(w http.ResponseWriter, r *http.Request, s *session) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="import-template.csv"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("\ufeff" + csvfile.Template + "\r\n" + strings.Join(templateExample, ";") + "\r\n"))
}
