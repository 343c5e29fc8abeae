package httpx

import (
	"errors"
	"net/http"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// Limited reports whether err is a rate limit (*tilgang.LimitExceeded)
// and then sets Retry-After for the 429 the caller answers.
func Limited(w http.ResponseWriter, err error) bool {
	var limited *tilgang.LimitExceeded
	if !errors.As(err, &limited) {
		return false
	}
	w.Header().Set("Retry-After", limited.RetryAfterHeader())
	return true
}

// LimitSources counts every request against its source before next
// reads anything. tooMany answers an error of source and reports true
// when it was a limit; any other error lets the request through.
func LimitSources(source func(*http.Request) error, tooMany func(http.ResponseWriter, *http.Request, error) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := source(r); err != nil && tooMany(w, r, err) {
			return
		}
		next.ServeHTTP(w, r)
	})
}
