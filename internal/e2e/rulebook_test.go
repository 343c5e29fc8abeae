package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tilgang/tilgang/internal/csvimport/csvfile"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// The organisation of the rulebook's tests: IAL 3, one registered number
// of each kind, anonymous users and private MitID allowed (so that each
// case below breaks one rule only), reference texts not enabled.
const (
	regEAN = "5790000123456"
	regP   = "1234567890"
	regSE  = "12345678"
)

func rulebookOrg() *tilgang.Organisation {
	return &tilgang.Organisation{Name: "Regelbog A/S", IAL: 3, Language: "da",
		EANNumbers: []string{regEAN}, PNumbers: []string{regP}, SENumbers: []string{regSE},
		AllowAnonymous: true, AllowPrivateMitID: true}
}

// person is what a door is asked to create, in the doors' common terms.
type person struct {
	FirstName, LastName, Email, Phone, CPR string
	DateOfBirth                            string // YYYY-MM-DD; the CSV row writes DDMMYYYY
	TargetIAL                              int
	EAN, PNumber, SENumber                 string
	Anonymous                              bool
	AdminRole                              bool
	ReferenceText, LoginMeans              string
}

// validPerson is a user every door accepts.
func validPerson(email string) person {
	return person{FirstName: "Anna", LastName: "Hansen", Email: email, DateOfBirth: "1990-01-31",
		TargetIAL: 3, EAN: regEAN, PNumber: regP, SENumber: regSE}
}

// The doors a case goes through.
const (
	doorAdmin = "admin API"
	doorSCIM  = "SCIM"
	doorCSV   = "CSV row"
)

var allDoors = []string{doorAdmin, doorSCIM, doorCSV}

// TestOneRulebook feeds the same invalid value through the admin API
// (POST /admin/v1/users), SCIM (POST /scim/v2/Users) and a C row of a CSV
// file dropped into the bucket, and expects the same code from each: one
// rulebook, one vocabulary, whichever door (SPEC §4, issue 12).
func TestOneRulebook(t *testing.T) {
	t.Parallel()
	w := newWorld(t, rulebookOrg())
	tests := []struct {
		rule  string
		doors []string // nil: all three
		edit  func(p *person)
		code  string // "" for a user every door accepts
	}{
		{rule: "a valid user passes every door", edit: func(*person) {}},
		{rule: "e-mail must be an address", edit: func(p *person) { p.Email = "anna@firma" }, code: "email.format"},
		{rule: "phone is 8 digits or E.164", edit: func(p *person) { p.Phone = "1234" }, code: "phone.format"},
		{rule: "CPR number is 10 digits", edit: func(p *person) { p.CPR, p.DateOfBirth = "01019O1234", "" }, code: "cpr.format"},
		{rule: "CPR number lost its leading zero", edit: func(p *person) { p.CPR, p.DateOfBirth = "101901234", "" }, code: "cpr.leading_zero_lost"},
		{rule: "CPR date is a real date", edit: func(p *person) { p.CPR, p.DateOfBirth = "3102901234", "" }, code: "cpr.invalid_date"},
		// Seventh digit 5 and year 57: 1 January 2057 by the century rules.
		{rule: "CPR date is not in the future by the century rules", edit: func(p *person) { p.CPR, p.DateOfBirth = "0101575000", "" }, code: "cpr.invalid_date"},
		{rule: "date of birth is a real date", edit: func(p *person) { p.DateOfBirth = "1990-02-30" }, code: "dob.format"},
		{rule: "date of birth is the CPR number's", edit: func(p *person) { p.CPR, p.DateOfBirth = "3101901234", "1990-02-01" }, code: "dob.cpr_mismatch"},
		{rule: "IAL is 3 or 4", edit: func(p *person) { p.TargetIAL = 5 }, code: "ial.range"},
		{rule: "IAL is not above the organisation's", edit: func(p *person) { p.TargetIAL = 4 }, code: "ial.range"},
		{rule: "EAN is registered", edit: func(p *person) { p.EAN = "5790000999999" }, code: "ean.unregistered"},
		{rule: "P-number is registered", edit: func(p *person) { p.PNumber = "9999999999" }, code: "pnumber.unregistered"},
		{rule: "SE-number is registered", edit: func(p *person) { p.SENumber = "99999999" }, code: "senumber.unregistered"},
		// A CSV file has no roles column, and SCIM sets no roles (only
		// groupRoles does, SPEC §14): neither can express this rule.
		{rule: "an anonymous user is no admin", doors: []string{doorAdmin},
			edit: func(p *person) { p.Anonymous, p.AdminRole = true, true }, code: "anonymous.admin"},
		// Free text is one line of visible text (SPEC §14, issue 14): it
		// reaches mail and pages.
		{rule: "a name holds no line separator", edit: func(p *person) { p.FirstName = "Bo\u2028URGENT: pay at evil.example" }, code: "text.control"},
		{rule: "a name holds no bidirectional control", edit: func(p *person) { p.LastName = "Hansen \u202eelpmaxe.live" }, code: "text.control"},
		// A CSV file's reader refuses C0 controls as no text at all
		// (encoding.invalid), and a bare line break ends the row: the
		// rulebook's code comes through the other doors.
		{rule: "a name holds no control character", doors: []string{doorAdmin, doorSCIM},
			edit: func(p *person) { p.LastName = "Han\x07sen" }, code: "text.control"},
		{rule: "a name holds no line break", doors: []string{doorAdmin, doorSCIM},
			edit: func(p *person) { p.FirstName = "Bo\n\nURGENT: your account is locked, pay at https://evil.example" }, code: "text.control"},
		{rule: "reference text needs the organisation's setting", edit: func(p *person) { p.ReferenceText = "Afd. 7" }, code: "referencetext.disabled"},
		{rule: "PrivatID needs a CPR number", edit: func(p *person) { p.LoginMeans = tilgang.LoginMeansPrivateMitID }, code: "loginmeans.needs_cpr"},
		{rule: "login means is PrivatID or empty", edit: func(p *person) { p.LoginMeans = "MitID" }, code: "loginmeans.value"},
		// SCIM's minimal user needs only a userName (SPEC §5): the other
		// doors require names.
		{rule: "names are required of an administrator's and a file's users", doors: []string{doorAdmin, doorCSV},
			edit: func(p *person) { p.FirstName = "" }, code: "field.required"},
		{rule: "an identity provider's user needs no names", doors: []string{doorSCIM}, edit: func(p *person) { p.FirstName = "" }},
	}

	// The CSV door: one file, a row per case, imported once.
	var file strings.Builder
	file.WriteString(csvfile.Template + "\r\n")
	lineOf := map[int]int{} // case → line
	for i, tc := range tests {
		if tc.doors != nil && !slices.Contains(tc.doors, doorCSV) {
			continue
		}
		p := validPerson(fmt.Sprintf("case%d.csv@rulebook.example", i))
		tc.edit(&p)
		lineOf[i] = len(lineOf) + 2
		file.WriteString(csvRow(p) + "\r\n")
	}
	receipt := w.importCSV("regler", file.String())

	for i, tc := range tests {
		doors := tc.doors
		if doors == nil {
			doors = allDoors
		}
		for _, door := range doors {
			t.Run(tc.rule+"/"+door, func(t *testing.T) {
				p := validPerson(fmt.Sprintf("case%d.%s@rulebook.example", i, strings.ReplaceAll(strings.ToLower(door), " ", "")))
				tc.edit(&p)
				var codes []string
				switch door {
				case doorAdmin:
					codes = w.adminCodes(p)
				case doorSCIM:
					codes = w.scimCodes(p)
				case doorCSV:
					row, ok := receipt[lineOf[i]]
					if !ok {
						t.Fatalf("no receipt row for line %d", lineOf[i])
					}
					codes = row
				}
				want := []string{}
				if tc.code != "" {
					want = []string{tc.code}
				}
				if !slices.Equal(codes, want) {
					t.Errorf("codes %v, want %v", codes, want)
				}
			})
		}
	}
}

// adminCodes posts p to the admin API and returns the codes of its
// problems, none if it was created.
func (w *world) adminCodes(p person) []string {
	w.t.Helper()
	body := map[string]any{"firstName": p.FirstName, "lastName": p.LastName, "email": p.Email, "phone": p.Phone,
		"cpr": p.CPR, "dateOfBirth": p.DateOfBirth, "targetIal": p.TargetIAL, "ean": p.EAN, "pNumber": p.PNumber,
		"seNumber": p.SENumber, "anonymous": p.Anonymous, "referenceText": p.ReferenceText, "loginMeans": p.LoginMeans}
	if p.AdminRole {
		body["roles"] = []any{map[string]any{"role": tilgang.RoleUserAdmin}}
	}
	resp, b := testenv.Request(w.t, "POST", w.base+"/admin/v1/users", w.creds.AdminToken, "application/json", body)
	if resp.StatusCode == http.StatusCreated {
		return []string{}
	}
	var problem struct {
		Code   string `json:"code"`
		Errors []struct {
			Code string `json:"code"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(b, &problem); err != nil || resp.StatusCode != http.StatusBadRequest {
		w.t.Fatalf("admin API: %d %s", resp.StatusCode, b)
	}
	codes := []string{}
	for _, e := range problem.Errors {
		codes = append(codes, e.Code)
	}
	return codes
}

// scimCodes posts p over SCIM and returns the code its error detail ends
// in, none if it was created. SCIM answers one problem at a time.
func (w *world) scimCodes(p person) []string {
	w.t.Helper()
	ext := map[string]any{"targetIal": p.TargetIAL, "ean": p.EAN, "pNumber": p.PNumber, "seNumber": p.SENumber}
	for k, v := range map[string]string{"cpr": p.CPR, "dateOfBirth": p.DateOfBirth, "referenceText": p.ReferenceText, "loginMeans": p.LoginMeans} {
		if v != "" {
			ext[k] = v
		}
	}
	if p.Anonymous {
		ext["anonymous"] = true
	}
	body := map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:tilgang:2.0:User"},
		"userName": p.Email,
		"name":     map[string]any{"givenName": p.FirstName, "familyName": p.LastName},
		"emails":   []any{map[string]any{"value": p.Email, "type": "work", "primary": true}},
		"urn:ietf:params:scim:schemas:extension:tilgang:2.0:User": ext,
	}
	if p.Phone != "" {
		body["phoneNumbers"] = []any{map[string]any{"value": p.Phone, "type": "work"}}
	}
	resp, b := testenv.Request(w.t, "POST", w.base+"/scim/v2/Users", w.creds.SCIMToken, "application/scim+json", body)
	if resp.StatusCode == http.StatusCreated {
		return []string{}
	}
	var e struct{ Detail, ScimType string }
	if err := json.Unmarshal(b, &e); err != nil || resp.StatusCode != http.StatusBadRequest || e.ScimType != "invalidValue" {
		w.t.Fatalf("SCIM: %d %s", resp.StatusCode, b)
	}
	open := strings.LastIndexByte(e.Detail, '(')
	if open < 0 || !strings.HasSuffix(e.Detail, ")") {
		w.t.Fatalf("SCIM detail %q names no code", e.Detail)
	}
	return []string{e.Detail[open+1 : len(e.Detail)-1]}
}

// csvRow writes p as a C row of the template.
func csvRow(p person) string {
	dob := ""
	if d := p.DateOfBirth; len(d) == 10 {
		dob = d[8:] + d[5:7] + d[:4]
	}
	ial := ""
	if p.TargetIAL != 0 {
		ial = fmt.Sprint(p.TargetIAL)
	}
	anonym := ""
	if p.Anonymous {
		anonym = "J"
	}
	return strings.Join([]string{"C", "", p.FirstName, p.LastName, p.CPR, dob, p.Email, p.Phone, anonym,
		p.ReferenceText, ial, p.EAN, p.PNumber, p.SENumber, p.LoginMeans}, ";")
}

// importCSV uploads body to imports/<org>/<name>.csv with a grant,
// imports it with the csvimport function's wiring, and returns the codes
// of each row of the receipt by line (none for an applied row).
func (w *world) importCSV(name, body string) map[int][]string {
	w.t.Helper()
	s3c, bucket := testenv.Bucket(w.t)
	w.app.S3PathStyle = true // the emulator's addressing
	ev := testenv.GrantedUpload(w.t, w.app.Store, s3c, bucket, "imports/"+w.org.ID+"/"+name+".csv", []byte(body))
	if err := w.app.CSVImport(nil).Handle(context.Background(), ev); err != nil {
		w.t.Fatalf("import: %v", err)
	}
	out, err := s3c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket),
		Key: aws.String("receipts/" + w.org.ID + "/" + name + ".receipt.json")})
	if err != nil {
		w.t.Fatalf("receipt: %v", err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	var receipt struct {
		Status string
		Rows   []struct {
			Line   int
			Result string
			Errors []struct{ Code, Column, Message string }
		}
	}
	if err := json.Unmarshal(b, &receipt); err != nil || receipt.Status != "completed" {
		w.t.Fatalf("receipt %s: %v", b, err)
	}
	rows := map[int][]string{}
	for _, r := range receipt.Rows {
		codes := []string{}
		for _, e := range r.Errors {
			codes = append(codes, e.Code)
			if e.Message == "" || e.Column == "" {
				w.t.Errorf("line %d: %s without its column or message", r.Line, e.Code)
			}
		}
		if (len(codes) == 0) != (r.Result == "created") {
			w.t.Errorf("line %d: %s with %v", r.Line, r.Result, codes)
		}
		rows[r.Line] = codes
	}
	return rows
}

// TestOneRulebookOnTheInvitationPage: what the invitee types is judged by
// the same rules as the admin API's users: the page marks the fields whose
// codes the admin API gives for the same values.
func TestOneRulebookOnTheInvitationPage(t *testing.T) {
	t.Parallel()
	w := newWorld(t, rulebookOrg())
	ida := uniqueEmail(t, "ida")
	w.invite(ida)
	b := newBrowser(t)
	form := b.get(w.link(mailsTo(t, ida, 1)[0], "/invitations/"))
	wantPage(t, form, http.StatusOK, `name="firstName"`)

	// The page's words for the codes it is given (web/invitations.go).
	pageSays := map[string]string{
		"firstName field.required": "Skriv dit fornavn",
		"lastName field.too_long":  "Efternavnet er for langt",
		"phone phone.format":       "Skriv telefonnummeret med 8 cifre",
	}
	p := validPerson(uniqueEmail(t, "ida.admin"))
	p.FirstName, p.LastName, p.Phone = "", strings.Repeat("ø", 201), "1234"
	problem := struct {
		Errors []struct{ Field, Code string }
	}{}
	resp, body := testenv.Request(t, "POST", w.base+"/admin/v1/users", w.creds.AdminToken, "application/json",
		map[string]any{"firstName": p.FirstName, "lastName": p.LastName, "email": p.Email, "phone": p.Phone, "dateOfBirth": p.DateOfBirth})
	if err := json.Unmarshal(body, &problem); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("admin API: %d %s", resp.StatusCode, body)
	}
	var got []string
	for _, e := range problem.Errors {
		got = append(got, e.Field+" "+e.Code)
	}
	slices.Sort(got)
	if want := slices.Sorted(maps.Keys(pageSays)); !slices.Equal(got, want) {
		t.Fatalf("admin API codes %v, want %v", got, want)
	}

	page := b.submit(form, url.Values{"firstName": {p.FirstName}, "lastName": {p.LastName}, "phone": {p.Phone}, "accept": {"yes"}})
	var texts []string
	for _, s := range pageSays {
		texts = append(texts, s)
	}
	wantPage(t, page, http.StatusUnprocessableEntity, texts...)
	if n := strings.Count(page.body, `aria-invalid="true"`); n != len(pageSays) {
		t.Errorf("%d fields marked invalid, want %d", n, len(pageSays))
	}
}
