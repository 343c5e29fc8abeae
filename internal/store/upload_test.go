package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestUploadGrantBindsOneVersion: an object name without a grant, or of
// another organisation, is not granted; the first version claims the
// grant, the same version claims it again (a redelivery), another version
// never.
func TestUploadGrantBindsOneVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := testenv.Store(t)
	const org, other, id = "6d0f0a55-1f0a-4c1e-9e2b-3b8f0d3c2a11", "8a1f2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", "0f8fad5b-d9cb-469f-a165-70867728950e"
	now := time.Now().UTC().Truncate(time.Millisecond)
	u := &tilgang.Upload{ID: id, OrgID: org, Name: id, FileName: "uge47.csv", Uploader: "admin token CI", UploaderID: "t1",
		ContentLength: 123, CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
	if err := st.PutUpload(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := st.PutUpload(ctx, u); !errors.Is(err, tilgang.ErrStale) {
		t.Errorf("a second grant for the same object: %v; want ErrStale", err)
	}
	got, err := st.Upload(ctx, org, id)
	if err != nil || got.Uploader != u.Uploader || got.ContentLength != 123 || !got.ExpiresAt.Equal(u.ExpiresAt) || got.ObjectVersion != "" {
		t.Fatalf("read grant: %+v, %v", got, err)
	}
	tests := []struct {
		name, org, object, version string
		granted                    bool
	}{
		{"no grant for the name", org, "dropped", "v1", false},
		{"the name under another organisation", other, id, "v1", false},
		{"the first version", org, id, "v1", true},
		{"the same version again", org, id, "v1", true},
		{"another version", org, id, "v2", false},
		{"the first version after another was refused", org, id, "v1", true},
	}
	for _, tc := range tests {
		got, err := st.ClaimUpload(ctx, tc.org, tc.object, tc.version)
		switch {
		case tc.granted && (err != nil || got.ID != id || got.ObjectVersion != tc.version || got.Uploader != u.Uploader):
			t.Errorf("%s: %+v, %v; want the grant bound to %s", tc.name, got, err, tc.version)
		case !tc.granted && !errors.Is(err, tilgang.ErrUploadNotGranted):
			t.Errorf("%s: %+v, %v; want ErrUploadNotGranted", tc.name, got, err)
		}
	}
}
