package tilgang

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// FoldUserName is the form under which userNames and e-mail addresses are
// unique and found (SPEC §14: they compare after NFKC and case folding):
// trimmed, in Unicode normal form KC (so "ﬁ" and "fi", a full-width "ｍ"
// and "m", or the Kelvin sign and "K" are one name), and case-folded (so
// "ß" and "ss" are one name). It folds as FoldName does, and then again
// until nothing changes, so that a folded name folds to itself: NFKC can
// turn a character into a space and a combining mark ("¨"), which
// trimming then removes, and case folding can undo a composition.
//
// Look-alikes of different scripts (a Cyrillic "е" for a Latin "e") stay
// apart: no normal form joins them. The users rulebook refuses a new
// userName that mixes such scripts instead (validate.UserName).
//
// It is on the path of every create and every `userName eq` filter, so an
// ASCII name, nearly every name, takes a short cut: NFKC leaves ASCII alone
// and its case folding is lower-casing.
func FoldUserName(s string) string {
	s = strings.TrimSpace(s)
	if isASCII(s) {
		return strings.ToLower(s)
	}
	// A bound on the rounds, not a limit met in practice: the fuzz test
	// (FuzzFoldUserName) finds no string that is not stable after them.
	for range 4 {
		f := strings.TrimSpace(norm.NFKC.String(cases.Fold().String(norm.NFKC.String(s))))
		if f == s {
			break
		}
		s = f
	}
	return s
}

// LegacyFoldUserName is the fold userName and invitee guards were keyed by
// before FoldUserName: trimmed, normal form C and case-folded, which keeps
// compatibility variants apart. Only the guard migration
// (store.RefoldGuards) and reading users it has not moved use it.
func LegacyFoldUserName(s string) string {
	return cases.Fold().String(norm.NFC.String(strings.TrimSpace(s)))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
