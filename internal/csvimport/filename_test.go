package csvimport_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/uuid"

	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/testenv"
)

// TestImportNamedFromFormMetadata: a file the console's upload form sent
// is named after the administrator's file, which the form puts
// percent-encoded in the object's metadata; a name the admin API would
// refuse as fileName, or one that does not decode, is ignored and the
// import is named after its key, as is a file without the metadata.
func TestImportNamedFromFormMetadata(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, csvimport.Options{})
	file := []byte("Aktion;Fornavn;Efternavn;CPR;Email;TargetIAL;EAN;P-nummer;SE-nummer\r\n")
	for _, tc := range []struct {
		name     string
		metadata map[string]string
		want     string // "" is the key's name
	}{
		{"æøå", map[string]string{"filename": "medarbejdere-%C3%A6%C3%B8%C3%A5.csv"}, "medarbejdere-æøå.csv"},
		{"a plus and spaces", map[string]string{"filename": "uge%2049+50.csv"}, "uge 49+50.csv"},
		{"no metadata", nil, ""},
		{"empty", map[string]string{"filename": ""}, ""},
		{"control characters", map[string]string{"filename": "uge49%0D%0A.csv"}, ""},
		{"a slash", map[string]string{"filename": "..%2F..%2Fuge49.csv"}, ""},
		{"300 characters", map[string]string{"filename": strings.Repeat("a", 296) + ".csv"}, ""},
		{"broken percent-encoding", map[string]string{"filename": "uge49%E6%F8.csv%"}, ""},
		{"another field", map[string]string{"owner": "uge49.csv"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "imports/" + f.org.ID + "/" + uuid.NewString() + ".csv"
			grant := testenv.Grant(t, f.st, key)
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
