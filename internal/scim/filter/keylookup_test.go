package filter

import "testing"

func TestKeyLookup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		filter      string
		attr, value string
		ok          bool
	}{
		{`userName eq "bjensen@example.com"`, "userName", "bjensen@example.com", true},
		{`USERNAME EQ "BJensen"`, "userName", "BJensen", true},
		{`username eq bjensen@example.com`, "userName", "bjensen@example.com", true},
		{`(userName eq "x")`, "userName", "x", true},
		{`externalId eq "5c0e1f6a-9f2b-4f1e-8d4e-0c9f3b2a1d7e"`, "externalId", "5c0e1f6a-9f2b-4f1e-8d4e-0c9f3b2a1d7e", true},
		{`externalid eq 12345`, "externalId", "12345", true},
		{`externalId eq "a\"b"`, "externalId", `a"b`, true},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`, "userName", "x", true},
		{`URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:externalId eq "x"`, "externalId", "x", true},
		{`userName eq "x" and active eq true`, "", "", false},
		{`userName eq "x" or userName eq "y"`, "", "", false},
		{`userName co "x"`, "", "", false},
		{`userName ne "x"`, "", "", false},
		{`userName sw "x"`, "", "", false},
		{`userName pr`, "", "", false},
		{`userName eq null`, "", "", false},
		{`userName eq true`, "", "", false},
		{`not (userName eq "x")`, "", "", false},
		{`emails[value eq "x"]`, "", "", false},
		{`userName.x eq "x"`, "", "", false},
		{`id eq "x"`, "", "", false},
		{`displayName eq "x"`, "", "", false},
		{`urn:ietf:params:scim:schemas:core:2.0:Group:externalId eq "x"`, "", "", false},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName eq "x"`, "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			t.Parallel()
			e, err := Parse(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			attr, value, ok := KeyLookup(e)
			if attr != tc.attr || value != tc.value || ok != tc.ok {
				t.Errorf("KeyLookup(%s) = %q, %q, %v; want %q, %q, %v", tc.filter, attr, value, ok, tc.attr, tc.value, tc.ok)
			}
		})
	}
	if _, _, ok := KeyLookup(nil); ok {
		t.Error("KeyLookup(nil) ok")
	}
}
