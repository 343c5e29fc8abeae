package sesevents_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tilgang/tilgang/internal/sesevents"
)

// FuzzParse: any detail parses or fails without panicking, and what it
// keeps is safe to store and show: a short printable reason with no
// address, and an address only as its hash.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var ev struct{ Detail json.RawMessage }
		if err := json.Unmarshal(b, &ev); err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(ev.Detail))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := sesevents.Parse(raw)
		if err != nil {
			return
		}
		r := o.State.Reason
		if len(r) > 64 || !utf8.ValidString(r) || strings.ContainsAny(r, "@\n\r") {
			t.Errorf("reason %q", r)
		}
		if a := o.State.Address; a != "" && len(a) != 64 {
			t.Errorf("address %q is not a hash", a)
		}
	})
}
