package imports

import (
	"strings"

	"github.com/tilgang/tilgang/internal/csvimport/csvfile"
)

// templateExample is the example row of the import template: a user known
// by date of birth, which Excel keeps as text only when the column is
// formatted as Text (the receipt says so if it is not).
var templateExample = []string{"C", "", "Mette", "Jensen", "", "01011990", "mette.jensen@example.dk", "+4512345678", "N", "", "3", "", "", "", ""}

// Template returns an empty import file: the header and one example row,
// as Danish Excel opens it (UTF-8 with BOM, semicolons, CRLF).
func Template() []byte {
	return []byte("\ufeff" + csvfile.Template + "\r\n" + strings.Join(templateExample, ";") + "\r\n")
}
