package admin_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/csvimport/csvfile"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/testenv"
)

type importPage struct {
	Items []struct {
		ImportID  string `json:"importId"`
		File      string `json:"file"`
		Status    string `json:"status"`
		Created   int    `json:"created"`
		Failed    int    `json:"failed"`
		TotalRows int    `json:"totalRows"`
	} `json:"items"`
	NextCursor string `json:"nextCursor"`
}

type importDetail struct {
	imports.Receipt
	NextCursor *string `json:"nextCursor"`
}

func TestImports(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s3c, bucket := testenv.Bucket(t)
	h := csvimport.New(s3c, e.store, e.users, nil, slog.New(slog.NewJSONHandler(io.Discard, nil)), csvimport.Options{})
	file := "Aktion;Fornavn;Efternavn;CPR;Email;TargetIAL;EAN;P-nummer;SE-nummer\r\n" +
		"C;Anna;Hansen;0101901234;anna@example.dk;3;" + eanA + ";" + pA1 + ";" + seA + "\r\n" +
		"C;Bo;Berg;3102901234;bo@example.dk;3;" + eanA + ";" + pA1 + ";" + seA + "\r\n" +
		"C;Carl;Carlsen;0202901234;carl@example.dk;3;" + eanA + ";" + pA2 + ";" + seA + "\r\n"
	ev := testenv.GrantedUpload(t, e.store, s3c, bucket, "imports/"+e.orgA.ID+"/uge47.csv", []byte(file))
	if err := h.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}

	r := e.do(e.a.AdminToken, "GET", "/imports", nil)
	wantStatus(t, r, http.StatusOK)
	list := decode[importPage](t, r)
	if len(list.Items) != 1 || list.Items[0].Status != "completed" || list.Items[0].Created != 2 || list.Items[0].Failed != 1 ||
		list.Items[0].TotalRows != 3 || list.Items[0].File != "uge47.csv" {
		t.Fatalf("imports = %s", r.body)
	}
	id := list.Items[0].ImportID

	r = e.do(e.a.AdminToken, "GET", "/imports/"+id+"?limit=2", nil)
	wantStatus(t, r, http.StatusOK)
	first := decode[importDetail](t, r)
	if len(first.Rows) != 2 || first.Rows[1].Result != "failed" || first.Rows[1].Errors[0].Code != "cpr.invalid_date" || first.NextCursor == nil {
		t.Fatalf("first page = %s", r.body)
	}
	r = e.do(e.a.AdminToken, "GET", "/imports/"+id+"?limit=2&cursor="+*first.NextCursor, nil)
	wantStatus(t, r, http.StatusOK)
	second := decode[importDetail](t, r)
	if len(second.Rows) != 1 || second.Rows[0].Line != 4 || second.Rows[0].Result != "created" || second.NextCursor != nil {
		t.Fatalf("second page = %s", r.body)
	}

	// Another organisation sees nothing of it.
	wantProblem(t, e.do(e.b.AdminToken, "GET", "/imports/"+id, nil), http.StatusNotFound, "import.not_found", "")
	if l := decode[importPage](t, e.do(e.b.AdminToken, "GET", "/imports", nil)); len(l.Items) != 0 {
		t.Errorf("organisation B lists A's imports: %+v", l)
	}
	wantProblem(t, e.do(e.a.AdminToken, "GET", "/imports/not-an-id", nil), http.StatusNotFound, "import.not_found", "")
	wantProblem(t, e.do(e.a.AdminToken, "GET", "/imports/"+id+"?cursor=x", nil), http.StatusBadRequest, "cursor.invalid", "cursor")
	wantProblem(t, e.do(e.a.AdminToken, "GET", "/imports?cursor=Zm9v", nil), http.StatusBadRequest, "cursor.invalid", "cursor")
	wantProblem(t, e.do(e.a.AdminToken, "GET", "/imports?limit=0", nil), http.StatusBadRequest, "limit.invalid", "limit")
}

func TestImportTemplate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do(e.a.AdminToken, "GET", "/import-template.csv", nil)
	wantStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if !bytes.HasPrefix(r.body, []byte("\ufeff"+csvfile.Template+"\r\n")) {
		t.Errorf("template = %q", r.body)
	}
	rd, err := csvfile.NewReader(bytes.NewReader(r.body), csvfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	row, err := rd.Next()
	if err != nil || len(row.Problems) != 0 || row.Action != csvfile.ActionCreate {
		t.Errorf("example row = %+v, %v; want a valid C row", row, err)
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Errorf("more than one example row: %v", err)
	}

	// The example imports as it is, in an organisation with registered
	// numbers (A: two P-numbers, so a row must name one) and in one without.
	s3c, bucket := testenv.Bucket(t)
	h := csvimport.New(s3c, e.store, e.users, nil, slog.New(slog.NewJSONHandler(io.Discard, nil)), csvimport.Options{})
	for _, org := range []struct {
		id, token string
	}{{e.orgA.ID, e.a.AdminToken}, {e.orgB.ID, e.b.AdminToken}} {
		r := e.do(org.token, "GET", "/import-template.csv", nil)
		wantStatus(t, r, http.StatusOK)
		ev := testenv.GrantedUpload(t, e.store, s3c, bucket, "imports/"+org.id+"/template.csv", r.body)
		if err := h.Handle(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		r = e.do(org.token, "GET", "/imports", nil)
		if l := decode[importPage](t, r); len(l.Items) != 1 || l.Items[0].Created != 1 || l.Items[0].Failed != 0 {
			t.Errorf("the template of organisation %s imports as %s", org.id, r.body)
		}
	}
}
