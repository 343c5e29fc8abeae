package invitations

import (
	"strings"
	"unicode"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// SplitAddresses reads the addresses an administrator pastes into the
// console's invitation form: one per line or separated by commas,
// semicolons or spaces, as a spreadsheet column or a mail client's
// recipient list gives them ("Anna Berg <anna@example.dk>; bo@example.dk").
// It returns them as given (Invite checks and folds them, with a result
// per address), in order, duplicates kept, and at most
// tilgang.MaxInvitations+1 of them: one more than may be invited, so that
// Invite still says there were too many without the page holding an
// unbounded list.
func SplitAddresses(text string) []string {
	var out []string
	for chunk := range strings.FieldsFuncSeq(text, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' }) {
		// "Name <address>": the address is what the brackets hold, and
		// the name may have spaces.
		if open := strings.LastIndexByte(chunk, '<'); open >= 0 {
			if end := strings.IndexByte(chunk[open:], '>'); end > 0 {
				chunk = chunk[open+1 : open+end]
			}
		}
		for f := range strings.FieldsFuncSeq(chunk, unicode.IsSpace) {
			f = strings.Trim(f, `<>"'`)
			if f == "" {
				continue
			}
			if out = append(out, f); len(out) > tilgang.MaxInvitations {
				return out
			}
		}
	}
	return out
}
