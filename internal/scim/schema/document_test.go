package schema

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
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

// decodeJSON marshals v and decodes it into a generic map.
func decodeJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return m
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

// update rewrites the golden files in testdata from what the code makes:
// go test ./internal/scim/schema -run Golden -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestSchemaDocument(t *testing.T) {
	t.Parallel()
	for _, s := range All() {
		for _, base := range []string{baseURL, baseURL + "/"} {
			t.Run(s.ID+" "+base, func(t *testing.T) {
				t.Parallel()
				generic := decodeJSON(t, SchemaDocument(s, base))
				checkSchemas(t, generic, SchemaURN)
				requireKeys(t, "schema", generic, "id", "name", "description", "attributes", "meta")
				checkMeta(t, generic, "Schema", baseURL+"/Schemas/"+s.ID)
				if generic["id"] != s.ID || generic["name"] != s.Name.Value() || generic["description"] == "" {
					t.Errorf("schema id %v, name %v, description %v", generic["id"], generic["name"], generic["description"])
				}
				attrs, _ := generic["attributes"].([]any)
				if len(attrs) != len(s.Attributes) {
					t.Fatalf("%d attributes in JSON, %d in the schema", len(attrs), len(s.Attributes))
				}
				checkAttributeKeys(t, attrs)
			})
		}
	}
}

// TestSchemaDocumentGolden compares the Schema resources with
// testdata/schemas.json, so that a change in the library's definitions or
// in tilgang's shows in review as a change of what clients read.
func TestSchemaDocumentGolden(t *testing.T) {
	t.Parallel()
	var docs []any
	for _, s := range All() {
		docs = append(docs, SchemaDocument(s, baseURL))
	}
	got, err := json.MarshalIndent(docs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "schemas.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Schema resources differ from %s; if the change is meant, run go test -run Golden -update and review the diff", golden)
	}
}

// checkAttributeKeys checks that every attribute and sub-attribute carries
// the characteristics RFC 7643 §7 lists, with no default left implicit and
// no empty description (the library writes "" for a missing one).
func checkAttributeKeys(t *testing.T, attrs []any) {
	t.Helper()
	for _, v := range attrs {
		a, _ := v.(map[string]any)
		requireKeys(t, "attribute", a, "name", "type", "multiValued", "description", "required", "caseExact", "mutability", "returned", "uniqueness")
		if d, _ := a["description"].(string); d == "" {
			t.Errorf("attribute %v has no description", a["name"])
		}
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

// TestSchemaDocumentCompleted checks what complete adds to the library's
// document: the characteristics of complex and boolean attributes.
func TestSchemaDocumentCompleted(t *testing.T) {
	t.Parallel()
	doc := decodeJSON(t, SchemaDocument(User().Core(), baseURL))
	byName := map[string]map[string]any{}
	for _, v := range doc["attributes"].([]any) {
		a := v.(map[string]any)
		byName[a["name"].(string)] = a
	}
	tests := []struct {
		name      string
		caseExact bool
		unique    string
	}{
		{"active", false, UniqueNone},
		{"name", false, UniqueNone},
		{"emails", false, UniqueNone},
		{"meta", false, UniqueNone},
		{"userName", false, UniqueServer},
		{"externalId", true, UniqueServer},
	}
	for _, tt := range tests {
		a := byName[tt.name]
		if a["caseExact"] != tt.caseExact || a["uniqueness"] != tt.unique {
			t.Errorf("%s: caseExact %v, uniqueness %v; want %v, %s", tt.name, a["caseExact"], a["uniqueness"], tt.caseExact, tt.unique)
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
			requireKeys(t, "authentication scheme", s, "type", "name", "description", "specUri", "primary")
			if s["type"] != "oauthbearertoken" || s["name"] != "OAuth Bearer Token" || s["primary"] != true ||
				s["description"] != "an organisation's SCIM token as a bearer token" || s["specUri"] != bearerSpec {
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

// TestServiceProviderConfigNoBulk checks that without bulk the limits are
// 0, whatever limit requests have: RFC 7643 §5 requires the attributes,
// and tilgang claims no bulk it does not have.
func TestServiceProviderConfigNoBulk(t *testing.T) {
	t.Parallel()
	for _, f := range []Features{{}, {MaxPayloadSize: 1 << 20}, {MaxBulkOperations: 100, MaxBulkPayload: 1 << 20, MaxPayloadSize: 1 << 20}} {
		doc := ServiceProviderConfig(f, baseURL).(serviceProviderConfigDoc)
		if doc.Bulk != (bulkFeature{}) {
			t.Errorf("%+v: bulk = %+v, want unsupported with limits 0", f, doc.Bulk)
		}
	}
}

func TestResourceTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		served   []*Resource
		want     []string // names
		wantExts [][]string
	}{
		{"users only, as served today", []*Resource{User()}, []string{"User"}, [][]string{{enterpriseURN, tilgangURN}}},
		{"users and groups", []*Resource{User(), Group()}, []string{"User", "Group"}, [][]string{{enterpriseURN, tilgangURN}, {}}},
		{"nothing", nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			docs := ResourceTypes(baseURL+"/", tt.served...)
			if len(docs) != len(tt.want) {
				t.Fatalf("%d resource types, want %d", len(docs), len(tt.want))
			}
			for i, doc := range docs {
				typed, generic := roundTrip[resourceTypeDoc](t, doc)
				if !reflect.DeepEqual(typed, doc) {
					t.Errorf("round trip changed the document:\n got %+v\nwant %+v", typed, doc)
				}
				r := tt.served[i]
				checkSchemas(t, generic, ResourceTypeURN)
				requireKeys(t, "ResourceType", generic, "id", "name", "description", "endpoint", "schema", "schemaExtensions", "meta")
				checkMeta(t, generic, "ResourceType", baseURL+"/ResourceTypes/"+tt.want[i])
				if generic["id"] != tt.want[i] || generic["name"] != tt.want[i] || generic["endpoint"] != r.Endpoint() || generic["schema"] != r.Core().ID {
					t.Errorf("resource type = %v", generic)
				}
				// RFC 7643 §6: schemaExtensions is a list, empty rather
				// than null for a resource type without extensions.
				exts, ok := generic["schemaExtensions"].([]any)
				if !ok || len(exts) != len(tt.wantExts[i]) {
					t.Fatalf("schemaExtensions = %v, want %v", generic["schemaExtensions"], tt.wantExts[i])
				}
				for j, v := range exts {
					e, _ := v.(map[string]any)
					requireKeys(t, "schema extension", e, "schema", "required")
					if e["schema"] != tt.wantExts[i][j] || e["required"] != false {
						t.Errorf("schemaExtensions[%d] = %v, want %s, required false", j, e, tt.wantExts[i][j])
					}
				}
			}
		})
	}
}
