package imports

import (
	"strconv"
	"strings"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Template returns an empty import file for org: the header and one
// example row, as Danish Excel opens it (UTF-8 with BOM, semicolons,
// CRLF). The row is a user known by date of birth, which Excel keeps as
// text only when the column is formatted as Text (the receipt says so if
// it is not). It names the organisation's first registered EAN, P- and
// SE-number, which a file must give when the organisation has them, and
// an IAL the organisation allows: the example imports as it is.
func Template(org *tilgang.Organisation) []byte {
	ial := ""
	if org.IAL > 0 {
		ial = strconv.Itoa(min(org.IAL, 3))
	}
	row := []string{"C", "", "Mette", "Jensen", "", "01011990", "mette.jensen@example.dk", "+4512345678", "N", "", ial,
		first(org.EANNumbers), first(org.PNumbers), first(org.SENumbers), ""}
	return []byte("\ufeff" + tilgang.ImportHeader + "\r\n" + strings.Join(row, ";") + "\r\n")
}

func first(numbers []string) string {
	if len(numbers) == 0 {
		return ""
	}
	return numbers[0]
}
