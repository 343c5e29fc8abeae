package scim

import (
	"errors"
	"testing"

	"github.com/tilgang/tilgang/internal/scim/resource"
	"github.com/tilgang/tilgang/internal/scim/schema"
)

// FuzzUserBody feeds arbitrary bytes to the decoding, the schema check and
// the mapping of a User body: it
// must never panic, and every failure must be a SCIM error (a 400 with a
// scimType), never one that would become a 500.
func FuzzUserBody(f *testing.F) {
	for _, s := range []string{
		`{"userName":"a@b.dk"}`,
		`{"userName":"a","active":"False","emails":[{"value":"x@y.dk","primary":"True"}]}`,
		`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"id"}}`,
		`{"userName":"a","urn:ietf:params:scim:schemas:extension:tilgang:2.0:User":{"targetIal":"4","roles":[{"role":"r"}]}}`,
		`{"userName":5}`, `[]`, `null`, `{"emails":"x"}`, `{"name":[]}`, `{}{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := decodeResource(body)
		if err == nil {
			err = schema.Check(r, schema.User())
		}
		if err == nil {
			_, err = fromResource(r)
		}
		var re *resource.Error
		if err != nil && !errors.As(err, &re) {
			t.Fatalf("error %v (%T) is no SCIM error", err, err)
		}
	})
}
