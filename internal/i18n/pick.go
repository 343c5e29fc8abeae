package i18n

import (
	"net/http"

	"golang.org/x/text/language"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Pick returns "da" or "en" for r: the form's or the query's param (a
// language switch), the cookie that keeps an earlier choice, the
// browser's Accept-Language, fallback (the organisation's), else Danish.
// The console's pages and its passkey ceremonies pick alike with it.
func Pick(r *http.Request, param, cookie, fallback string) string {
	for _, v := range []string{r.PostFormValue(param), r.URL.Query().Get(param)} {
		if Supported(v) {
			return v
		}
	}
	if ck, err := r.Cookie(cookie); err == nil && Supported(ck.Value) {
		return ck.Value
	}
	if h := r.Header.Get("Accept-Language"); h != "" {
		if tags, _, err := language.ParseAcceptLanguage(h); err == nil && len(tags) > 0 {
			// Built per call, not at init: a function that never picks
			// a language does not link the matcher.
			matcher := language.NewMatcher([]language.Tag{language.Danish, language.English})
			if _, i, conf := matcher.Match(tags...); conf != language.No {
				return tilgang.Languages[i]
			}
		}
	}
	if Supported(fallback) {
		return fallback
	}
	return tilgang.Languages[0]
}

// Supported reports whether lang is one of the pages' languages.
func Supported(lang string) bool { return lang == "da" || lang == "en" }
