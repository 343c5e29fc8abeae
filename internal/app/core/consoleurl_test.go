package core

import (
	"testing"

	"github.com/tilgang/tilgang/internal/config"
)

// TestConsoleBaseURL: the configured address, or the console's path under
// the public one; a loopback address by host name, as passkeys need.
func TestConsoleBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		console, public, want string
	}{
		{"https://admin.example.dk/", "https://tilgang.example.dk", "https://admin.example.dk/"},
		{"", "https://tilgang.example.dk/", "https://tilgang.example.dk/console/"},
		{"", "http://127.0.0.1:3000", "http://localhost:3000/console/"},
		{"http://127.0.0.1:3000/console/", "http://127.0.0.1:3000", "http://localhost:3000/console/"},
	}
	for _, tt := range tests {
		a := &App{Config: config.Config{ConsoleBaseURL: tt.console, PublicBaseURL: tt.public}}
		if got := a.ConsoleBaseURL(); got != tt.want {
			t.Errorf("console %q, public %q: %q, want %q", tt.console, tt.public, got, tt.want)
		}
	}
}
