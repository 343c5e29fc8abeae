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
)

// TestMessages: every code has a message, every message is in both
// languages with the same arguments, and every message belongs to a code.
func TestMessages(t *testing.T) {
	t.Parallel()
	for _, code := range codes {
		found := false
		for key := range catalogue {
			found = found || codeOf(key) == code
		}
		if !found {
			t.Errorf("code %s has no message", code)
		}
	}
	verbs := regexp.MustCompile(`%(\[\d+\])?[a-z]`)
	for key, m := range catalogue {
		if !KnownCode(codeOf(key)) {
			t.Errorf("message %s belongs to no code", key)
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

// TestMessagesUsed: every catalogue key the package's code builds, Code... +
// "/variant", is in the catalogue; message would otherwise fall back.
func TestMessagesUsed(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	consts := map[string]string{}
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
						consts[id.Name], _ = strconv.Unquote(lit.Value)
					}
				}
			case *ast.BinaryExpr:
				if id, ok := n.X.(*ast.Ident); ok && n.Op == token.ADD && strings.HasPrefix(id.Name, "Code") {
					used = append(used, n)
				}
			}
			return true
		})
	}
	if len(used) < 10 {
		t.Fatalf("found %d variant keys; the scan is broken", len(used))
	}
	for _, b := range used {
		lit, ok := b.Y.(*ast.BasicLit)
		if !ok {
			t.Errorf("%s: a key built at run time cannot be checked; spell it out", fset.Position(b.Pos()))
			continue
		}
		suffix, _ := strconv.Unquote(lit.Value)
		key := consts[b.X.(*ast.Ident).Name] + suffix
		if _, ok := catalogue[key]; !ok {
			t.Errorf("%s: key %q has no message", fset.Position(b.Pos()), key)
		}
	}
}

func TestMessageFallback(t *testing.T) {
	t.Parallel()
	if got := message("en", CodeRequired+"/nonesuch"); got != catalogue[CodeRequired].en {
		t.Errorf("unknown variant: %q", got)
	}
	if got := message("en", "nonesuch"); got != "nonesuch" {
		t.Errorf("unknown key: %q", got)
	}
}
