package csvimport_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// TestImportNamedFromFormMetadata: a file the console's upload form sent
// is named after the administrator's file, which the form puts
// percent-encoded in the object's metadata; a name the admin API would
// refuse as fileName, or one that does not decode, is ignored and the
// import is named after its key, as is a file without the metadata. A
// name the admin API granted comes first.
func TestImportNamedFromFormMetadata(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, csvimport.Options{})
	file := []byte("Aktion;Fornavn;Efternavn;CPR;Email;TargetIAL;EAN;P-nummer;SE-nummer\r\n")
	for _, tc := range []struct {
		name     string
		granted  string // the admin API's fileName
		metadata map[string]string
		want     string // "" is the key's name
	}{
		{"the admin API's name first", "fra-api.csv", map[string]string{"filename": "fra-formular.csv"}, "fra-api.csv"},
		{"æøå", "", map[string]string{"filename": "medarbejdere-%C3%A6%C3%B8%C3%A5.csv"}, "medarbejdere-æøå.csv"},
		{"a plus and spaces", "", map[string]string{"filename": "uge%2049+50.csv"}, "uge 49+50.csv"},
		{"no metadata", "", nil, ""},
		{"empty", "", map[string]string{"filename": ""}, ""},
		{"control characters", "", map[string]string{"filename": "uge49%0D%0A.csv"}, ""},
		{"a slash", "", map[string]string{"filename": "..%2F..%2Fuge49.csv"}, ""},
		{"300 characters", "", map[string]string{"filename": strings.Repeat("a", 296) + ".csv"}, ""},
		{"broken percent-encoding", "", map[string]string{"filename": "uge49%E6%F8.csv%"}, ""},
		{"another field", "", map[string]string{"owner": "uge49.csv"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Granted as imports.Service.GrantUpload grants: named after the
			// grant's id.
			now := time.Now()
			grant := &tilgang.Upload{ID: uuid.NewString(), OrgID: f.org.ID, FileName: tc.granted, Uploader: "admin token test",
				ContentLength: int64(len(file)), CreatedAt: now, ExpiresAt: now.Add(imports.UploadTTL)}
			grant.Name = grant.ID
			if err := f.st.PutUpload(context.Background(), grant); err != nil {
				t.Fatal(err)
			}
			key := imports.ImportKey(f.org.ID, grant.ID)
			if _, err := f.s3.PutObject(context.Background(), &s3.PutObjectInput{
				Bucket: aws.String(f.bucket), Key: aws.String(key), Body: bytes.NewReader(file), Metadata: tc.metadata,
			}); err != nil {
				t.Fatal(err)
			}
			f.handle(testenv.Created(t, f.s3, f.bucket, key))
			want := tc.want
			if want == "" {
				want = grant.Name + ".csv"
			}
			imp, err := imports.New(f.st).Get(context.Background(), f.org, grant.ID)
			if err != nil || imp.File != want {
				t.Fatalf("import %+v, %v; want the file %q", imp, err, want)
			}
			if r, _ := f.receipt(grant.Name); r.File != want {
				t.Errorf("the receipt names the file %q, want %q", r.File, want)
			}
		})
	}
}
