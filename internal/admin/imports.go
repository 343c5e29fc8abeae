package admin

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/httpx"

	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// importRoutes registers the calls of CSV imports and the import template
// (SPEC §6, §10).
func (h *Handler) importRoutes(route routeFunc) {
	route("GET "+Prefix+"/imports", tilgang.RoleUserAdmin, h.listImports)
	route("GET "+Prefix+"/imports/{id}", tilgang.RoleUserAdmin, h.getImport)
	// Files come only through uploads granted here, to the caller's
	// organisation, and receipts go out only here (SPEC §6, §14).
	route("POST "+Prefix+"/imports", tilgang.RoleUserAdmin, h.grantUpload)
	route("GET "+Prefix+"/imports/{id}/receipt.csv", tilgang.RoleUserAdmin, h.receipt("csv", "text/csv; charset=utf-8"))
	route("GET "+Prefix+"/imports/{id}/receipt.json", tilgang.RoleUserAdmin, h.receipt("json", "application/json"))
	route("GET "+Prefix+"/import-template.csv", tilgang.RoleUserAdmin, h.importTemplate)
}

// importJSON is an import record: the receipt's summary and its progress.
type importJSON struct {
	imports.Summary
	Key string `json:"key"`
	// UploadedBy names the admin token that was granted the upload;
	// Uploader is who it is, as history's "by" names actors.
	UploadedBy string      `json:"uploadedBy,omitempty"`
	Uploader   *tilgang.By `json:"uploader,omitempty"`
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
		Key:     imp.Key, UploadedBy: imp.Uploader, Uploader: uploaderOf(imp), TotalRows: imp.Rows, NextLine: imp.NextLine, CreatedAt: imp.CreatedAt, UpdatedAt: imp.UpdatedAt,
	}
}

// uploaderOf is the uploader of imp as data; an import granted before
// uploaders were recorded so is named by its label alone.
func uploaderOf(imp *tilgang.Import) *tilgang.By {
	if imp.UploaderBy != nil {
		return imp.UploaderBy
	}
	if imp.Uploader == "" {
		return nil
	}
	return &tilgang.By{Kind: tilgang.ActorToken, Name: strings.TrimPrefix(imp.Uploader, "admin token ")}
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
	items := make([]any, 0, len(page.Imports)+len(page.Unreadable))
	for _, imp := range page.Imports {
		items = append(items, importOf(imp))
	}
	for _, id := range page.Unreadable {
		h.log.WarnContext(r.Context(), "import unreadable", slog.String("orgId", s.org.ID), slog.String("importId", id))
	}
	items = append(items, unreadableItems("import", "importId", page.Unreadable)...)
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
	_, _ = w.Write(imports.Template(s.org))
}

// uploadInput asks for an upload: the file's exact size, and optionally the
// name to show for it.
type uploadInput struct {
	ContentLength int64  `json:"contentLength"`
	FileName      string `json:"fileName"`
}

// uploadJSON is an upload granted: PUT the file to url with exactly
// headers before expiresAt, then follow the import at /imports/{id}.
type uploadJSON struct {
	ID        string            `json:"id"`
	Key       string            `json:"key"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expiresAt"`
	MaxBytes  int64             `json:"maxBytes"`
}

// decodeUploadInput reads the body of POST /imports.
func decodeUploadInput(body []byte) (uploadInput, error) {
	var in uploadInput
	if err := httpx.Decode(body, &in); err != nil {
		return uploadInput{}, err
	}
	return in, nil
}

func (h *Handler) grantUpload(w http.ResponseWriter, r *http.Request, s *session) {
	body, err := httpx.ReadBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in, err := decodeUploadInput(body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	actor := s.actor()
	g, err := h.imports.GrantUpload(r.Context(), s.org, imports.UploadRequest{
		ContentLength: in.ContentLength, FileName: in.FileName, Uploader: actor.Name, UploaderID: s.token.ID, UploaderBy: &actor.By,
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/imports/"+g.Upload.ID)
	writeJSON(w, http.StatusCreated, uploadJSON{
		ID: g.Upload.ID, Key: g.Key, Method: g.Method, URL: g.URL, Headers: g.Headers,
		ExpiresAt: g.Upload.ExpiresAt, MaxBytes: imports.MaxUploadBytes,
	})
}

// receipt streams an import's receipt in format ext from the bucket.
func (h *Handler) receipt(ext, contentType string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, s *session) {
		body, err := h.imports.Receipt(r.Context(), s.org, r.PathValue("id"), ext)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		defer body.Close()
		id, _ := uuid.Parse(r.PathValue("id")) // Receipt found it, so it parses
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Disposition", `attachment; filename="`+id.String()+`.receipt.`+ext+`"`)
		// It holds CPR numbers: no cache keeps it.
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		if _, err := io.Copy(w, body); err != nil {
			h.log.WarnContext(r.Context(), "receipt cut off", "error", err)
		}
	}
}
