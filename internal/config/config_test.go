package config

import (
	"strings"
	"testing"
)

func TestMailRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value string
		want  float64
		err   bool
	}{
		{"", DefaultMailRate, false},
		{"0", 0, false},
		{"2.5", 2.5, false},
		{"-1", 0, true},
		{"fast", 0, true},
		{"Inf", 0, true},
		{"NaN", 0, true},
	}
	for _, tc := range tests {
		env := map[string]string{EnvTableName: "t", EnvMailRate: tc.value}
		c, err := Load(func(k string) string { return env[k] }, Need{})
		if (err != nil) != tc.err || (!tc.err && c.MailRate != tc.want) {
			t.Errorf("MAIL_RATE=%q: rate %v, err %v; want %v, error %v", tc.value, c.MailRate, err, tc.want, tc.err)
		}
		if err != nil && !strings.Contains(err.Error(), EnvMailRate) {
			t.Errorf("MAIL_RATE=%q: error %q does not name the variable", tc.value, err)
		}
	}
}

func TestConsoleBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		public, console string
		want            string
		err             bool
	}{
		{"https://id.example.dk", "", "https://id.example.dk/console/", false},
		{"https://id.example.dk/", "", "https://id.example.dk/console/", false},
		{"", "", "", false},
		{"https://id.example.dk", "https://admin.example.dk", "https://admin.example.dk/", false},
		{"https://id.example.dk", "https://admin.example.dk/console/", "https://admin.example.dk/console/", false},
		{"", "http://localhost:3000/console", "http://localhost:3000/console/", false},
		{"https://id.example.dk", "admin.example.dk", "", true},
		{"https://id.example.dk", "javascript:alert(1)", "", true},
		{"https://id.example.dk", "https://admin.example.dk/?x=1", "", true},
	}
	for _, tc := range tests {
		env := map[string]string{EnvTableName: "t", EnvPublicBaseURL: tc.public, EnvConsoleBaseURL: tc.console}
		c, err := Load(func(k string) string { return env[k] }, Need{})
		if (err != nil) != tc.err || c.ConsoleBaseURL != tc.want {
			t.Errorf("public %q, console %q: %q, err %v; want %q, error %v", tc.public, tc.console, c.ConsoleBaseURL, err, tc.want, tc.err)
		}
		if err != nil && !strings.Contains(err.Error(), EnvConsoleBaseURL) {
			t.Errorf("error %q does not name the variable", err)
		}
	}
}
