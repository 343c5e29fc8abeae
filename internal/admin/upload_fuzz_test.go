package admin

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/imports"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// FuzzUploadInput feeds arbitrary POST /imports bodies to their decoding
// and check. Neither may panic; a body is refused with an error the API
// explains as a 4xx, or accepted with a size the URL can be signed for
// and a file name that is plain text.
func FuzzUploadInput(f *testing.F) {
	for _, seed := range []string{
		`{"contentLength": 1234, "fileName": "uge47.csv"}`,
		`{"contentLength": 52428800}`,
		`{"contentLength": 52428801}`,
		`{"contentLength": 0}`,
		`{"contentLength": -1}`,
		`{"contentLength": 1e400}`,
		`{"contentLength": "12"}`,
		`{"contentLength": 10, "fileName": "a\nb"}`,
		`{"contentLength": 10, "fileName": "../../x.csv"}`,
		`{"contentLength": 10, "fileName": "\u202Egnp.csv"}`,
		`{"contentLength": 10, "fileName": "æøå.csv"}`,
		`null`,
		`[]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := decodeUploadInput(body)
		if err != nil {
			var be *httpx.BodyError
			if !errors.As(err, &be) && len(tilgang.Problems(err)) == 0 {
				t.Fatalf("decode error %T %v would be a 500", err, err)
			}
			return
		}
		req := imports.UploadRequest{ContentLength: in.ContentLength, FileName: strings.TrimSpace(in.FileName)}
		if err := imports.CheckUpload(req); err != nil {
			if len(tilgang.Problems(err)) == 0 {
				t.Fatalf("check error %T %v would be a 500", err, err)
			}
			return
		}
		if req.ContentLength < 1 || req.ContentLength > imports.MaxUploadBytes {
			t.Fatalf("size %d accepted", req.ContentLength)
		}
		for _, r := range req.FileName {
			if unicode.IsControl(r) || unicode.In(r, unicode.Cf) || r == '/' || r == '\\' || r == unicode.ReplacementChar && !strings.ContainsRune(in.FileName, r) {
				t.Fatalf("file name %q accepted", req.FileName)
			}
		}
	})
}
