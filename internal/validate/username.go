package validate

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// confusableScripts are the scripts whose letters pass for one another:
// Latin "a", "e", "o", "p", "c", "x" have Cyrillic and Greek twins that no
// normal form joins. A userName may use any one of them, not two.
var confusableScripts = []*unicode.RangeTable{unicode.Latin, unicode.Cyrillic, unicode.Greek}

// UserName checks a new userName for the look-alikes that folding
// (tilgang.FoldUserName) cannot join, so that one cannot pose as another
// user in a list, a log or a mail:
//
//   - letters of more than one of Latin, Cyrillic and Greek ("jеns" with a
//     Cyrillic "е"), judged after NFKC so that a full-width Latin letter
//     counts as Latin; this is the "moderately restrictive" level of
//     Unicode TS #39 §5.2 as far as it concerns these three scripts, and
//     leaves a userName of one script (Greek, Cyrillic, …) with ASCII
//     digits and punctuation alone;
//   - invisible format characters (Unicode Cf: zero-width space and
//     joiners, soft hyphen, word joiner, byte order mark), which make
//     "max" and "ma\u200bx" two names that print alike.
//
// It only judges: the userName is stored as sent. Users stored before the
// rule keep their names (the rulebook asks this only of a new or changed
// userName).
func UserName(s string) error {
	if ascii(s) {
		return nil
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Cf, r) }) {
		return ErrUserNameInvisible
	}
	var seen *unicode.RangeTable
	for _, r := range norm.NFKC.String(s) {
		if !unicode.IsLetter(r) {
			continue
		}
		for _, script := range confusableScripts {
			if !unicode.Is(script, r) {
				continue
			}
			if seen != nil && seen != script {
				return ErrUserNameScripts
			}
			seen = script
		}
	}
	return nil
}
