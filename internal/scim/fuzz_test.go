package scim

import (
	"errors"
	"os"
	"testing"

	"github.com/tilgang/tilgang/internal/scim/patch"
	"github.com/tilgang/tilgang/internal/scim/resource"
	"github.com/tilgang/tilgang/internal/scim/schema"
	"github.com/tilgang/tilgang/internal/tilgang"
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

// FuzzKeptAttributes feeds arbitrary User bodies to the merging of kept
// multi-valued attributes with the product's fields: a body that reads as a
// user must read back, after it is stored and shown (toResource), as the
// same kept attributes and the same derived e-mail and phone, and never
// with two primary values in one attribute.
func FuzzKeptAttributes(f *testing.F) {
	for _, s := range []string{
		`{"userName":"a","emails":[{"value":"a@b.dk","type":"home"},{"value":"w@b.dk","type":"work"}]}`,
		`{"userName":"a","emails":[{"value":"x@y.dk","primary":"True"},{"value":"z@y.dk"}]}`,
		`{"userName":"a","phoneNumbers":[{"value":"+45 11 22 33 44","type":"fax"},{"value":"12345678","type":"mobile"}]}`,
		`{"userName":"a","name":{"givenName":" A ","formatted":"A B"},"displayName":"AB"}`,
		`{"userName":"a","addresses":[{"locality":"Aarhus","primary":true}],"x509Certificates":[{"value":"AAEC"}]}`,
		`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m","displayName":"M"},"costCenter":"1"}}`,
		`{"userName":"a","EMAILS":[{"VALUE":"c@d.dk","Primary":true}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := decodeResource(body)
		if err != nil {
			return
		}
		in, err := fromResource(r)
		if err != nil {
			return
		}
		u := in.user
		u.Status = tilgang.StatusActive
		shown := toResource(u, "https://x/scim/v2")
		for _, attr := range []string{"emails", "phoneNumbers", "addresses", "ims", "photos", "entitlements", "roles", "x509Certificates"} {
			primaries := 0
			list, _ := shown[attr].([]any)
			for _, v := range list {
				if m, ok := v.(map[string]any); ok && m["primary"] == true {
					primaries++
				}
			}
			if primaries > 1 {
				t.Fatalf("%s has %d primary values: %v", attr, primaries, list)
			}
		}
		again, err := fromResource(shown)
		if err != nil {
			t.Fatalf("shown user does not read back: %v", err)
		}
		if string(again.user.SCIMAttributes) != string(u.SCIMAttributes) || again.user.Email != u.Email || again.user.Phone != u.Phone {
			t.Fatalf("kept attributes changed\nbefore %s %q %q\nafter  %s %q %q", u.SCIMAttributes, u.Email, u.Phone, again.user.SCIMAttributes, again.user.Email, again.user.Phone)
		}
	})
}

// FuzzGroupPatch feeds arbitrary PATCH bodies to the reading of a group
// change: no panic, every failure a SCIM error, never more members than
// MaxMemberChanges, and no id both added and removed.
func FuzzGroupPatch(f *testing.F) {
	for _, name := range []string{"entra_add_members.json", "entra_remove_members.json", "entra_rename.json", "entra_replace_members.json", "okta_rename.json", "okta_add_members.json", "okta_remove_member.json"} {
		b, err := os.ReadFile("testdata/groups/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"Operations":[{"op":"remove","path":"members"},{"op":"add","value":{"members":["A"],"externalId":"e"}},{"op":"remove","path":"members[value eq \"A\" or value eq \"B\"]"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ops, err := patch.Decode(body)
		if err != nil {
			return
		}
		c, err := readGroupChange("G", ops)
		var re *resource.Error
		if err != nil {
			if !errors.As(err, &re) {
				t.Fatalf("error %v (%T) is no SCIM error", err, err)
			}
			return
		}
		if n := c.members.size(); n > MaxMemberChanges {
			t.Fatalf("%d member changes", n)
		}
		for id := range c.members.add {
			if c.members.remove[id] {
				t.Fatalf("%q both added and removed", id)
			}
		}
		if c.members.replace && (len(c.members.add) > 0 || len(c.members.remove) > 0) {
			t.Fatal("a replace with a delta")
		}
	})
}
