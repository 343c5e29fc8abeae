package schema

import (
	"strings"

	scim "github.com/elimity-com/scim/schema"
)

// Schema URNs of the discovery resources (RFC 7643 §8.7.2).
const (
	SchemaURN                = "urn:ietf:params:scim:schemas:core:2.0:Schema"
	ResourceTypeURN          = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	ServiceProviderConfigURN = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
)

// bearerSpec is the specification of OAuth bearer tokens (RFC 6750).
const bearerSpec = "https://www.rfc-editor.org/info/rfc6750"

type meta struct {
	ResourceType string `json:"resourceType"`
	Location     string `json:"location"`
}

// location joins baseURL ("https://host/scim/v2") and a path below it.
func location(baseURL string, parts ...string) string {
	return strings.TrimRight(baseURL, "/") + "/" + strings.Join(parts, "/")
}

// SchemaDocument returns s as a Schema resource (RFC 7643 §7), ready for
// json.Marshal: the library's Schema.ToMap, with meta added and the
// characteristics the library leaves out put back (see complete).
func SchemaDocument(s scim.Schema, baseURL string) map[string]any {
	doc := s.ToMap()
	attrs, _ := doc["attributes"].([]map[string]any)
	complete(s.Attributes, attrs)
	doc["meta"] = meta{ResourceType: "Schema", Location: location(baseURL, "Schemas", s.ID)}
	return doc
}

// complete adds caseExact and uniqueness where the library's ToMap leaves
// them out: it writes them only for attributes that are neither complex
// nor boolean. RFC 7643 §2.2 gives defaults for both, so the document is
// not wrong without them, but tilgang states every characteristic of
// every attribute, as RFC 7643 §8.7.1 does for most, so that a client
// never has to know the defaults; and a complex attribute's uniqueness is
// lost otherwise. docs are ToMap's maps of attrs, in the same order.
func complete(attrs scim.Attributes, docs []map[string]any) {
	for i, a := range attrs {
		if i >= len(docs) {
			return
		}
		d := docs[i]
		if _, ok := d["caseExact"]; !ok {
			d["caseExact"] = a.CaseExact()
		}
		if _, ok := d["uniqueness"]; !ok {
			d["uniqueness"] = a.Uniqueness()
		}
		subs, _ := d["subAttributes"].([]map[string]any)
		complete(a.SubAttributes(), subs)
	}
}

// Features states what the service provider has built; the
// ServiceProviderConfig document claims nothing more.
type Features struct {
	Patch, Bulk, Filter, ChangePassword, Sort, ETag bool
	MaxFilterResults                                int // most resources a filtered list returns
	MaxBulkOperations                               int
	MaxBulkPayload                                  int // bytes in one bulk request
	MaxPayloadSize                                  int // bytes in any request body
	DocumentationURI                                string
}

type supported struct {
	Supported bool `json:"supported"`
}

type bulkFeature struct {
	Supported      bool `json:"supported"`
	MaxOperations  int  `json:"maxOperations"`
	MaxPayloadSize int  `json:"maxPayloadSize"`
}

type filterFeature struct {
	Supported  bool `json:"supported"`
	MaxResults int  `json:"maxResults"`
}

type authScheme struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description"`
	SpecURI     string `json:"specUri"`
	Primary     bool   `json:"primary"`
}

type serviceProviderConfigDoc struct {
	Schemas               []string      `json:"schemas"`
	DocumentationURI      string        `json:"documentationUri,omitempty"`
	Patch                 supported     `json:"patch"`
	Bulk                  bulkFeature   `json:"bulk"`
	Filter                filterFeature `json:"filter"`
	ChangePassword        supported     `json:"changePassword"`
	Sort                  supported     `json:"sort"`
	ETag                  supported     `json:"etag"`
	AuthenticationSchemes []authScheme  `json:"authenticationSchemes"`
	Meta                  meta          `json:"meta"`
}

// ServiceProviderConfig returns the ServiceProviderConfig resource
// (RFC 7643 §5), ready for json.Marshal.
func ServiceProviderConfig(f Features, baseURL string) any {
	return serviceProviderConfigDoc{
		Schemas:          []string{ServiceProviderConfigURN},
		DocumentationURI: f.DocumentationURI,
		Patch:            supported{f.Patch},
		Bulk:             bulk(f),
		Filter:           filterFeature{Supported: f.Filter, MaxResults: f.MaxFilterResults},
		ChangePassword:   supported{f.ChangePassword},
		Sort:             supported{f.Sort},
		ETag:             supported{f.ETag},
		AuthenticationSchemes: []authScheme{{
			Type:        "oauthbearertoken",
			Name:        "OAuth Bearer Token",
			Description: "an organisation's SCIM token as a bearer token",
			SpecURI:     bearerSpec,
			Primary:     true,
		}},
		Meta: meta{ResourceType: "ServiceProviderConfig", Location: location(baseURL, "ServiceProviderConfig")},
	}
}

// bulk states the bulk feature. Without bulk, both limits are 0: RFC 7643
// §5 requires maxOperations and maxPayloadSize, and a limit on operations
// the service provider does not have would be a claim it cannot keep.
// With bulk, the payload limit is the one that holds in practice: a bulk
// request is a request body too, so the smaller of the two limits
// applies, and the RFC has no other place to state MaxPayloadSize.
func bulk(f Features) bulkFeature {
	if !f.Bulk {
		return bulkFeature{}
	}
	n := f.MaxBulkPayload
	if f.MaxPayloadSize > 0 && (n == 0 || f.MaxPayloadSize < n) {
		n = f.MaxPayloadSize
	}
	return bulkFeature{Supported: true, MaxOperations: f.MaxBulkOperations, MaxPayloadSize: n}
}

type schemaExtension struct {
	Schema   string `json:"schema"`
	Required bool   `json:"required"`
}

type resourceTypeDoc struct {
	Schemas          []string          `json:"schemas"`
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Description      string            `json:"description"`
	Endpoint         string            `json:"endpoint"`
	Schema           string            `json:"schema"`
	SchemaExtensions []schemaExtension `json:"schemaExtensions"`
	Meta             meta              `json:"meta"`
}

// ResourceTypeDocument returns r as a ResourceType resource (RFC 7643 §6),
// ready for json.Marshal. The library builds these documents only inside
// its own HTTP server, so tilgang builds them from the same Resource.
func ResourceTypeDocument(r *Resource, baseURL string) any {
	exts := make([]schemaExtension, len(r.extensions))
	for i, e := range r.extensions {
		exts[i] = schemaExtension{Schema: e.schema.ID, Required: e.required}
	}
	return resourceTypeDoc{
		Schemas:          []string{ResourceTypeURN},
		ID:               r.name,
		Name:             r.name,
		Description:      r.description,
		Endpoint:         r.endpoint,
		Schema:           r.core.ID,
		SchemaExtensions: exts,
		Meta:             meta{ResourceType: "ResourceType", Location: location(baseURL, "ResourceTypes", r.name)},
	}
}

// ResourceTypes returns the ResourceType resources of the served resource
// types, in the order given. Discovery must tell the truth (RFC 7644 §4):
// the caller passes the resource types it has endpoints for, no more.
func ResourceTypes(baseURL string, served ...*Resource) []any {
	docs := make([]any, len(served))
	for i, r := range served {
		docs[i] = ResourceTypeDocument(r, baseURL)
	}
	return docs
}
