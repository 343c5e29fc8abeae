// Package i18n is the pages' two languages, shared by the activation and
// invitation pages (internal/web) and the console (internal/console):
// messages in Danish and English looked up by key, and dates written as
// people in each language write them.
package i18n

import (
	"fmt"
	"time"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Text is one message: Danish first, English second.
type Text [2]string

// In is the message in lang; any language but "en" is Danish.
func (t Text) In(lang string) string {
	if lang == "en" {
		return t[1]
	}
	return t[0]
}

// Tables are the tables a page package's messages are in, looked in in
// order. Treat them as constant.
type Tables []map[string]Text

// Translate returns the message key in lang, formatted with args. A key in
// no table comes back as "[key]", which the tests look for.
func (ts Tables) Translate(lang, key string, args ...any) string {
	for _, table := range ts {
		if t, ok := table[key]; ok {
			if len(args) == 0 {
				return t.In(lang)
			}
			return fmt.Sprintf(t.In(lang), args...)
		}
	}
	return "[" + key + "]"
}

// Has reports whether some table has key.
func (ts Tables) Has(key string) bool {
	for _, table := range ts {
		if _, ok := table[key]; ok {
			return true
		}
	}
	return false
}

var months = map[string][12]string{
	"da": {"januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"},
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// Date writes the date of t in Copenhagen as people write it: "2. januar
// 2026" or "2 January 2026"; the zero time is "".
func Date(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	d := t.In(tilgang.Copenhagen())
	if lang == "en" {
		return fmt.Sprintf("%d %s %d", d.Day(), months["en"][d.Month()-1], d.Year())
	}
	return fmt.Sprintf("%d. %s %d", d.Day(), months["da"][d.Month()-1], d.Year())
}
