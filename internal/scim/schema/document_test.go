package schema

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

const baseURL = "https://tilgang.example/scim/v2"

// roundTrip marshals v and decodes it both into a T, refusing keys that T
// does not know, and into a generic map for checking key names.
func roundTrip[T any](t *testing.T, v any) (T, map[string]any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var typed T
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&typed); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	var generic map[string]any
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return typed, generic
}

// requireKeys reports the keys of keys that m lacks.
func requireKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s lacks %q: %v", what, k, m)
		}
	}
}

// checkMeta checks the meta of a discovery document.
func checkMeta(t *testing.T, doc map[string]any, resourceType, location string) {
	t.Helper()
	m, _ := doc["meta"].(map[string]any)
	if m["resourceType"] != resourceType || m["location"] != location {
		t.Errorf("meta = %v, want resourceType %q, location %q", m, resourceType, location)
	}
}

func checkSchemas(t *testing.T, doc map[string]any, urn string) {
	t.Helper()
	s, _ := doc["schemas"].([]any)
	if len(s) != 1 || s[0] != urn {
		t.Errorf("schemas = %v, want [%s]", doc["schemas"], urn)
	}
}

func TestSchemaDocument(t *testing.T) {
	t.Parallel()
	for _, s := range All() {
		for _, base := range []string{baseURL, baseURL + "/"} {
			t.Run(s.Name+" "+base, func(t *testing.T) {
				t.Parallel()
				doc := SchemaDocument(s, base)
				typed, generic := roundTrip[schemaDoc](t, doc)
				if !reflect.DeepEqual(typed, doc) {
					t.Errorf("round trip changed the document:\n got %+v\nwant %+v", typed, doc)
				}
				checkSchemas(t, generic, SchemaURN)
				requireKeys(t, "schema", generic, "id", "name", "description", "attributes", "meta")
				checkMeta(t, generic, "Schema", baseURL+"/Schemas/"+s.ID)
				attrs, _ := generic["attributes"].([]any)
				if len(attrs) != len(s.Attributes) {
					t.Fatalf("%d attributes in JSON, %d in the schema", len(attrs), len(s.Attributes))
				}
				checkAttributeKeys(t, attrs)
			})
		}
	}
}

// checkAttributeKeys checks that every attribute and sub-attribute carries
// the characteristics RFC 7643 §7 lists, with no default left implicit.
func checkAttributeKeys(t *testing.T, attrs []any) {
	t.Helper()
	for _, v := range attrs {
		a, _ := v.(map[string]any)
		requireKeys(t, "attribute", a, "name", "type", "multiValued", "description", "required", "caseExact", "mutability", "returned", "uniqueness")
		if a["type"] == TypeComplex {
			subs, _ := a["subAttributes"].([]any)
			if len(subs) == 0 {
				t.Errorf("complex attribute %v has no subAttributes", a["name"])
			}
			checkAttributeKeys(t, subs)
		}
		if a["type"] == TypeReference {
			requireKeys(t, "reference attribute", a, "referenceTypes")
		}
	}
}

func TestServiceProviderConfig(t *testing.T) {
	t.Parallel()
	flags := []string{"patch", "bulk", "filter", "changePassword", "sort", "etag"}
	tests := []struct {
		name string
		f    Features
		want map[string]bool
	}{
		{"nothing", Features{}, map[string]bool{}},
		{"everything", Features{Patch: true, Bulk: true, Filter: true, ChangePassword: true, Sort: true, ETag: true},
			map[string]bool{"patch": true, "bulk": true, "filter": true, "changePassword": true, "sort": true, "etag": true}},
		{"patch", Features{Patch: true}, map[string]bool{"patch": true}},
		{"bulk", Features{Bulk: true}, map[string]bool{"bulk": true}},
		{"filter", Features{Filter: true}, map[string]bool{"filter": true}},
		{"changePassword", Features{ChangePassword: true}, map[string]bool{"changePassword": true}},
		{"sort", Features{Sort: true}, map[string]bool{"sort": true}},
		{"etag", Features{ETag: true}, map[string]bool{"etag": true}},
		{"users today", Features{Patch: true, Filter: true, Sort: true, ETag: true, MaxFilterResults: 200},
			map[string]bool{"patch": true, "filter": true, "sort": true, "etag": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := ServiceProviderConfig(tt.f, baseURL)
			typed, generic := roundTrip[serviceProviderConfigDoc](t, doc)
			if !reflect.DeepEqual(typed, doc) {
				t.Errorf("round trip changed the document:\n got %+v\nwant %+v", typed, doc)
			}
			checkSchemas(t, generic, ServiceProviderConfigURN)
			requireKeys(t, "ServiceProviderConfig", generic, append([]string{"authenticationSchemes", "meta"}, flags...)...)
			checkMeta(t, generic, "ServiceProviderConfig", baseURL+"/ServiceProviderConfig")
			for _, k := range flags {
				feature, _ := generic[k].(map[string]any)
				if feature["supported"] != tt.want[k] {
					t.Errorf("%s.supported = %v, want %v", k, feature["supported"], tt.want[k])
				}
			}
			bulk, _ := generic["bulk"].(map[string]any)
			requireKeys(t, "bulk", bulk, "maxOperations", "maxPayloadSize")
			filter, _ := generic["filter"].(map[string]any)
			requireKeys(t, "filter", filter, "maxResults")
			if filter["maxResults"] != float64(tt.f.MaxFilterResults) {
				t.Errorf("filter.maxResults = %v, want %d", filter["maxResults"], tt.f.MaxFilterResults)
			}
			if _, ok := generic["documentationUri"]; ok {
				t.Errorf("documentationUri is set without Features.DocumentationURI")
			}

			schemes, _ := generic["authenticationSchemes"].([]any)
			if len(schemes) != 1 {
				t.Fatalf("authenticationSchemes = %v, want one", schemes)
			}
			s, _ := schemes[0].(map[string]any)
			requireKeys(t, "authentication scheme", s, "type", "name", "description")
			if s["type"] != "oauthbearertoken" || s["name"] != "OAuth Bearer Token" || s["primary"] != true ||
				s["description"] != "an organisation's SCIM token as a bearer token" {
				t.Errorf("authentication scheme = %v", s)
			}
		})
	}
}

func TestServiceProviderConfigLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		f           Features
		wantPayload int
	}{
		{"no limits", Features{}, 0},
		{"bulk limit only", Features{MaxBulkPayload: 1 << 20}, 1 << 20},
		{"request limit only", Features{MaxPayloadSize: 1 << 20}, 1 << 20},
		{"bulk limit below request limit", Features{MaxBulkPayload: 1 << 20, MaxPayloadSize: 4 << 20}, 1 << 20},
		{"request limit below bulk limit", Features{MaxBulkPayload: 4 << 20, MaxPayloadSize: 1 << 20}, 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.f.Bulk, tt.f.MaxBulkOperations, tt.f.DocumentationURI = true, 100, "https://tilgang.example/docs/scim"
			doc := ServiceProviderConfig(tt.f, baseURL).(serviceProviderConfigDoc)
			if doc.Bulk.MaxPayloadSize != tt.wantPayload || doc.Bulk.MaxOperations != 100 {
				t.Errorf("bulk = %+v, want maxPayloadSize %d, maxOperations 100", doc.Bulk, tt.wantPayload)
			}
			if doc.DocumentationURI != tt.f.DocumentationURI {
				t.Errorf("documentationUri = %q, want %q", doc.DocumentationURI, tt.f.DocumentationURI)
			}
		})
	}
}

func TestResourceTypes(t *testing.T) {
	t.Parallel()
	docs := ResourceTypes(baseURL + "/")
	if len(docs) != 1 {
		t.Fatalf("%d resource types, want 1", len(docs))
	}
	typed, generic := roundTrip[resourceTypeDoc](t, docs[0])
	if !reflect.DeepEqual(typed, docs[0]) {
		t.Errorf("round trip changed the document:\n got %+v\nwant %+v", typed, docs[0])
	}
	checkSchemas(t, generic, ResourceTypeURN)
	requireKeys(t, "ResourceType", generic, "id", "name", "endpoint", "schema", "schemaExtensions", "meta")
	checkMeta(t, generic, "ResourceType", baseURL+"/ResourceTypes/User")
	if generic["name"] != "User" || generic["endpoint"] != "/Users" || generic["schema"] != User().ID {
		t.Errorf("resource type = %v", generic)
	}

	exts, _ := generic["schemaExtensions"].([]any)
	want := []string{Enterprise().ID, Tilgang().ID}
	if len(exts) != len(want) {
		t.Fatalf("schemaExtensions = %v, want %v", exts, want)
	}
	for i, v := range exts {
		e, _ := v.(map[string]any)
		requireKeys(t, "schema extension", e, "schema", "required")
		if e["schema"] != want[i] || e["required"] != false {
			t.Errorf("schemaExtensions[%d] = %v, want %s, required false", i, e, want[i])
		}
	}
}
