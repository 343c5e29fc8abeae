package mailerfn

import "testing"

// TestLocalSESEndpoint: the sender check is skipped only for an SES
// endpoint on a loopback address, never in AWS (no endpoint) or for a
// remote one.
func TestLocalSESEndpoint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ses, all string
		local    bool
	}{
		{"", "", false},
		{"http://127.0.0.1:4579", "", true},
		{"http://localhost:4579", "", true},
		{"http://[::1]:4579", "", true},
		{"", "http://127.0.0.1:4566", true},
		{"https://email.eu-north-1.amazonaws.com", "http://127.0.0.1:4566", false},
		{"http://10.0.0.5:4579", "", false},
		{"http://localhost.example.com", "", false},
	} {
		env := map[string]string{"AWS_ENDPOINT_URL_SESV2": tc.ses, "AWS_ENDPOINT_URL": tc.all}
		if _, got := localSESEndpoint(func(k string) string { return env[k] }); got != tc.local {
			t.Errorf("SESV2 %q, all %q: local = %v, want %v", tc.ses, tc.all, got, tc.local)
		}
	}
}
