// Package imports is the reading side of CSV imports (SPEC §6, §10): an
// organisation's imports with their progress, the results of their rows,
// the receipt that the csvimport function writes and the admin API shows,
// and the import template. Applying a file is package csvimport's.
package imports

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// Service reads imports and grants uploads. Build it with New.
type Service struct {
	store  *store.Store
	bucket *bucket // nil until WithBucket: no uploads, no receipts
	now    func() time.Time
}

// New returns a service over st.
func New(st *store.Store) *Service { return &Service{store: st, now: time.Now} }

// Query selects a page of imports, newest first.
type Query struct {
	Limit  int    // at most this many (tilgang.MaxPageSize); 0 means tilgang.DefaultPageSize
	Cursor string // from the previous page's NextCursor
}

// List reads a page of org's imports, newest first.
func (s *Service) List(ctx context.Context, org *tilgang.Organisation, q Query) (tilgang.ImportPage, error) {
	return s.store.Imports(ctx, org.ID, q.Limit, q.Cursor)
}

// Get reads one import of org. An id that is not a UUID, or one of another
// organisation, names no import.
func (s *Service) Get(ctx context.Context, org *tilgang.Organisation, id string) (*tilgang.Import, error) {
	parsed, err := uuid.Parse(id)
	if err != nil {
		return nil, tilgang.ErrImportNotFound
	}
	imp, err := s.store.Import(ctx, org.ID, parsed.String())
	if !errors.Is(err, tilgang.ErrImportNotFound) {
		return imp, err
	}
	// Between POST /imports and the file's arrival the import is its
	// grant: a tool that polls right after its PUT sees it waiting.
	u, uerr := s.store.Upload(ctx, org.ID, parsed.String())
	if errors.Is(uerr, tilgang.ErrUploadNotGranted) || (uerr == nil && u.ObjectVersion == "" && s.now().After(u.ExpiresAt)) {
		return nil, tilgang.ErrImportNotFound
	}
	if uerr != nil {
		return nil, uerr
	}
	return &tilgang.Import{ID: u.ID, OrgID: u.OrgID, File: u.FileName, Key: ImportKey(u.OrgID, u.Name), Uploader: u.Uploader, UploaderBy: u.UploaderBy,
		Status: tilgang.ImportAwaitingUpload, CreatedAt: u.CreatedAt, UpdatedAt: u.CreatedAt}, nil
}

// RowQuery selects a page of an import's row results, in line order.
type RowQuery struct {
	Limit  int    // at most this many (tilgang.MaxPageSize); 0 means tilgang.MaxPageSize
	Cursor string // from the previous page's NextCursor
}

// RowPage is one page of row results.
type RowPage struct {
	Rows       []tilgang.ImportRow
	NextCursor string // empty on the last page
}

// Rows reads a page of the recorded row results of org's import importID.
// Rows not yet applied have no result yet.
func (s *Service) Rows(ctx context.Context, org *tilgang.Organisation, importID string, q RowQuery) (RowPage, error) {
	// A cursor is the line to go on from.
	from := 0
	if q.Cursor != "" {
		n, err := strconv.Atoi(q.Cursor)
		if err != nil || n < 1 {
			return RowPage{}, tilgang.ErrBadCursor
		}
		from = n
	}
	limit := q.Limit
	if limit <= 0 || limit > tilgang.MaxPageSize {
		limit = tilgang.MaxPageSize
	}
	rows, next, err := s.store.ImportRows(ctx, org.ID, importID, from, limit)
	if err != nil {
		return RowPage{}, err
	}
	page := RowPage{Rows: rows}
	if next > 0 {
		page.NextCursor = strconv.Itoa(next)
	}
	return page, nil
}
