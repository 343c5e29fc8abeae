package csvfile

import (
	"strings"
	"testing"
)

func TestParseUUID(t *testing.T) {
	t.Parallel()
	const canon = "0f8fad5b-d9cb-469f-a165-70867728950e"
	tests := []struct {
		in, want string
	}{
		{canon, canon},
		{"0F8FAD5B-D9CB-469F-A165-70867728950E", canon},
		{"0f8fad5bd9cb469fa16570867728950e", canon},
		{"0F8FAD5BD9CB469FA16570867728950E", canon},
		{"0f8fad5b-d9cb469f-a165-70867728950e", ""},  // 35 characters
		{"0f8fad5bd-9cb-469f-a165-70867728950e", ""}, // hyphen misplaced
		{"0f8fad5b-d9cb-469f-a165-70867728950g", ""},
		{"0f8fad5bd9cb469fa16570867728950", ""},
		{"{0f8fad5b-d9cb-469f-a165-70867728950e}", ""},
		{"0f8fad5b+d9cb+469f+a165+70867728950e", ""},
		{"--------------------------------", ""},
		{"", ""},
	}
	for _, tc := range tests {
		got, ok := parseUUID(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("parseUUID(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

func TestParseAction(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Action{
		"C": ActionCreate, "c": ActionCreate, "U": ActionUpdate, "u": ActionUpdate,
		"D": ActionDelete, "d": ActionDelete, "X": 0, "CU": 0, "": 0, "Opret": 0, "\x03": 0, "\xc3": 0,
	} {
		if got := parseAction(in); got != want {
			t.Errorf("parseAction(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseYesNo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		yes, ok bool
	}{
		{"J", true, true}, {"j", true, true}, {"Ja", true, true}, {"JA", true, true},
		{"Y", true, true}, {"Yes", true, true}, {"N", false, true}, {"n", false, true},
		{"Nej", false, true}, {"No", false, true}, {"1", false, false}, {"TRUE", false, false},
		{"SAND", false, false}, {"Måske", false, false},
	} {
		yes, ok := parseYesNo(tc.in)
		if yes != tc.yes || ok != tc.ok {
			t.Errorf("parseYesNo(%q) = %v, %v; want %v, %v", tc.in, yes, ok, tc.yes, tc.ok)
		}
	}
}

func TestIsText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"", true}, {"Søren", true}, {"a\tb\r\nc", true}, {"a\x00b", false}, {"a\x1bb", false},
		{"a\x7fb", false}, {"a\u0081b", false}, {"a\xffb", false}, {"\xc3", false}, {"\U0001F600", true},
	} {
		if got := isText(tc.in); got != tc.want {
			t.Errorf("isText(%q) = %v, want %v", tc.in, got, tc.want)
		}
		if got := cleanText(tc.in); !isText(got) || tc.want && got != tc.in {
			t.Errorf("cleanText(%q) = %q", tc.in, got)
		}
	}
}

// TestRowFormat covers the format of C, U and D rows beyond the errors.csv
// fixture. Rows whose values break rules of users have no problem here:
// the users rulebook judges them.
func TestRowFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, row, want string
	}{
		{"create with both CPR and date", "C;;A;B;0101901234;01011990;a@example.dk;;;;3;;;;", "2 C"},
		{"create with PrivatID and CPR", "C;;A;B;0101901234;;a@example.dk;;;;3;;;;PRIVATID", "2 C"},
		{"create with hyphenated CPR", "C;;A;B;010190-1234;;a@example.dk;;;;3;;;;", "2 C"},
		{"create with ISO date", "C;;A;B;;1990-01-01;a@example.dk;;;;3;;;;", "2 C"},
		{"create with date in the future: the rulebook's", "C;;A;B;;01012030;a@example.dk;;;;3;;;;", "2 C"},
		{"create with nothing: the rulebook's", "C;;;;;;;;;;;;;;", "2 C"},
		{"update by CPR only", "U;;;;0101901234;;;;;;;;;;", "2 U"},
		// SPEC §14: no CPR number to compare with the user's, whatever it is.
		{"update by UUID and CPR", "U;0f8fad5bd9cb469fa16570867728950e;;;0101901234;;;;;;;;;;", "2 U cpr.with_uuid@CPR"},
		{"update by UUID and a malformed CPR", "U;0f8fad5bd9cb469fa16570867728950e;;;12;;;;;;;;;;", "2 U cpr.with_uuid@CPR"},
		{"delete by UUID and CPR", "D;0f8fad5bd9cb469fa16570867728950e;;;0101901234;;;;;;;;;;", "2 D cpr.with_uuid@CPR"},
		{"delete by a malformed UUID and CPR", "D;0f8fad5b;;;0101901234;;;;;;;;;;", "2 D uuid.format@UUID cpr.with_uuid@CPR"},
		{"update with values the rulebook refuses", "U;0f8fad5bd9cb469fa16570867728950e;;;;;x;1;;;7;1;;;x", "2 U"},
		{"update with Anonym: the rulebook's", "U;0f8fad5bd9cb469fa16570867728950e;;;;;;;N;;;;;;", "2 U"},
		{"update with scientific UUID", "U;1,23457E+31;;;;;;;;;;;;;", "2 U number.scientific@UUID"},
		{"scientific date of birth", "C;;A;B;;1,01019E+7;a@example.dk;;;;3;;;;", "2 C number.scientific@Foedselsdato"},
		{"scientific target IAL", "C;;A;B;;01011990;a@example.dk;;;;3E+0;;;;", "2 C number.scientific@TargetIAL"},
		{"target IAL not a number", "C;;A;B;;01011990;a@example.dk;;;;tre;;;;", "2 C ial.range@TargetIAL"},
		{"target IAL 0", "C;;A;B;;01011990;a@example.dk;;;;0;;;;", "2 C ial.range@TargetIAL"},
		{"target IAL with decimals", "C;;A;B;;01011990;a@example.dk;;;;3,0;;;;", "2 C ial.range@TargetIAL"},
		{"delete by CPR", "D;;;;0101901234;;;;;;;;;;", "2 D"},
		{"delete with bad CPR", "D;;;;101901234;;;;;;;;;;", "2 D cpr.leading_zero_lost@CPR"},
		{"delete without identity", "D;;Anna;;;;;;;;;;;;", "2 D field.required@UUID"},
		{"delete ignores the rest", "D;;;;0101901234;x;x;x;x;x;x;x;x;x;x", "2 D"},
		{"unknown action: formats only", "Q;;;;x;;;;;;;;;;", "2 - action.unknown@Aktion cpr.format@CPR"},
		{"white space around values", " C ; ; Anna ; Hansen ; 0101901234 ; ; anna@example.dk ; ; ; ; 3 ; ; ; ; ", "2 C"},
		{"CPR of tomorrow: the rulebook's", "C;;A;B;1605254000;;a@example.dk;;;;3;;;;", "2 C"},
		{"reference text of 1001: the rulebook's", "C;;A;B;0101901234;;a@example.dk;;;" + strings.Repeat("ø", 1001) + ";3;;;;", "2 C"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, rows, err := readAll(strings.NewReader(rowsOf(tc.row)), Options{Language: "en"})
			if err != nil || len(rows) != 1 {
				t.Fatalf("%d rows, error %v", len(rows), err)
			}
			if got := summary(rows[0]); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestProblemColumnsFollowTheFile: problems name columns as the file does,
// and a U or D row without its user's identity blames a column the file
// has.
func TestProblemColumnsFollowTheFile(t *testing.T) {
	t.Parallel()
	in := "Action;First name;Surname;E-mail;Target IAL;Date of birth\n" +
		"C;;;;tre;\n" +
		"U;;;;;\n"
	_, rows, err := readAll(strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "create", summary(rows[0]), "2 C ial.range@Target IAL")
	// The file has neither UUID nor CPR: the template's name.
	want(t, "update", summary(rows[1]), "3 U field.required@UUID")
	in = "Action;CPR;First name;Surname;E-mail;Target IAL\nD;;;;;\n"
	if _, rows, err = readAll(strings.NewReader(in), Options{}); err != nil {
		t.Fatal(err)
	}
	// The file has CPR but no UUID: CPR.
	want(t, "delete", summary(rows[0]), "2 D field.required@CPR")
}
