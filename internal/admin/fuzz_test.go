package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/tilgang/tilgang/internal/httpx"
	"github.com/tilgang/tilgang/internal/tilgang"
)

// fuzzUser is a stored user with every editable field set.
func fuzzUser() *tilgang.User {
	return &tilgang.User{
		ID: "0b7c1d8e-2f3a-4b5c-8d9e-0f1a2b3c4d5e", OrgID: "o1", UserName: "anna", ExternalID: "ext-1",
		FirstName: "Anna", LastName: "Hansen", Email: "anna@example.dk", Phone: "12345678",
		CPR: tilgang.SealedCPR{Lookup: "h", Sealed: []byte{1, 2, 3}}, DateOfBirth: "1990-01-31",
		ReferenceText: "ref", TargetIAL: 3, EAN: "5790000000005", PNumber: "1000000001", SENumber: "12345678",
		LoginMeans: tilgang.LoginMeansPrivateMitID, Authenticators: []string{"app"}, Rights: []string{"Skat"},
		CanSign: true, SealProfiles: []string{"segl"}, Kind: tilgang.KindExternal,
		Roles: []tilgang.Role{{Role: "sagsbehandler", OrgUnit: "HR"}}, Department: "IT",
		Status: tilgang.StatusActive, Deactivation: &tilgang.Deactivation{From: "2025-01-01"},
		CreatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), Version: 7,
	}
}

// FuzzMergeUserPatch feeds arbitrary PATCH bodies to the merge-patch
// decoding. It must never panic, never change the stored user, and either
// return the patched fields, with every field the patch does not name
// unchanged, or an error that the API can explain as a 4xx: a
// *httpx.BodyError or invalid-input tilgang.Errors, never a bare error that
// would become a 500.
func FuzzMergeUserPatch(f *testing.F) {
	for _, seed := range []string{
		`{"phone": "+45 87 65 43 21"}`,
		`{"phone": null, "department": null}`,
		`{}`,
		`{"status": "active"}`,
		`{"Phone": null}`,
		`null`,
		`[{"op": "remove", "path": "/phone"}]`,
		`{"roles": [{"role": "user-admin", "orgUnit": null}]}`,
		`{"rights": ["a", null]}`,
		`{"targetIal": 1e400}`,
	} {
		f.Add([]byte(seed))
	}
	stored := fuzzUser()
	before := editableOf(stored)
	beforeJSON := fieldsJSON(f, before)
	f.Fuzz(func(t *testing.T, patch []byte) {
		u := stored.Clone()
		e, err := mergeUserPatch(u, patch)
		if !reflect.DeepEqual(u, stored) {
			t.Fatalf("mergeUserPatch changed the stored user: %+v", u)
		}
		if err != nil {
			checkExplained(t, err)
			return
		}
		// Accepted: the patch was an object of editable fields only.
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(patch, &keys); err != nil || keys == nil {
			t.Fatalf("accepted a patch that is no JSON object: %q (%v)", patch, err)
		}
		for k := range keys {
			if !editableUserFields[k] {
				t.Fatalf("accepted the field %q", k)
			}
		}
		after := fieldsJSON(t, e)
		for name := range editableUserFields {
			if _, named := keys[name]; !named && !bytes.Equal(after[name], beforeJSON[name]) {
				t.Fatalf("%s changed from %s to %s, but the patch %q does not name it", name, beforeJSON[name], after[name], patch)
			}
		}
		// The same patch gives the same result.
		again, err := mergeUserPatch(stored.Clone(), patch)
		if err != nil || !reflect.DeepEqual(again, e) {
			t.Fatalf("second merge of %q gave %+v, %v; first %+v", patch, again, err, e)
		}
		// The result can be applied to a copy of the user.
		c := stored.Clone()
		e.apply(c)
		if c.ID != stored.ID || c.CPR.Lookup != stored.CPR.Lookup || c.Status != stored.Status || c.Version != stored.Version {
			t.Fatalf("apply changed a read-only field: %+v", c)
		}
	})
}

// checkExplained fails unless err becomes a 4xx problem in Handler.fail.
func checkExplained(t *testing.T, err error) {
	t.Helper()
	var body *httpx.BodyError
	if errors.As(err, &body) {
		if body.Code == "" || body.Message == "" || body.Status < 400 || body.Status >= 500 {
			t.Fatalf("body error without code, message or 4xx status: %#v", body)
		}
		if body.Status != http.StatusBadRequest {
			t.Fatalf("body error of a patch already read has status %d", body.Status)
		}
		return
	}
	problems := tilgang.Problems(err)
	if len(problems) == 0 {
		t.Fatalf("bare error %T %v would answer 500", err, err)
	}
	for _, p := range problems {
		if p.Kind != tilgang.KindInvalid || p.Code == "" || p.Message == "" {
			t.Fatalf("problem %#v is not an explained invalid input", p)
		}
	}
}

// fieldsJSON returns e's fields as JSON values by name; absent (empty)
// fields are missing.
func fieldsJSON(t testing.TB, e editableUser) map[string]json.RawMessage {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestNesting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int
	}{
		{`1`, 0},
		{`{}`, 1},
		{`{"roles": [{"role": "x"}]}`, 3},
		{`{"a": "[[[{{{"}`, 1},
		{`{"a": "\"[[[", "b": "\\"}`, 1},
		{`{"a": "\\\"[", "b": [[]]}`, 3},
		{`{"a": []} `, 2},
		{`[[[[[[[[[]]]]]]]]]`, 9},
	}
	for _, tt := range tests {
		if got := nesting([]byte(tt.in)); got != tt.want {
			t.Errorf("nesting(%s) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
