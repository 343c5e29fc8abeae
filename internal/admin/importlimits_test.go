package admin_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/csvimport/csvfile"
	"github.com/tilgang/tilgang/internal/testenv"
)

// TestImportWarnsOfCPRLookupLimit: an import whose rows found their user
// by CPR number alone beyond the limit says so to administrators, in the
// import record of GET /imports and GET /imports/{id} (SPEC §14).
func TestImportWarnsOfCPRLookupLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s3c, bucket := testenv.Bucket(t)
	h := csvimport.New(s3c, e.store, e.users, nil, slog.New(slog.NewJSONHandler(io.Discard, nil)), csvimport.Options{CPRLookupsPerFile: 1})
	file := csvfile.Template + "\r\n" +
		"D;;;;0101901234;;;;;;;;;;\r\n" +
		"D;;;;0202901234;;;;;;;;;;\r\n" +
		"D;;;;0303901234;;;;;;;;;;\r\n"
	if err := h.Handle(context.Background(), testenv.GrantedUpload(t, e.store, s3c, bucket, "imports/"+e.orgA.ID+"/slet.csv", []byte(file))); err != nil {
		t.Fatal(err)
	}
	type warned struct {
		ImportID string `json:"importId"`
		Warnings []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Rows    int    `json:"rows"`
		} `json:"warnings"`
	}
	r := e.do(e.a.AdminToken, "GET", "/imports", nil)
	wantStatus(t, r, http.StatusOK)
	list := decode[struct{ Items []warned }](t, r)
	if len(list.Items) != 1 {
		t.Fatalf("imports = %s", r.body)
	}
	r = e.do(e.a.AdminToken, "GET", "/imports/"+list.Items[0].ImportID, nil)
	wantStatus(t, r, http.StatusOK)
	for _, imp := range []warned{list.Items[0], decode[warned](t, r)} {
		if len(imp.Warnings) != 1 || imp.Warnings[0].Code != "cpr.lookup_limit" || imp.Warnings[0].Rows != 2 || imp.Warnings[0].Message == "" {
			t.Errorf("warnings %+v, want cpr.lookup_limit for 2 rows; body %s", imp.Warnings, r.body)
		}
	}
}
