package admin

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// problem is an RFC 9457 problem detail with tilgang's stable code and, for
// invalid input, one entry per field.
type problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail,omitempty"`
	Code   string         `json:"code"`
	Field  string         `json:"field,omitempty"`
	Errors []fieldProblem `json:"errors,omitempty"`
}

type fieldProblem struct {
	Field  string `json:"field,omitempty"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// internalProblem is a fresh 500 answer each time: writeProblem fills in
// Type, so a shared value would be written by concurrent requests.
func internalProblem() *problem {
	return &problem{Status: http.StatusInternalServerError, Code: "internal", Title: "Internal error",
		Detail: "the request could not be completed; try again"}
}

func writeProblem(w http.ResponseWriter, _ *http.Request, p *problem) {
	if p.Type == "" {
		p.Type = "urn:tilgang:problem:" + p.Code
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// fail answers err as a problem. This is the one place where domain and
// body errors become HTTP statuses.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var limited *tilgang.LimitExceeded
	if errors.As(err, &limited) {
		w.Header().Set("Retry-After", limited.RetryAfterHeader())
		writeProblem(w, r, limitProblem(limited))
		return
	}
	var body *httpx.BodyError
	if errors.As(err, &body) {
		writeProblem(w, r, &problem{Status: body.Status, Code: body.Code, Field: body.Field, Title: "Bad request body", Detail: body.Message})
		return
	}
	problems := tilgang.Problems(err)
	if len(problems) == 0 {
		h.log.ErrorContext(r.Context(), "request failed", slog.String("route", r.Pattern), slog.Any("error", err))
		writeProblem(w, r, internalProblem())
		return
	}
	first := problems[0]
	p := &problem{Status: statusOf(first.Kind), Code: first.Code, Field: first.Field, Title: titleOf(first.Kind), Detail: first.Message}
	if len(problems) > 1 || first.Kind == tilgang.KindInvalid {
		for _, e := range problems {
			p.Errors = append(p.Errors, fieldProblem{Field: e.Field, Code: e.Code, Detail: e.Message})
		}
	}
	writeProblem(w, r, p)
}

func statusOf(k tilgang.Kind) int {
	switch k {
	case tilgang.KindInvalid:
		return http.StatusBadRequest
	case tilgang.KindNotFound:
		return http.StatusNotFound
	case tilgang.KindConflict, tilgang.KindStale, tilgang.KindState:
		return http.StatusConflict
	case tilgang.KindGone:
		return http.StatusGone
	case tilgang.KindForbidden:
		return http.StatusForbidden
	case tilgang.KindLimit:
		return http.StatusUnprocessableEntity
	default:
		return http.StatusInternalServerError
	}
}

func titleOf(k tilgang.Kind) string {
	switch k {
	case tilgang.KindInvalid:
		return "Invalid input"
	case tilgang.KindNotFound:
		return "Not found"
	case tilgang.KindConflict:
		return "Already exists"
	case tilgang.KindStale:
		return "Changed by someone else"
	case tilgang.KindForbidden:
		return "Not allowed"
	case tilgang.KindState:
		return "Not allowed in the current status"
	case tilgang.KindGone:
		return "No longer available"
	default:
		return "Limit reached"
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
