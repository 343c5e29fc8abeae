// Package web serves the small server-rendered pages where users activate
// and invitees accept (SPEC §8, §10).
package web

import (
	"log/slog"
	"net/http"

	"github.com/tilgang/tilgang/internal/httpx"
)

// New returns the pages' handler. Until activation and invitations land,
// their paths answer a plain 501 page.
func New(log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	notYet := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotImplemented)
		_, _ = w.Write([]byte("<!doctype html><html lang=\"da\"><meta charset=\"utf-8\"><title>tilgang</title>" +
			"<p>Denne side er ikke klar endnu. / This page is not available yet.</p></html>\n"))
	}
	for _, p := range []string{"/activate/", "/invitations/", "/assets/"} {
		mux.HandleFunc(p, notYet)
	}
	return httpx.Log(log, mux)
}
