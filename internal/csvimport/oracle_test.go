package csvimport_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tilgang/tilgang/internal/csvimport"
	"github.com/tilgang/tilgang/internal/csvimport/csvfile"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/testenv"
	"github.com/tilgang/tilgang/internal/tilgang"
	"github.com/tilgang/tilgang/internal/users"
)

// csvLine writes a row of the template: action, UUID, first name and CPR
// number, the other cells empty.
func csvLine(action, id, firstName, cprNumber string) string {
	cells := make([]string, 15)
	cells[0], cells[1], cells[2], cells[4] = action, id, firstName, cprNumber
	return strings.Join(cells, ";") + "\r\n"
}

// person creates a user of the fixture's organisation with CPR number n.
func (f *fixture) person(name, n string) *tilgang.User {
	f.t.Helper()
	c, err := f.svc.Create(context.Background(), tilgang.Actor{Name: "test", Source: "admin"}, f.org, users.NewRequest{
		User: &tilgang.User{FirstName: name, LastName: "Hansen", Email: strings.ToLower(name) + "@example.dk"},
		CPR:  n, Profile: users.AdminProfile,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return c.User
}

// outcome is a row's result without its line: what a guesser reads.
func outcome(r imports.ReceiptRow) string {
	s := r.Action + " " + r.Result + " " + r.UserID
	for _, e := range r.Errors {
		s += " | " + e.Column + " " + e.Code + " " + e.Message
	}
	return s
}

// TestCPRWithUUIDIsNoOracle: SPEC §14. A U or D row that names its user by
// UUID and also gives a CPR number fails alike whether the number is the
// user's or not (and whether the UUID names a user), and changes nothing.
// Before, the user's own number updated or deleted the user, and another
// one answered user.identity_mismatch or user.not_found.
func TestCPRWithUUIDIsNoOracle(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, csvimport.Options{})
	const right, wrong = "0101901234", "0101901235"
	anna := f.person("Anna", right)
	f.person("Bo", "0202901234")
	file := csvfile.Template + "\r\n" +
		csvLine("U", anna.ID, "Nyt", right) + // 2
		csvLine("U", anna.ID, "Nyt", wrong) + // 3
		csvLine("U", anna.ID, "Nyt", "0202901234") + // 4: another user's number
		csvLine("U", "0f8fad5b-d9cb-469f-a165-70867728950e", "Nyt", right) + // 5: no such UUID
		csvLine("D", anna.ID, "", right) + // 6
		csvLine("D", anna.ID, "", wrong) + // 7
		csvLine("D", strings.ReplaceAll(anna.ID, "-", ""), "", right) // 8
	f.handle(f.put("gaet.csv", []byte(file)))
	r, _ := f.receipt("gaet")
	if len(r.Rows) != 7 {
		t.Fatalf("receipt rows = %+v", r.Rows)
	}
	wantU := "U failed  | CPR cpr.with_uuid " + csvfile.Message("da", csvfile.CodeCPRWithUUID, "")
	wantD := "D failed  | CPR cpr.with_uuid " + csvfile.Message("da", csvfile.CodeCPRWithUUID, "")
	for _, row := range r.Rows {
		want := wantU
		if row.Action == "D" {
			want = wantD
		}
		if got := outcome(row); got != want {
			t.Errorf("line %d: %q, want %q", row.Line, got, want)
		}
	}
	u, err := f.st.User(context.Background(), f.org.ID, anna.ID)
	if err != nil || u.FirstName != "Anna" || u.Version != anna.Version {
		t.Errorf("the user changed: %+v, %v", u, err)
	}
}

// TestCPRLookupsPerFile: a file's rows that find their user by CPR number
// alone look it up up to the limit per file; the rest fail with
// cpr.lookup_limit, alike for a number a user has and one no user has, and
// the receipt and the import record warn. Rows by UUID are not limited.
// Before, every such row answered whether a user had the number.
func TestCPRLookupsPerFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, csvimport.Options{CPRLookupsPerFile: 2})
	anna := f.person("Anna", "0101901234")
	bo := f.person("Bo", "0202901234")
	carl := f.person("Carl", "0303901234")
	file := csvfile.Template + "\r\n" +
		csvLine("U", "", "Anne", "0101901234") + // 2: looked up, updated
		csvLine("U", "", "Ingen", "0101901299") + // 3: looked up, not found
		csvLine("U", "", "Bodil", "0202901234") + // 4: over the limit, though Bo has it
		csvLine("D", "", "", "0202901299") + // 5: over the limit, no one has it
		csvLine("D", "", "", "0303901234") + // 6: over the limit, Carl has it
		csvLine("U", carl.ID, "Carla", "") // 7: by UUID
	f.handle(f.put("cpr.csv", []byte(file)))
	r, receiptCSV := f.receipt("cpr")
	var got []string
	for _, row := range r.Rows {
		s := fmt.Sprintf("%d %s", row.Line, row.Result)
		for _, e := range row.Errors {
			s += " " + e.Code + "@" + e.Column
		}
		got = append(got, s)
	}
	want := []string{"2 updated", "3 failed user.not_found@CPR", "4 failed cpr.lookup_limit@CPR", "5 failed cpr.lookup_limit@CPR",
		"6 failed cpr.lookup_limit@CPR", "7 updated"}
	if !slices.Equal(got, want) {
		t.Fatalf("rows:\n got %q\nwant %q", got, want)
	}
	// Bo's number and a number no one has answer alike, to the byte.
	if a, b := outcome(r.Rows[2]), outcome(r.Rows[3]); strings.TrimPrefix(a, "U") != strings.TrimPrefix(b, "D") {
		t.Errorf("over the limit, a user's number and another answer differently:\n%s\n%s", a, b)
	}
	if !strings.Contains(string(receiptCSV), "cpr.lookup_limit") {
		t.Errorf("the CSV receipt lacks the code:\n%s", receiptCSV)
	}
	wantWarning(t, r.Warnings, 3)
	imp, err := imports.New(f.st).Get(context.Background(), f.org, r.ImportID)
	if err != nil {
		t.Fatal(err)
	}
	wantWarning(t, imports.SummaryOf(imp).Warnings, 3)
	for id, name := range map[string]string{anna.ID: "Anne", bo.ID: "Bo", carl.ID: "Carla"} {
		if u, err := f.st.User(context.Background(), f.org.ID, id); err != nil || u.FirstName != name {
			t.Errorf("user %s: %+v, %v; want first name %s", id, u, err, name)
		}
	}
}

// TestCPRLookupsPerDay: the organisation's look-ups of a day are counted in
// the table, across files and handlers: a second file gets what the first
// left, the rest of its rows fail with cpr.lookup_limit, and another
// organisation has its own.
func TestCPRLookupsPerDay(t *testing.T) {
	t.Parallel()
	opts := csvimport.Options{CPRLookupsPerDay: 3}
	f := newFixture(t, nil, opts)
	f.person("Anna", "0101901234")
	f.person("Bo", "0202901234")
	first := csvfile.Template + "\r\n" + csvLine("U", "", "Anne", "0101901234") + csvLine("U", "", "X", "0101901299")
	f.handle(f.put("en.csv", []byte(first)))
	r1, _ := f.receipt("en")
	if r1.Updated != 1 || r1.Failed != 1 || r1.Rows[1].Errors[0].Code != "user.not_found" || len(r1.Warnings) != 0 {
		t.Fatalf("first file: %+v", r1)
	}

	// Another handler, as another Lambda instance would be.
	second := csvfile.Template + "\r\n" + csvLine("U", "", "Bodil", "0202901234") + csvLine("U", "", "Y", "0101901298") +
		csvLine("D", "", "", "0101901234")
	h := csvimport.New(f.s3, f.st, f.svc, nil, slog.New(slog.NewJSONHandler(io.Discard, nil)), opts)
	if err := h.Handle(context.Background(), f.put("to.csv", []byte(second))); err != nil {
		t.Fatal(err)
	}
	r2, _ := f.receipt("to")
	var got []string
	for _, row := range r2.Rows {
		got = append(got, fmt.Sprintf("%d %s %s", row.Line, row.Result, row.Errors))
	}
	if r2.Updated != 1 || r2.Failed != 2 || r2.Rows[1].Errors[0].Code != "cpr.lookup_limit" || r2.Rows[2].Errors[0].Code != "cpr.lookup_limit" {
		t.Fatalf("second file: %q", got)
	}
	wantWarning(t, r2.Warnings, 2)
	if u := byEmail(f.users())["anna@example.dk"]; u == nil {
		t.Error("the D row over the limit deleted its user")
	}
}

func wantWarning(t *testing.T, ws []imports.Warning, rows int) {
	t.Helper()
	if len(ws) != 1 || ws[0].Code != "cpr.lookup_limit" || ws[0].Rows != rows || !strings.Contains(ws[0].Message, fmt.Sprint(rows)) {
		t.Errorf("warnings %+v, want cpr.lookup_limit for %d rows", ws, rows)
	}
}

// cLine writes a C row of the template for a person with CPR number n.
func cLine(first, n string) string {
	cells := make([]string, 15)
	cells[0], cells[2], cells[3], cells[4] = "C", first, "Hansen", n
	cells[6], cells[10] = strings.ToLower(first)+"@example.dk", "3"
	return strings.Join(cells, ";") + "\r\n"
}

// TestTakenCPRInCRowsIsCapped: a C row with a CPR number that another user
// holds is a CPR look-up (SPEC §14): it fails with user.exists and spends
// one of the organisation's look-ups of the day, shared with the other
// doors; once they are spent, every C row with a CPR number fails with
// cpr.lookup_limit, taken or not, and the row's result never names the
// holder. Before, every such row answered user.exists without limit.
func TestTakenCPRInCRowsIsCapped(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, csvimport.Options{})
	const taken, free = "0101901234", "0202901234"
	holder := f.person("Anna", taken)
	svc := testenv.Users(t, f.st, users.WithCPRLookupsPerDay(2))
	h := csvimport.New(f.s3, f.st, svc, nil, slog.New(slog.NewJSONHandler(io.Discard, nil)), csvimport.Options{Workers: 1})
	file := csvfile.Template + "\r\n" + cLine("Bo", taken) + cLine("Carl", taken) + cLine("Dan", taken) + cLine("Eva", free)
	if err := h.Handle(context.Background(), f.put("c.csv", []byte(file))); err != nil {
		t.Fatal(err)
	}
	r, raw := f.receipt("c")
	var got []string
	for _, row := range r.Rows {
		got = append(got, fmt.Sprintf("%d %s %s", row.Line, row.Result, row.Errors[0].Code))
	}
	want := []string{"2 failed user.exists", "3 failed user.exists", "4 failed cpr.lookup_limit", "5 failed cpr.lookup_limit"}
	if !slices.Equal(got, want) || r.Created != 0 {
		t.Fatalf("rows %q, want %q", got, want)
	}
	if strings.Contains(r.Rows[3].Errors[0].Message, "%") {
		t.Errorf("message %q", r.Rows[3].Errors[0].Message)
	}
	if strings.Contains(string(raw), holder.ID) {
		t.Errorf("the receipt names the holder: %s", raw)
	}
}

// TestUnreadableUserInRows: a U row for a user whose stored item does not
// decode fails with user.unreadable and a message; a D row erases it
// (SPEC §14). Before, both failed the import's run with an error.
func TestUnreadableUserInRows(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, csvimport.Options{Workers: 1})
	bad := f.person("Bo", "0202901234")
	if _, err := f.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(f.table),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "ORG#" + f.org.ID + "#USER#" + bad.ID}, "SK": &types.AttributeValueMemberS{Value: "USER"},
		},
		UpdateExpression:          aws.String("SET createdAt = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: "not a time"}},
	}); err != nil {
		t.Fatal(err)
	}
	f.handle(f.put("d.csv", []byte(csvfile.Template+"\r\n"+csvLine("U", bad.ID, "Nyt", "")+csvLine("D", bad.ID, "", ""))))
	r, _ := f.receipt("d")
	if len(r.Rows) != 2 || r.Rows[0].Result != "failed" || r.Rows[0].Errors[0].Code != "user.unreadable" || r.Rows[0].Errors[0].Message == "" ||
		r.Rows[1].Result != "deleted" {
		t.Fatalf("rows %+v", r.Rows)
	}
	if _, err := f.svc.Get(context.Background(), f.org, bad.ID); !errors.Is(err, tilgang.ErrUserNotFound) {
		t.Errorf("after D: %v", err)
	}
}
