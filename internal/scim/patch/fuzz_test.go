package patch

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// FuzzDecode feeds arbitrary request bodies to Decode. It must never
// panic; it returns either a *resource.Error or between 1 and
// MaxOperations operations, each add, remove or replace, and a remove
// always with a path. Seeds are in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		ops, err := Decode(body)
		if err != nil {
			scimType(t, err)
			if ops != nil {
				t.Errorf("Decode returned operations with an error: %v", ops)
			}
			return
		}
		if len(ops) == 0 || len(ops) > MaxOperations {
			t.Errorf("Decode returned %d operations", len(ops))
		}
		for _, op := range ops {
			switch op.Op {
			case OpAdd, OpReplace:
			case OpRemove:
				if op.Path == "" {
					t.Errorf("remove without path: %#v", op)
				}
			default:
				t.Errorf("Decode returned op %q", op.Op)
			}
		}
	})
}

// FuzzApply applies an arbitrary operation to the sample user. It must
// never panic or change its input; it returns either a *resource.Error or
// a resource that is still JSON, with at most one primary value in each
// multi-valued attribute. Seeds are in testdata/fuzz/FuzzApply.
func FuzzApply(f *testing.F) {
	f.Fuzz(func(t *testing.T, op, path string, value []byte) {
		var v any
		dec := json.NewDecoder(strings.NewReader(string(value)))
		dec.UseNumber()
		if dec.Decode(&v) != nil {
			v = string(value)
		}
		in := sample(t)
		got, err := Apply(in, []Operation{{Op: op, Path: path, Value: v}}, testOptions)
		if !reflect.DeepEqual(in, sample(t)) {
			t.Fatalf("Apply changed its input: %v", in)
		}
		if err != nil {
			scimType(t, err)
			if got != nil {
				t.Errorf("Apply returned a resource with an error: %v", got)
			}
			return
		}
		if _, err := json.Marshal(got); err != nil {
			t.Fatalf("result is not JSON: %v", err)
		}
		for _, attr := range []string{"emails", "phoneNumbers", "addresses"} {
			list, _ := got[attr].([]any)
			n := 0
			for _, e := range list {
				if isPrimary(e) {
					n++
				}
			}
			if n > 1 {
				t.Errorf("%s has %d primary values: %v", attr, n, list)
			}
		}
	})
}
