package app

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tilgang/tilgang/internal/config"
)

// allKeyParts are the App fields built with every key the App holds (for
// local runs and tests). A method may not use them: a handler builds its
// services with only its own keys (a.Keys.<field>), which is what this
// test reads.
var allKeyParts = []string{"Users", "Invitations", "Groups", "Links"}

// TestFunctionsNeedWhatTheyRead holds config.Functions, to which the
// template test holds template.yaml, to the code: each function's entry
// asks for exactly what the App methods its main.go runs read. A method
// reads a variable as a.Config.<field of config.Need>, and a key as
// a.Keys.<the same field>; a method it calls reads for it.
func TestFunctionsNeedWhatTheyRead(t *testing.T) {
	t.Parallel()
	reads := methodReads(t)
	for _, folder := range slices.Sorted(maps.Keys(config.Functions)) {
		t.Run(folder, func(t *testing.T) {
			t.Parallel()
			got, ran := mainReads(t, folder, reads)
			if len(ran) == 0 {
				t.Fatalf("functions/%s/main.go runs no App method", folder)
			}
			if want := config.Functions[folder]; got != want {
				t.Errorf("functions/%s runs %s, which read %+v; config.Functions[%q] = %+v", folder, strings.Join(ran, ", "), got, folder, want)
			}
		})
	}
}

// methodReads returns what each method of *App reads, with the methods it
// calls.
func methodReads(t *testing.T) map[string]config.Need {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	direct := map[string]config.Need{}
	calls := map[string][]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || len(fn.Recv.List[0].Names) == 0 || !isAppPointer(fn.Recv.List[0].Type) {
				continue
			}
			recv, method := fn.Recv.List[0].Names[0].Name, fn.Name.Name
			var n config.Need
			ast.Inspect(fn.Body, func(node ast.Node) bool {
				sel, ok := node.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if inner, ok := sel.X.(*ast.SelectorExpr); ok && isIdent(inner.X, recv) && (inner.Sel.Name == "Config" || inner.Sel.Name == "Keys") {
					if f := reflect.ValueOf(&n).Elem().FieldByName(sel.Sel.Name); f.IsValid() {
						f.SetBool(true)
					}
				}
				if isIdent(sel.X, recv) {
					if slices.Contains(allKeyParts, sel.Sel.Name) {
						t.Errorf("(*App).%s uses %s.%s, which holds every key; build the parts with its own keys", method, recv, sel.Sel.Name)
					}
					calls[method] = append(calls[method], sel.Sel.Name)
				}
				return true
			})
			direct[method] = n
		}
	}
	all := map[string]config.Need{}
	var visit func(method string, seen map[string]bool) config.Need
	visit = func(method string, seen map[string]bool) config.Need {
		n := direct[method]
		seen[method] = true
		for _, c := range calls[method] {
			if _, ok := direct[c]; ok && !seen[c] {
				n = union(n, visit(c, seen))
			}
		}
		return n
	}
	for m := range direct {
		all[m] = visit(m, map[string]bool{})
	}
	return all
}

// mainReads returns what functions/<folder>/main.go reads through the App
// methods it runs, and their names. Its app.New must name folder.
func mainReads(t *testing.T, folder string, reads map[string]config.Need) (config.Need, []string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "..", "functions", folder, "main.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var n config.Need
	var ran []string
	ast.Inspect(f, func(node ast.Node) bool {
		call, ok := node.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if isIdent(sel.X, "app") && sel.Sel.Name == "New" {
			if lit, ok := call.Args[len(call.Args)-1].(*ast.BasicLit); !ok || lit.Value != strconv.Quote(folder) {
				t.Errorf("functions/%s/main.go loads the configuration of another function", folder)
			}
			return true
		}
		if r, ok := reads[sel.Sel.Name]; ok && !isIdent(sel.X, "app") {
			n = union(n, r)
			ran = append(ran, sel.Sel.Name)
		}
		return true
	})
	return n, ran
}

// union needs what a or b needs.
func union(a, b config.Need) config.Need {
	va, vb := reflect.ValueOf(&a).Elem(), reflect.ValueOf(b)
	for i := range va.NumField() {
		va.Field(i).SetBool(va.Field(i).Bool() || vb.Field(i).Bool())
	}
	return a
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func isAppPointer(e ast.Expr) bool {
	star, ok := e.(*ast.StarExpr)
	return ok && isIdent(star.X, "App")
}
