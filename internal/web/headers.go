package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
)

// contentSecurityPolicy allows nothing but the pages' own style sheet and
// forms that post back to the pages. No script runs, inline or not.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// assetPrefix is where the embedded static files are served.
const assetPrefix = "/assets/"

//go:embed assets
var assetFiles embed.FS

// styleSheet is the one style sheet, embedded.
const styleSheet = "site.css"

// assetURL returns the address of an embedded file with a version that
// changes with its content, so that a browser may keep it for long.
func assetURL(name string) string {
	b, err := assetFiles.ReadFile("assets/" + name)
	if err != nil {
		panic("web: no embedded asset " + name)
	}
	sum := sha256.Sum256(b)
	return assetPrefix + name + "?v=" + hex.EncodeToString(sum[:6])
}

// assets serves the embedded static files.
func assets() http.Handler {
	types := map[string]string{styleSheet: "text/css; charset=utf-8"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		ct, ok := types[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		b, err := assetFiles.ReadFile("assets/" + name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ct)
		// The address carries a content hash (assetURL), so a cached
		// copy is never stale.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		_, _ = w.Write(b)
	})
}

// StyleSheet returns the pages' one style sheet, which the administrators'
// console serves too, so that both look the same.
func StyleSheet() []byte {
	b, err := assetFiles.ReadFile("assets/" + styleSheet)
	if err != nil {
		panic("web: no embedded style sheet")
	}
	return b
}
