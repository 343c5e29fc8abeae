package imports_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/tilgang/tilgang/internal/imports"
)

// encodeURIComponent encodes s as the console's script does: every byte
// of its UTF-8 but A–Z a–z 0–9 and -_.!~*'() as %XX.
func encodeURIComponent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// TestFormFileName: the form's metadata names the import when it decodes
// to a name the admin API would take as fileName, and names nothing
// otherwise.
func TestFormFileName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, encoded, want string
	}{
		{"æøå", encodeURIComponent("medarbejdere-æøå.csv"), "medarbejdere-æøå.csv"},
		{"plain ASCII", "uge49.csv", "uge49.csv"},
		{"a space and a plus", encodeURIComponent("uge 49+50.csv"), "uge 49+50.csv"},
		{"spaces around", "%20%20uge49.csv%20", "uge49.csv"},
		{"255 characters", strings.Repeat("%C3%A6", 251) + ".csv", strings.Repeat("æ", 251) + ".csv"},
		{"empty", "", ""},
		{"only spaces", "%20%20", ""},
		{"a line break", encodeURIComponent("uge49\n.csv"), ""},
		{"a bell", "uge49%07.csv", ""},
		{"a raw control character", "uge49\x01.csv", ""},
		{"right-to-left override", encodeURIComponent("\u202Evsc.exe"), ""},
		{"a slash", encodeURIComponent("../uge49.csv"), ""},
		{"a backslash", encodeURIComponent(`C:\fakepath\uge49.csv`), ""},
		{"300 characters", strings.Repeat("a", 296) + ".csv", ""},
		{"256 characters", strings.Repeat("%C3%A6", 252) + ".csv", ""},
		{"a cut escape", "uge49%E", ""},
		{"a bad escape", "uge%zz49.csv", ""},
		{"half a character", "uge49%C3.csv", ""},
		{"not UTF-8", "uge49%E6%F8%E5.csv", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := imports.FormFileName(tc.encoded)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("FormFileName(%q) = %q, %v; want %q", tc.encoded, got, ok, tc.want)
			}
		})
	}
}

// FuzzFormFileName feeds arbitrary metadata values to FormFileName. A name
// it gives is one the admin API would take as fileName; every such name
// comes back from the script's encoding of it.
func FuzzFormFileName(f *testing.F) {
	for _, seed := range []string{
		"medarbejdere-%C3%A6%C3%B8%C3%A5.csv", "uge49.csv", "uge%2049+50.csv", "%0A", "%2F", "%5C", "%E2%80%AE", "%", "%zz", "%C3",
		"%F0%9F%98%80.csv", strings.Repeat("a", 300),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, encoded string) {
		name, ok := imports.FormFileName(encoded)
		if ok != (name != "") {
			t.Fatalf("FormFileName(%q) = %q, %v", encoded, name, ok)
		}
		if ok {
			if err := imports.CheckUpload(imports.UploadRequest{ContentLength: 1, FileName: name}); err != nil {
				t.Fatalf("FormFileName(%q) = %q, which the admin API refuses: %v", encoded, name, err)
			}
			if name != strings.TrimSpace(name) {
				t.Fatalf("FormFileName(%q) = %q, not trimmed", encoded, name)
			}
			for _, r := range name {
				if unicode.IsControl(r) || unicode.In(r, unicode.Cf) || r == '/' || r == '\\' {
					t.Fatalf("FormFileName(%q) = %q", encoded, name)
				}
			}
		}
		// The input as a file name: if the admin API takes it, the form's
		// way gives the same name.
		s := encoded
		if utf8.ValidString(s) && s == strings.TrimSpace(s) && s != "" &&
			imports.CheckUpload(imports.UploadRequest{ContentLength: 1, FileName: s}) == nil {
			if got, ok := imports.FormFileName(encodeURIComponent(s)); !ok || got != s {
				t.Fatalf("the name %q came back as %q, %v", s, got, ok)
			}
		}
	})
}
