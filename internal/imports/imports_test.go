package imports_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestRefusedBeforeTheStore: ids and cursors that name nothing are
// answered without a read (the service has no store here).
func TestRefusedBeforeTheStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := imports.New(nil)
	org := &tilgang.Organisation{ID: "0f8fad5b-d9cb-469f-a165-70867728950e"}
	for _, id := range []string{"", "x", "../0f8fad5b-d9cb-469f-a165-70867728950e"} {
		if _, err := svc.Get(ctx, org, id); !errors.Is(err, tilgang.ErrImportNotFound) {
			t.Errorf("Get(%q): %v", id, err)
		}
	}
	for _, cursor := range []string{"x", "0", "-3", "1e3", "9223372036854775808"} {
		if _, err := svc.Rows(ctx, org, "id", imports.RowQuery{Cursor: cursor}); !errors.Is(err, tilgang.ErrBadCursor) {
			t.Errorf("Rows cursor %q: %v", cursor, err)
		}
	}
}
