package admin

import (
	"net/http"
	"time"

	"github.com/tilgang/tilgang/internal/imports"
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
	imports.Summary
	Key string `json:"key"`
	// TotalRows is the number of data rows, known once the file is checked;
	// NextLine is the line the import has applied up to.
	TotalRows  int                  `json:"totalRows"`
	NextLine   int                  `json:"nextLine"`
	CreatedAt  time.Time            `json:"createdAt"`
	UpdatedAt  time.Time            `json:"updatedAt"`
	Rows       []imports.ReceiptRow `json:"rows,omitempty"`
	NextCursor *string              `json:"nextCursor,omitempty"`
}

func importOf(imp *tilgang.Import) importJSON {
	return importJSON{
		Summary: imports.SummaryOf(imp),
		Key:     imp.Key, TotalRows: imp.Rows, NextLine: imp.NextLine, CreatedAt: imp.CreatedAt, UpdatedAt: imp.UpdatedAt,
	}
}

func (h *Handler) listImports(w http.ResponseWriter, r *http.Request, s *session) {
	limit, ok := h.limit(w, r, tilgang.DefaultPageSize)
	if !ok {
		return
	}
	page, err := h.imports.List(r.Context(), s.org, imports.Query{Limit: limit, Cursor: r.URL.Query().Get("cursor")})
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
	imp, err := h.imports.Get(r.Context(), s.org, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	limit, ok := h.limit(w, r, tilgang.MaxPageSize)
	if !ok {
		return
	}
	page, err := h.imports.Rows(r.Context(), s.org, imp.ID, imports.RowQuery{Limit: limit, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := importOf(imp)
	out.Rows = make([]imports.ReceiptRow, 0, len(page.Rows))
	for _, row := range page.Rows {
		out.Rows = append(out.Rows, imports.NewReceiptRow(row))
	}
	if page.NextCursor != "" {
		out.NextCursor = &page.NextCursor
	}
	writeJSON(w, http.StatusOK, out)
}

// importTemplate answers an empty import file with one example row.
func (h *Handler) importTemplate(w http.ResponseWriter, r *http.Request, s *session) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="import-template.csv"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(imports.Template())
}
