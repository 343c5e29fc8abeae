package ratelimit_test

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/ratelimit"
)

func TestSourceOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		remote, forwarded, want string
	}{
		{"203.0.113.7", "", "203.0.113.7"},             // Lambda: requestContext.http.sourceIp
		{"203.0.113.7:51234", "", "203.0.113.7"},       // a Go server: the connection
		{"203.0.113.7", "198.51.100.1", "203.0.113.7"}, // the client's header is never read
		{"[::ffff:203.0.113.7]:80", "", "203.0.113.7"},
		{"2001:db8:1:2:3:4:5:6", "", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2::9%eth0]:443", "", "2001:db8:1:2::/64"},
		{"", "198.51.100.1", "unknown"},
		{"pipe", "", "unknown"},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.forwarded != "" {
			r.Header.Set("X-Forwarded-For", tc.forwarded)
		}
		if got := ratelimit.SourceOf(r); got != tc.want {
			t.Errorf("SourceOf(RemoteAddr %q, X-Forwarded-For %q) = %q, want %q", tc.remote, tc.forwarded, got, tc.want)
		}
	}
}

// FuzzSourceOf: whatever the address, the source is an IP, a /64 or
// "unknown", and never holds the key separator.
func FuzzSourceOf(f *testing.F) {
	for _, s := range []string{"203.0.113.7", "203.0.113.7:1", "[::1]:2", "2001:db8::1", "fe80::1%eth0", "", "#", "1.2.3.4#ORG#x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, remote string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		got := ratelimit.SourceOf(r)
		if strings.Contains(got, "#") {
			t.Fatalf("SourceOf(%q) = %q holds #", remote, got)
		}
		if got == "unknown" {
			return
		}
		if _, err := netip.ParseAddr(got); err == nil {
			return
		}
		if p, err := netip.ParsePrefix(got); err != nil || p.Bits() != 64 {
			t.Fatalf("SourceOf(%q) = %q is no IP, /64 or unknown", remote, got)
		}
	})
}
