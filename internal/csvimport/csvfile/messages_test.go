package csvfile

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/tilgang"
)

// receiptCodes lists every code a receipt can carry: the Reader's, every
// code of the users' vocabulary (tilgang/rules.go, validate, cpr; found in
// their source, so that a new rule cannot be forgotten here), and the
// import's.
func receiptCodes(t *testing.T) []string {
	t.Helper()
	all := slices.Clone(codes)
	for _, file := range []string{"../../tilgang/rules.go", "../../validate/errors.go", "../../cpr/errors.go"} {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		ast.Inspect(f, func(n ast.Node) bool {
			kv, ok := n.(*ast.KeyValueExpr)
			if !ok {
				return true
			}
			if id, isID := kv.Key.(*ast.Ident); isID && id.Name == "Code" {
				code, _ := strconv.Unquote(kv.Value.(*ast.BasicLit).Value)
				found++
				if code != "number.invalid" { // the organisation's settings only
					all = append(all, code)
				}
			}
			return true
		})
		if found < 4 {
			t.Fatalf("%s: found %d codes; the scan is broken", file, found)
		}
	}
	for _, e := range []*tilgang.Error{tilgang.ErrUserNotFound, tilgang.ErrUserNameTaken,
		tilgang.ErrMaxAdmins, tilgang.ErrStale, tilgang.ErrUserUnreadable} {
		all = append(all, e.Code)
	}
	all = append(all, CodeFileChanged, CodeOrgUnknown, CodeCPRLookupLimit)
	slices.Sort(all)
	return slices.Compact(all)
}

// TestMessages: every code a receipt can carry has a message of its own,
// every message is in both languages with the same arguments, says what to
// do in a sentence, and belongs to such a code.
func TestMessages(t *testing.T) {
	t.Parallel()
	all := receiptCodes(t)
	for _, code := range all {
		if _, ok := catalogue[code]; !ok {
			t.Errorf("code %s has no message", code)
		}
	}
	verbs := regexp.MustCompile(`%(\[\d+\])?[a-z]`)
	for key, m := range catalogue {
		if !slices.Contains(all, codeOf(key)) {
			t.Errorf("message %s belongs to no code a receipt can carry", key)
		}
		if strings.TrimSpace(m.en) == "" || strings.TrimSpace(m.da) == "" || m.en == m.da {
			t.Errorf("message %s lacks a language: en %q, da %q", key, m.en, m.da)
		}
		if en, da := verbs.FindAllString(m.en, -1), verbs.FindAllString(m.da, -1); !slices.Equal(en, da) {
			t.Errorf("message %s: English has arguments %v, Danish %v", key, en, da)
		}
		for _, s := range []string{m.en, m.da} {
			if !strings.HasSuffix(s, ".") {
				t.Errorf("message %s is not a sentence: %q", key, s)
			}
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(codes)))) != len(codes) {
		t.Errorf("codes has duplicates")
	}
}

// TestCatalogueKeysUnique: the catalogue's keys are expressions, so the
// compiler does not refuse a key written twice; the map would keep one.
func TestCatalogueKeysUnique(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "messages.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	entries := -1
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok && vs.Names[0].Name == "catalogue" {
			entries = len(vs.Values[0].(*ast.CompositeLit).Elts)
		}
		return true
	})
	if entries != len(catalogue) {
		t.Errorf("the catalogue has %d entries in the source and %d keys: a key is written twice", entries, len(catalogue))
	}
}

// TestMessagesUsed: every catalogue key the package's code builds, a code
// + "/variant", is in the catalogue; message would otherwise fall back.
func TestMessagesUsed(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	// The codes the package borrows, which are variables.
	codeOfName := map[string]string{"codeRequired": codeRequired, "codeScientific": codeScientific, "codeIALRange": codeIALRange}
	var used []*ast.BinaryExpr
	files, _ := filepath.Glob("*.go")
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if i >= len(n.Values) || !strings.HasPrefix(id.Name, "Code") {
						continue
					}
					if lit, ok := n.Values[i].(*ast.BasicLit); ok {
						codeOfName[id.Name], _ = strconv.Unquote(lit.Value)
					}
				}
			case *ast.CompositeLit:
				if id, ok := n.Type.(*ast.MapType); ok && id != nil {
					return false // the catalogue itself
				}
			case *ast.BinaryExpr:
				if id, ok := n.X.(*ast.Ident); ok && n.Op == token.ADD && len(id.Name) > 4 && strings.HasPrefix(strings.ToLower(id.Name), "code") {
					used = append(used, n)
				}
			}
			return true
		})
	}
	if len(used) < 5 {
		t.Fatalf("found %d variant keys; the scan is broken", len(used))
	}
	for _, b := range used {
		lit, ok := b.Y.(*ast.BasicLit)
		if !ok {
			t.Errorf("%s: a key built at run time cannot be checked; spell it out", fset.Position(b.Pos()))
			continue
		}
		code, ok := codeOfName[b.X.(*ast.Ident).Name]
		if !ok {
			t.Errorf("%s: %s is no code this test knows; add it to codeOfName", fset.Position(b.Pos()), b.X.(*ast.Ident).Name)
			continue
		}
		suffix, _ := strconv.Unquote(lit.Value)
		if _, ok := catalogue[code+suffix]; !ok {
			t.Errorf("%s: key %q has no message", fset.Position(b.Pos()), code+suffix)
		}
	}
}

func TestMessageFallback(t *testing.T) {
	t.Parallel()
	if got := message("en", codeRequired+"/nonesuch"); got != catalogue[codeRequired].en {
		t.Errorf("unknown variant: %q", got)
	}
	if got := message("en", "nonesuch"); got != "nonesuch" {
		t.Errorf("unknown key: %q", got)
	}
}

func TestMessage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lang, code, variant string
		args                []any
		want                string
	}{
		{"en", "field.required", "pNumber", nil, catalogue["field.required/pnumber"].en},
		{"da", "field.required", "pNumber", nil, catalogue["field.required/pnumber"].da},
		{"", "field.required", "firstName", nil, catalogue["field.required"].da},
		{"en", "field.too_long", "firstName", []any{200}, "The text is too long: at most 200 characters. Shorten it."},
		{"en", "user.exists", "userName", nil, catalogue["user.exists/username"].en},
		{"en", "nonesuch", "", nil, ""},
	} {
		if got := Message(tc.lang, tc.code, tc.variant, tc.args...); got != tc.want {
			t.Errorf("Message(%q, %q, %q) = %q, want %q", tc.lang, tc.code, tc.variant, got, tc.want)
		}
	}
}
