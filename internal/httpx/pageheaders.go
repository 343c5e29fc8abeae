package httpx

import "net/http"

// PageHeaders sets the headers every answer of the web pages and the
// console carries, pages and errors alike, with csp as the page's
// Content-Security-Policy. A handler may narrow or widen a header for its
// own answer (the console's upload form adds the bucket to form-action).
func PageHeaders(csp string, secure bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		// A page's address may hold a link token (activation, invitation,
		// sign-in): no other site may see it in a Referer header, not even
		// the style sheet's request.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		// Pages show personal data, secrets shown once and one-time links:
		// no copy may stay in a shared cache or the browser's history cache.
		h.Set("Cache-Control", "no-store")
		if secure {
			h.Set("Strict-Transport-Security", "max-age=63072000")
		}
		next.ServeHTTP(w, r)
	})
}
