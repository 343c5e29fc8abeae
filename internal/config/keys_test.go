package config

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestKeySecrets: in AWS each function names the secrets of exactly the
// keys it needs, and an error says which variable is missing and what
// for; CPR_KEY alone serves every function locally.
func TestKeySecrets(t *testing.T) {
	t.Parallel()
	master := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32)))
	tests := []struct {
		name    string
		need    Need
		env     map[string]string
		want    KeySecrets
		missing []string // variables the error must name
	}{
		{"mailer has its link key", Functions["mailer"],
			map[string]string{EnvLinkKeySecret: "tilgang/link"}, KeySecrets{LinkKey: "tilgang/link"}, nil},
		{"admin misses two", Functions["admin"],
			map[string]string{EnvLinkKeySecret: "l"}, KeySecrets{}, []string{EnvLookupKeySecret, EnvOpenKeySecret}},
		{"scim has its two", Functions["scim"],
			map[string]string{EnvLookupKeySecret: "a", EnvSealKeySecret: "b", EnvOpenKeySecret: "ignored"}, KeySecrets{LookupKey: "a", SealKey: "b"}, nil},
		{"local master serves all", Functions["admin"], map[string]string{EnvCPRKey: master}, KeySecrets{}, nil},
		{"scheduler needs none", Functions["scheduler"], map[string]string{}, KeySecrets{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{EnvTableName: "t", EnvPublicBaseURL: "https://x", EnvMailFrom: "a@b", EnvBucketName: "b"}
			for k, v := range tc.env {
				env[k] = v
			}
			c, err := Load(func(k string) string { return env[k] }, tc.need)
			if len(tc.missing) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if c.KeySecrets != tc.want {
					t.Errorf("KeySecrets = %+v, want %+v", c.KeySecrets, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, v := range tc.missing {
				if !strings.Contains(err.Error(), v+" is not set") || !strings.Contains(err.Error(), EnvCPRKey) {
					t.Errorf("error %q does not say that %s is missing, nor name %s", err, v, EnvCPRKey)
				}
			}
		})
	}
}

// TestMailerNeedsOnlyTheLinkKey pins SPEC §14's separation of keys.
func TestMailerNeedsOnlyTheLinkKey(t *testing.T) {
	t.Parallel()
	for fn, n := range Functions {
		if n.OpenKey != (fn == "admin") {
			t.Errorf("%s: OpenKey = %v; only the admin function opens CPR numbers", fn, n.OpenKey)
		}
	}
	if m := Functions["mailer"]; m.LookupKey || m.SealKey || m.OpenKey || !m.LinkKey {
		t.Errorf("mailer needs %+v; want the link key only", m)
	}
}
