package csvfile

import (
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/tilgang"
)

func TestCheckAgainst(t *testing.T) {
	t.Parallel()
	strict := &tilgang.Organisation{
		IAL:        3,
		EANNumbers: []string{"5790001234567"},
		PNumbers:   []string{"1234567890", "1234567891"},
		SENumbers:  []string{"12345678"},
		Language:   "en",
	}
	open := &tilgang.Organisation{
		IAL: 4, AllowAnonymous: true, ReferenceTextEnabled: true, AllowPrivateMitID: true, Language: "en",
	}
	const numbers = ";5790001234567;1234567890;12345678;"
	tests := []struct {
		name string
		org  *tilgang.Organisation
		row  string
		want string
	}{
		{"all good", strict, "C;;A;B;0101901234;;a@example.dk;;N;;3" + numbers, "2 C"},
		{"ial above the organisation's", strict, "C;;A;B;0101901234;;a@example.dk;;;;4" + numbers, "2 C ial.range@TargetIAL"},
		{"ial 4 in an IAL 4 organisation", open, "C;;A;B;0101901234;;a@example.dk;;;;4;;;;", "2 C"},
		{"numbers not registered", strict, "C;;A;B;0101901234;;a@example.dk;;;;3;5790001234568;1234567899;87654321;",
			"2 C ean.unregistered@EAN pnumber.unregistered@P-nummer senumber.unregistered@SE-nummer"},
		{"numbers missing on create", strict, "C;;A;B;0101901234;;a@example.dk;;;;3;;;;",
			"2 C required@EAN required@P-nummer required@SE-nummer"},
		{"numbers missing on update", strict, "U;;;;0101901234;;;;;;;;;;", "2 U"},
		{"number given to an organisation without any", open, "C;;A;B;0101901234;;a@example.dk;;;;3;5790001234567;;;", "2 C ean.unregistered@EAN"},
		{"malformed number: one problem, not two", strict, "C;;A;B;0101901234;;a@example.dk;;;;3;57900;1234567890;12345678;", "2 C ean.unregistered@EAN"},
		{"anonymous not allowed", strict, "C;;A;B;0101901234;;a@example.dk;;J;;3" + numbers, "2 C anonymous.value@Anonym"},
		{"anonymous allowed", open, "C;;A;B;0101901234;;a@example.dk;;J;;3;;;;", "2 C"},
		{"reference text not enabled", strict, "C;;A;B;0101901234;;a@example.dk;;;Ref;3" + numbers, "2 C field.not_allowed@Referencetekst"},
		{"reference text on update", strict, "U;;;;0101901234;;;;;Ref;;;;;", "2 U field.not_allowed@Referencetekst"},
		{"reference text enabled", open, "C;;A;B;0101901234;;a@example.dk;;;Ref;3;;;;", "2 C"},
		{"PrivatID not allowed", strict, "C;;A;B;0101901234;;a@example.dk;;;;3" + numbers + "PrivatID", "2 C loginmeans.value@Loginmiddel"},
		{"PrivatID allowed", open, "C;;A;B;0101901234;;a@example.dk;;;;3;;;;PrivatID", "2 C"},
		{"delete is not checked", strict, "D;;;;0101901234;;;;J;Ref;4;1;2;3;PrivatID", "2 D"},
		{"unknown action is not checked", strict, "X;;A;B;0101901234;;a@example.dk;;;;4;;;;", "2 - action.unknown@Aktion"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, rows, err := readAll(strings.NewReader(rowsOf(tc.row)), Options{Language: "da"})
			if err != nil || len(rows) != 1 {
				t.Fatalf("%d rows, error %v", len(rows), err)
			}
			CheckAgainst(&rows[0], tc.org)
			if got := summary(rows[0]); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			for _, p := range rows[0].Problems {
				// The reader's language, not the organisation's.
				if !isDanish(p) {
					t.Errorf("problem %s is not in Danish: %s", p.Code, p.Message)
				}
			}
		})
	}
}

// isDanish reports whether p's message is the Danish text of one of its
// code's messages (up to the first argument).
func isDanish(p Problem) bool {
	for key, m := range catalogue {
		fixed, _, _ := strings.Cut(m.da, "%")
		if codeOf(key) == p.Code && strings.HasPrefix(p.Message, fixed) {
			return true
		}
	}
	return false
}

func TestCheckAgainstRowByHand(t *testing.T) {
	t.Parallel()
	row := Row{Action: ActionCreate, TargetIAL: 4, EAN: "5790001234567"}
	CheckAgainst(&row, &tilgang.Organisation{IAL: 3, Language: "en"})
	want(t, "summary", summary(row), "0 C ial.range@TargetIAL ean.unregistered@EAN")
	want(t, "message", row.Problems[0].Message, "TargetIAL may not be higher than your organisation's IAL, which is 3.")
}
