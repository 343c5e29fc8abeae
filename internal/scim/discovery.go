package scim

import (
	"net/http"
	"strings"

	"github.com/tilgang/tilgang/internal/scim/schema"
)

// features are what this service provider does, as ServiceProviderConfig
// states it: every flag true to the code.
var features = schema.Features{
	Patch: true, Filter: true, Sort: true, ETag: true, MaxFilterResults: MaxResults, MaxPayloadSize: MaxPayloadSize,
}

// served are the resource types this handler has endpoints for: discovery
// lists these and no more (RFC 7644 §4).
func (h *Handler) served() []*schema.Resource {
	if h.groups == nil {
		return []*schema.Resource{schema.User()}
	}
	return []*schema.Resource{schema.User(), schema.Group()}
}

func (h *Handler) serviceProviderConfig(w http.ResponseWriter, r *http.Request, s *session) {
	writeJSON(w, http.StatusOK, schema.ServiceProviderConfig(features, s.base))
}

func (h *Handler) schemas(w http.ResponseWriter, r *http.Request, s *session) {
	all := schema.Schemas(h.served()...)
	docs := make([]any, len(all))
	for i, sc := range all {
		docs[i] = schema.SchemaDocument(sc, s.base)
	}
	writeJSON(w, http.StatusOK, listResponse(docs))
}

func (h *Handler) schema(w http.ResponseWriter, r *http.Request, s *session) {
	if sc, ok := schema.ByID(r.PathValue("id"), h.served()...); ok {
		writeJSON(w, http.StatusOK, schema.SchemaDocument(sc, s.base))
		return
	}
	writeError(w, &Error{Status: http.StatusNotFound, Detail: "no such schema"})
}

func (h *Handler) resourceTypes(w http.ResponseWriter, r *http.Request, s *session) {
	writeJSON(w, http.StatusOK, listResponse(schema.ResourceTypes(s.base, h.served()...)))
}

func (h *Handler) resourceType(w http.ResponseWriter, r *http.Request, s *session) {
	for _, rt := range h.served() {
		if strings.EqualFold(r.PathValue("id"), rt.Name()) {
			writeJSON(w, http.StatusOK, schema.ResourceTypeDocument(rt, s.base))
			return
		}
	}
	writeError(w, &Error{Status: http.StatusNotFound, Detail: "no such resource type"})
}

func listResponse(items []any) map[string]any {
	return map[string]any{
		"schemas": []string{ListResponseSchema}, "totalResults": len(items),
		"startIndex": 1, "itemsPerPage": len(items), "Resources": items,
	}
}
