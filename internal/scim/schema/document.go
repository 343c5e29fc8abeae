package schema

import (
	"strings"

	"github.com/tilgang/tilgang/internal/scim/resource"
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

type schemaDoc struct {
	Schemas []string `json:"schemas"`
	Schema
	Meta meta `json:"meta"`
}

// SchemaDocument returns s as a Schema resource (RFC 7643 §7), ready for
// json.Marshal.
func SchemaDocument(s Schema, baseURL string) any {
	return schemaDoc{
		Schemas: []string{SchemaURN},
		Schema:  s,
		Meta:    meta{ResourceType: "Schema", Location: location(baseURL, "Schemas", s.ID)},
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
		Bulk:             bulkFeature{Supported: f.Bulk, MaxOperations: f.MaxBulkOperations, MaxPayloadSize: bulkPayload(f)},
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

// bulkPayload is the bulk limit that holds in practice: a bulk request is a
// request body too, so the smaller of the two limits applies. The RFC has
// no other place to state MaxPayloadSize.
func bulkPayload(f Features) int {
	n := f.MaxBulkPayload
	if f.MaxPayloadSize > 0 && (n == 0 || f.MaxPayloadSize < n) {
		n = f.MaxPayloadSize
	}
	return n
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

// ResourceTypes returns the ResourceType resources (RFC 7643 §6), ready
// for json.Marshal. Only User is served; both extensions are optional, so
// a client that knows only the core schema can still provision.
func ResourceTypes(baseURL string) []any {
	return []any{resourceTypeDoc{
		Schemas:     []string{ResourceTypeURN},
		ID:          "User",
		Name:        "User",
		Description: "User account",
		Endpoint:    "/Users",
		Schema:      resource.UserSchema,
		SchemaExtensions: []schemaExtension{
			{Schema: resource.EnterpriseSchema, Required: false},
			{Schema: resource.TilgangSchema, Required: false},
		},
		Meta: meta{ResourceType: "ResourceType", Location: location(baseURL, "ResourceTypes", "User")},
	}}
}
