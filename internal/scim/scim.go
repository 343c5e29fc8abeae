// Package scim is tilgang's SCIM 2.0 service provider (RFC 7643, RFC 7644).
package scim

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/tilgang/tilgang/internal/httpx"
)

// Prefix is where the service provider is mounted.
const Prefix = "/scim/v2"

// errorSchema is the schema URN of SCIM error bodies (RFC 7644 §3.12).
const errorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"

// New returns the SCIM handler. Until the Users resource lands, every
// request gets a well-formed SCIM error with status 501.
func New(log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotImplemented, "", "the SCIM service provider is not implemented yet")
	})
	return httpx.Log(log, mux)
}

func writeError(w http.ResponseWriter, status int, scimType, detail string) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	body := map[string]any{"schemas": []string{errorSchema}, "status": strconv.Itoa(status), "detail": detail}
	if scimType != "" {
		body["scimType"] = scimType
	}
	_ = json.NewEncoder(w).Encode(body)
}
