package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tilgang/tilgang/internal/scim/resource"
)

// Decode parses a PATCH request body (RFC 7644 §3.5.2):
//
//	{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//	 "Operations":[{"op":"replace","path":"active","value":false}]}
//
// It is lenient where identity providers differ from the RFC: op names and
// member names in any case, and no "schemas" at all. A "schemas" that is
// present must name the PatchOp URN. Errors are *resource.Error.
func Decode(body []byte) ([]Operation, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, resource.InvalidSyntax("the request body is not JSON: " + err.Error())
	}
	// Trailing data would mean the client sent something other than what
	// was decoded.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, resource.InvalidSyntax("the request body has data after the JSON object")
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, resource.InvalidSyntax("the request body is not a JSON object")
	}
	if err := checkSchemas(m); err != nil {
		return nil, err
	}
	_, v, _ := resource.Find(m, "Operations")
	list, ok := v.([]any)
	switch {
	case v == nil || ok && len(list) == 0:
		return nil, resource.InvalidSyntax("the request has no Operations")
	case !ok:
		return nil, resource.InvalidSyntax("Operations is not an array")
	case len(list) > MaxOperations:
		return nil, resource.InvalidSyntax(fmt.Sprintf("the request has more than %d Operations", MaxOperations))
	}
	ops := make([]Operation, 0, len(list))
	for i, raw := range list {
		op, err := decodeOperation(raw)
		if err != nil {
			return nil, errorf(err, fmt.Sprintf("Operations[%d]", i))
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// checkSchemas accepts a missing or null "schemas" (some clients omit it)
// but not one that names something else than a PatchOp.
func checkSchemas(m map[string]any) *resource.Error {
	_, v, _ := resource.Find(m, "schemas")
	if v == nil {
		return nil
	}
	list, _ := v.([]any)
	for _, s := range list {
		if s, ok := s.(string); ok && strings.EqualFold(s, PatchOpSchema) {
			return nil
		}
	}
	return resource.InvalidSyntax("schemas does not contain " + PatchOpSchema)
}

func decodeOperation(raw any) (Operation, *resource.Error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return Operation{}, resource.InvalidSyntax("the operation is not an object")
	}
	_, v, _ := resource.Find(m, "op")
	name, _ := v.(string)
	op, ok := normalOp(name)
	if !ok {
		return Operation{}, resource.InvalidSyntax(fmt.Sprintf("unknown op %q", name))
	}
	var path string
	if _, v, _ := resource.Find(m, "path"); v != nil {
		s, ok := v.(string)
		if !ok {
			return Operation{}, resource.InvalidPath("path is not a string")
		}
		path = s
	}
	_, value, hasValue := resource.Find(m, "value")
	switch {
	case op == OpRemove && path == "":
		return Operation{}, resource.NoTarget("remove needs a path")
	case op != OpRemove && !hasValue:
		return Operation{}, resource.InvalidValue(op + " needs a value")
	}
	return Operation{Op: op, Path: path, Value: value}, nil
}

// normalOp maps an op name in any case ("Replace" from Entra ID) to its
// RFC spelling.
func normalOp(name string) (string, bool) {
	for _, op := range []string{OpAdd, OpRemove, OpReplace} {
		if strings.EqualFold(name, op) {
			return op, true
		}
	}
	return "", false
}
