package csvimport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/store"
	"github.com/tilgang/tilgang/internal/tenants"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// fixture is one organisation with a fresh table and bucket.
type fixture struct {
	t      testing.TB
	db     *dynamodb.Client
	table  string
	st     *store.Store
	svc    *users.Service
	s3     *s3.Client
	bucket string
	org    *tilgang.Organisation
	creds  tenants.Credentials
	h      *csvimport.Handler
}

func newFixture(t testing.TB, org *tilgang.Organisation, opts csvimport.Options) *fixture {
	t.Helper()
	if opts.RowsPerSecond == 0 {
		opts.RowsPerSecond = -1 // unpaced, except in the tests of pacing
	}
	f := &fixture{t: t}
	f.db, f.table = testenv.Table(t)
	f.st = store.New(f.db, f.table)
	f.svc = testenv.Users(t, f.st)
	f.s3, f.bucket = testenv.Bucket(t)
	if org == nil {
		org = &tilgang.Organisation{Name: "Tømrer A/S", IAL: 3}
	}
	creds, err := tenants.New(f.st).Provision(context.Background(), org)
	if err != nil {
		t.Fatal(err)
	}
	f.org, f.creds = org, creds
	f.h = csvimport.New(f.s3, f.st, f.svc, nil, slog.New(slog.NewJSONHandler(io.Discard, nil)), opts)
	return f
}

// put uploads body as imports/<org>/<name>, granted as POST /imports
// grants, and returns the event S3 sends.
func (f *fixture) put(name string, body []byte) events.S3Event {
	f.t.Helper()
	return f.putKey("imports/"+f.org.ID+"/"+name, body)
}

// putKey uploads body at key, with an upload grant where one can be had
// (imports/<organisation>/<name>.csv).
func (f *fixture) putKey(key string, body []byte) events.S3Event {
	f.t.Helper()
	rest, _ := strings.CutPrefix(key, csvimport.ImportPrefix)
	if org, file, _ := strings.Cut(rest, "/"); strings.HasPrefix(key, csvimport.ImportPrefix) && org != "" &&
		!strings.Contains(file, "/") && strings.EqualFold(path.Ext(file), ".csv") {
		return testenv.GrantedUpload(f.t, f.st, f.s3, f.bucket, key, body)
	}
	return testenv.Upload(f.t, f.s3, f.bucket, key, body)
}

func (f *fixture) handle(ev events.S3Event) {
	f.t.Helper()
	if err := f.h.Handle(context.Background(), ev); err != nil {
		f.t.Fatalf("Handle: %v", err)
	}
}

// object reads an object of the bucket; ok is false if it does not exist.
func (f *fixture) object(key string) (body []byte, ok bool) {
	f.t.Helper()
	out, err := f.s3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(key)})
	if err != nil {
		return nil, false
	}
	defer out.Body.Close()
	body, err = io.ReadAll(out.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return body, true
}

func (f *fixture) receipt(name string) (imports.Receipt, []byte) {
	f.t.Helper()
	j, ok := f.object("receipts/" + f.org.ID + "/" + name + ".receipt.json")
	if !ok {
		f.t.Fatalf("no JSON receipt for %s", name)
	}
	var r imports.Receipt
	if err := json.Unmarshal(j, &r); err != nil {
		f.t.Fatalf("receipt JSON: %v\n%s", err, j)
	}
	c, ok := f.object("receipts/" + f.org.ID + "/" + name + ".receipt.csv")
	if !ok {
		f.t.Fatalf("no CSV receipt for %s", name)
	}
	return r, c
}

// users lists every user of the organisation.
func (f *fixture) users() []*tilgang.User {
	f.t.Helper()
	var all []*tilgang.User
	q := tilgang.UserQuery{Limit: tilgang.MaxPageSize}
	for {
		page, err := f.st.Users(context.Background(), f.org.ID, q)
		if err != nil {
			f.t.Fatal(err)
		}
		all = append(all, page.Users...)
		if page.NextCursor == "" {
			return all
		}
		q.Cursor = page.NextCursor
	}
}

// count counts the table's items of one type. A Scan is fine in a test:
// it shows what the code under test wrote, whatever keys it chose.
func (f *fixture) count(typ string) int {
	f.t.Helper()
	p := dynamodb.NewScanPaginator(f.db, &dynamodb.ScanInput{
		TableName: aws.String(f.table), FilterExpression: aws.String("#t = :t"),
		ExpressionAttributeNames:  map[string]string{"#t": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberS{Value: typ}},
		Select:                    types.SelectCount,
	})
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			f.t.Fatal(err)
		}
		n += int(page.Count)
	}
	return n
}

// historyActions lists the actions in every user's history.
func (f *fixture) historyActions(userID string) []string {
	f.t.Helper()
	h, err := f.st.History(context.Background(), f.org.ID, userID, store.HistoryQuery{Oldest: true})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, a := range h {
		out = append(out, a.Action)
	}
	return out
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func byEmail(us []*tilgang.User) map[string]*tilgang.User {
	m := map[string]*tilgang.User{}
	for _, u := range us {
		m[u.Email] = u
	}
	return m
}

func TestWindows1252(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, csvimport.Options{})
	f.handle(f.put("medarbejdere.csv", readFile(t, "cp1252.csv")))
	r, receiptCSV := f.receipt("medarbejdere")
	if r.Status != "completed" || r.Created != 2 || r.Failed != 0 || len(r.Rows) != 2 {
		t.Fatalf("receipt = %+v", r)
	}
	got := byEmail(f.users())
	soren, aase := got["soren@example.dk"], got["aase@example.dk"]
	if soren == nil || soren.FirstName != "Søren" || soren.LastName != "Ærø" || aase == nil || aase.FirstName != "Åse" || aase.LastName != "Ørnebæk" {
		t.Fatalf("users = %+v", got)
	}
	for _, u := range []*tilgang.User{soren, aase} {
		if u.Status != tilgang.StatusImported || u.Activation != nil {
			t.Errorf("%s: status %s, activation %v; want imported without activation", u.Email, u.Status, u.Activation)
		}
	}
	if aase.DateOfBirth != "1985-06-15" || aase.Phone != "+4512345678" {
		t.Errorf("Åse: %+v", aase)
	}
	if n := f.count("outbox"); n != 0 {
		t.Errorf("%d outbox items; imported users get no mail", n)
	}
	if !bytes.HasPrefix(receiptCSV, []byte("\xef\xbb\xbfAktion;UUID;Fornavn;Efternavn;CPR;Fødselsdato;")) {
		t.Errorf("CSV receipt starts %q; want BOM and the file's header in UTF-8", receiptCSV[:min(80, len(receiptCSV))])
	}
	if !bytes.Contains(receiptCSV, []byte(";Resultat;Fejlkode;Besked\r\n")) || !bytes.Contains(receiptCSV, []byte("Søren;Ærø;")) {
		t.Errorf("CSV receipt:\n%s", receiptCSV)
	}
}

func TestUTF8BOMComma(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &tilgang.Organisation{Name: "English Ltd", IAL: 3, Language: "en"}, csvimport.Options{})
	f.handle(f.put("staff.CSV", readFile(t, "utf8bom_comma.csv")))
	r, receiptCSV := f.receipt("staff")
	if r.Status != "completed" || r.Created != 2 {
		t.Fatalf("receipt = %+v", r)
	}
	got := byEmail(f.users())
	if u := got["zoe@example.dk"]; u == nil || u.FirstName != "Zoë" || u.LastName != "Ørsted" {
		t.Errorf("Zoë = %+v", u)
	}
	if u := got["lars@example.dk"]; u == nil || u.FirstName != "Lars, jr." || u.DateOfBirth != "1975-12-31" {
		t.Errorf("Lars = %+v", u)
	}
	if !bytes.Contains(receiptCSV, []byte(";Result;Error code;Message\r\n")) || !bytes.Contains(receiptCSV, []byte(";created;;\r\n")) {
		t.Errorf("CSV receipt:\n%s", receiptCSV)
	}
}

// TestEveryErrorCode imports a file with a row for each problem a row can
// have, next to good rows that must still apply.
// TestFaultyRowGetsEveryProblem: a row with a format problem is not
// applied, yet the rulebook still judges its other cells, so that the
// receipt names every problem of the row at once, and nothing twice: a
// cell the reader faulted gets no second problem from the rules, and a
// CPR cell with a problem still counts as a CPR number given.
func TestFaultyRowGetsEveryProblem(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &tilgang.Organisation{Name: "Fejl A/S", IAL: 3, AllowPrivateMitID: true}, csvimport.Options{})
	pre, err := f.svc.Create(context.Background(), tilgang.Actor{Name: "test", Source: "admin"}, f.org, users.NewRequest{
		User:    &tilgang.User{FirstName: "Per", LastName: "Persen", Email: "per@example.dk", DateOfBirth: "1980-05-05"},
		Profile: users.AdminProfile,
	})
	if err != nil {
		t.Fatal(err)
	}
	body := strings.ReplaceAll(string(readFile(t, "many_faults.csv")), "{PRE}", pre.User.ID)
	f.handle(f.put("mange.csv", []byte(body)))
	r, _ := f.receipt("mange")
	want := []string{
		"2 failed cpr.leading_zero_lost@CPR email.format@Email",
		"3 failed cpr.format@CPR", // PrivatID: the CPR number is given, only wrong
		"4 failed number.scientific@Telefon anonymous.value@Anonym ial.range@TargetIAL",
		"5 failed email.format@Email number.scientific@Telefon",
		"6 failed uuid.format@UUID", // whose user is unknown: nothing more to judge
		"7 failed field.required@Fornavn field.required@CPR field.required@Email anonymous.not_allowed@Anonym ial.range@TargetIAL",
	}
	var got []string
	for _, row := range r.Rows {
		s := fmt.Sprintf("%d %s", row.Line, row.Result)
		for _, e := range row.Errors {
			s += " " + e.Code + "@" + e.Column
		}
		got = append(got, s)
	}
	if !slices.Equal(got, want) {
		t.Errorf("rows:\n got %q\nwant %q", got, want)
	}
}

func TestEveryErrorCode(t *testing.T) {
	t.Parallel()
	f := newFixture(t, &tilgang.Organisation{Name: "Tal A/S", IAL: 3,
		EANNumbers: []string{"5790000123456"}, PNumbers: []string{"1234567890"}, SENumbers: []string{"12345678"}}, csvimport.Options{})
	ctx := context.Background()
	pre, err := f.svc.Create(ctx, tilgang.Actor{Name: "test", Source: "admin"}, f.org, users.NewRequest{
		User: &tilgang.User{FirstName: "Per", LastName: "Persen", Email: "per@example.dk", TargetIAL: 3,
			EAN: "5790000123456", PNumber: "1234567890", SENumber: "12345678"},
		CPR: "0505801234", Profile: users.AdminProfile,
	})
	if err != nil {
		t.Fatal(err)
	}
	body := strings.ReplaceAll(string(readFile(t, "errors.csv")), "{PRE}", pre.User.ID)
	body = strings.ReplaceAll(body, "{PRE_NOHYPHEN}", strings.ToUpper(strings.ReplaceAll(pre.User.ID, "-", "")))
	f.handle(f.put("fejl.csv", []byte(body)))
	r, receiptCSV := f.receipt("fejl")

	want := []string{
		"2 created",
		"3 created",
		"4 failed user.exists@Email",
		"5 failed user.exists@CPR",
		"6 failed field.required@Aktion",
		"7 failed action.unknown@Aktion",
		"8 failed cpr.format@CPR",
		"9 failed cpr.invalid_date@CPR",
		"10 failed cpr.leading_zero_lost@CPR",
		"11 failed number.scientific@EAN",
		"12 failed dob.format@Foedselsdato",
		"13 failed dob.cpr_mismatch@Foedselsdato",
		"14 failed email.format@Email",
		"15 failed phone.format@Telefon",
		"16 failed anonymous.value@Anonym",
		"17 failed ial.range@TargetIAL",
		"18 failed ean.unregistered@EAN",
		"19 failed pnumber.unregistered@P-nummer",
		"20 failed senumber.unregistered@SE-nummer",
		"21 failed loginmeans.value@Loginmiddel",
		"22 failed user.not_found@UUID",
		"23 failed cpr.with_uuid@CPR",
		"24 failed field.immutable@Anonym",
		"25 failed row.columns@",
		"26 updated",
		"27 deleted",
		"28 created",
		"30 created",
		// The users rulebook, as for the admin API and SCIM.
		"31 failed field.required@Fornavn field.required@Efternavn field.required@CPR field.required@Email field.required@TargetIAL " +
			"field.required@EAN field.required@P-nummer field.required@SE-nummer",
		"32 failed cpr.invalid_date@CPR", // 2057 by the century rules
		"33 failed loginmeans.needs_cpr@Loginmiddel loginmeans.not_allowed@Loginmiddel",
		"34 failed field.too_long@Fornavn",
		"35 failed referencetext.disabled@Referencetekst",
		"36 failed anonymous.not_allowed@Anonym",
		"37 failed ial.range@TargetIAL",
		"38 failed ean.unregistered@EAN",
		"39 failed ial.range@TargetIAL",
		"40 failed dob.format@Foedselsdato",
	}
	var got []string
	for _, row := range r.Rows {
		s := fmt.Sprintf("%d %s", row.Line, row.Result)
		for _, e := range row.Errors {
			s += " " + e.Code + "@" + e.Column
			if e.Message == "" || e.Message == e.Code {
				t.Errorf("line %d: %s has no message", row.Line, e.Code)
			}
			if strings.Contains(e.Message, "0101901234") || strings.Contains(e.Message, "no such") {
				t.Errorf("line %d: message %q repeats a CPR or is not the file's language", row.Line, e.Message)
			}
		}
		got = append(got, s)
	}
	if !slices.Equal(got, want) {
		t.Errorf("rows:\n got %q\nwant %q", got, want)
	}
	messages := map[string]string{}
	for _, row := range r.Rows {
		for _, e := range row.Errors {
			messages[fmt.Sprintf("%d %s", row.Line, e.Column)] = e.Message
		}
	}
	for at, want := range map[string]string{
		"31 EAN":          "Jeres organisation har registreret EAN-numre: udfyld et af dem.",
		"31 CPR":          "Udfyld CPR-nummer eller fødselsdato (Foedselsdato): en bruger skal have ét af dem.",
		"34 Fornavn":      "Teksten er for lang: højst 200 tegn. Forkort den.",
		"4 Email":         "Der findes allerede en bruger med denne e-mailadresse som brugernavn",
		"22 UUID":         "Ingen bruger i organisationen har dette UUID eller CPR-nummer.",
		"12 Foedselsdato": "Skriv fødselsdatoen som DDMMÅÅÅÅ",
	} {
		if !strings.HasPrefix(messages[at], want) {
			t.Errorf("line %s: message %q, want it to start %q", at, messages[at], want)
		}
	}
	if r.Created != 4 || r.Updated != 1 || r.Deleted != 1 || r.Failed != 32 || r.Status != "completed" {
		t.Errorf("counts = %+v", r)
	}
	all := byEmail(f.users())
	if all["anna@example.dk"] != nil {
		t.Error("Anna was deleted by line 27 but exists")
	}
	for _, e := range []string{"bo@example.dk", "formel@example.dk", "eva@example.dk"} {
		if u := all[e]; u == nil || u.Status != tilgang.StatusImported {
			t.Errorf("%s = %+v; want an imported user", e, u)
		}
	}
	if p := all["per@example.dk"]; p == nil || p.FirstName != "Preben" || p.Phone != "+4587654321" || p.LastName != "Persen" {
		t.Errorf("Per after the U row = %+v", p)
	}
	if acts := f.historyActions(pre.User.ID); !slices.Equal(acts, []string{"user.created", "user.updated"}) {
		t.Errorf("Per's history = %v", acts)
	}
	if !bytes.Contains(receiptCSV, []byte("\r\nC;;'@SUM(1+1);Formel;")) {
		t.Errorf("formula cell not made inert:\n%s", receiptCSV)
	}
	if bytes.Contains(receiptCSV, []byte("\r\n;;;")) {
		t.Errorf("blank line in the receipt:\n%s", receiptCSV)
	}
	if n := f.count("outbox"); n != 0 {
		t.Errorf("%d outbox items; the import must queue none", n)
	}
}

func TestRejectedFiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, csvimport.Options{MaxRows: 2})
	tests := []struct {
		name, body, code string
	}{
		{"hoved", string(readFile(t, "bad_header.csv")), "header.unknown"},
		{"tom", "", "file.empty"},
		{"binaer", "PK\x03\x04\x00\x00\x08\x00binary", "file.binary"},
		{"mange", "Aktion;Fornavn;Efternavn;CPR;Email;TargetIAL\nC;A;B;0101901234;a@example.dk;3\nC;A;B;0202901234;b@example.dk;3\nC;A;B;0303901234;c@example.dk;3\n", "file.too_many_rows"},
	}
	for _, tc := range tests {
		f.handle(f.put(tc.name+".csv", []byte(tc.body)))
		r, receiptCSV := f.receipt(tc.name)
		if r.Status != "rejected" || r.Code != tc.code || r.Reason == "" || len(r.Rows) != 0 || r.Created != 0 {
			t.Errorf("%s: receipt = %+v", tc.name, r)
		}
		if !bytes.HasPrefix(receiptCSV, []byte("\ufeffResultat;Fejlkode;Besked\r\nafvist;"+tc.code+";")) {
			t.Errorf("%s: CSV receipt %q", tc.name, receiptCSV)
		}
	}
	if n := len(f.users()); n != 0 {
		t.Errorf("%d users from rejected files", n)
	}
}

func TestObjectsOutsideTheLayout(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, csvimport.Options{})
	body := readFile(t, "cp1252.csv")
	f.handle(f.putKey("imports/"+f.org.ID+"/notes.txt", body))
	f.handle(f.putKey("imports/"+f.org.ID+"/sub/dir.csv", body))
	f.handle(f.putKey("elsewhere/"+f.org.ID+"/a.csv", body))
	f.handle(f.putKey("imports/not-an-org/a.csv", body))
	unknown := "0f8fad5b-d9cb-469f-a165-70867728950e"
	f.handle(f.putKey("imports/"+unknown+"/a.csv", body))
	if n := len(f.users()); n != 0 {
		t.Errorf("%d users imported from objects outside the layout", n)
	}
	j, ok := f.object("receipts/" + unknown + "/a.receipt.json")
	if !ok || !bytes.Contains(j, []byte(`"status":"rejected"`)) || !bytes.Contains(j, []byte(`"code":"organisation.unknown"`)) {
		t.Errorf("receipt for an unknown organisation: %s", j)
	}
	for _, k := range []string{"receipts/" + f.org.ID + "/notes.receipt.json", "receipts/" + f.org.ID + "/sub/dir.receipt.json"} {
		if _, ok := f.object(k); ok {
			t.Errorf("%s written for an ignored object", k)
		}
	}
}

// TestObjectWithoutGrantIsIgnored: whoever can write under imports/ but
// was not granted the upload by an administrator of the organisation
// changes no one and gets no receipt, whichever organisation's prefix the
// object is under: the old way in, a file dropped at imports/<org>/,
// imports nothing, and neither does a grant of another organisation for
// the same name.
func TestObjectWithoutGrantIsIgnored(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, csvimport.Options{})
	logs := &testenv.Logs{}
	h := csvimport.New(f.s3, f.st, f.svc, nil, logs.Logger(), csvimport.Options{})
	foreign := &tilgang.Organisation{Name: "Fremmed A/S", IAL: 3}
	if _, err := tenants.New(f.st).Provision(context.Background(), foreign); err != nil {
		t.Fatal(err)
	}
	testenv.Grant(t, f.st, "imports/"+foreign.ID+"/lån.csv") // the same name, granted to another organisation
	body := []byte("Aktion;Fornavn;Efternavn;CPR;Email;TargetIAL\r\nC;Anna;Hansen;0101801234;anna@example.dk;3\r\n")
	for _, name := range []string{"dropped", "lån"} {
		key := "imports/" + f.org.ID + "/" + name + ".csv"
		if err := h.Handle(context.Background(), testenv.Upload(t, f.s3, f.bucket, key, body)); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		for _, ext := range []string{"csv", "json"} {
			if _, ok := f.object("receipts/" + f.org.ID + "/" + name + ".receipt." + ext); ok {
				t.Errorf("a receipt was written for %s, which had no grant", key)
			}
		}
	}
	if n := len(f.users()); n != 0 {
		t.Errorf("%d users imported from files without a grant", n)
	}
	if page, err := f.st.Imports(context.Background(), f.org.ID, 10, ""); err != nil || len(page.Imports) != 0 {
		t.Errorf("import records for files without a grant: %+v, %v", page.Imports, err)
	}
	if got := strings.Count(logs.String(), "without an upload grant ignored"); got != 2 {
		t.Errorf("%d log lines say a file without a grant was ignored; want 2:\n%s", got, logs)
	}
}
