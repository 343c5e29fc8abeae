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

// TestFunctionsNeedWhatTheyRead holds config.Functions, to which the
// template test holds template.yaml, to the code: each function's entry
// asks for exactly what its wiring package (internal/app/<name>fn) reads.
// It reads a variable as a.Config.<field of config.Need>, a key in its
// Keys function as all.<the same field>, and what the methods of
// core.App it calls read for it. functions/<name>/main.go must load its
// own configuration and run its own wiring package.
func TestFunctionsNeedWhatTheyRead(t *testing.T) {
	t.Parallel()
	coreReads := methodReads(t, "core")
	for _, folder := range slices.Sorted(maps.Keys(config.Functions)) {
		t.Run(folder, func(t *testing.T) {
			t.Parallel()
			ran := mainRuns(t, folder)
			if len(ran) == 0 {
				t.Fatalf("functions/%s/main.go runs nothing of internal/app/%sfn", folder, folder)
			}
			if got, want := packageReads(t, folder+"fn", coreReads), config.Functions[folder]; got != want {
				t.Errorf("functions/%s runs %s, whose package reads %+v; config.Functions[%q] = %+v", folder, strings.Join(ran, ", "), got, folder, want)
			}
		})
	}
}

// methodReads returns what each method of *App in dir reads, with the
// methods it calls.
func methodReads(t *testing.T, dir string) map[string]config.Need {
	t.Helper()
	direct := map[string]config.Need{}
	calls := map[string][]string{}
	for _, f := range parseDir(t, dir) {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || len(fn.Recv.List[0].Names) == 0 || !isAppPointer(fn.Recv.List[0].Type) {
				continue
			}
			recv, method := fn.Recv.List[0].Names[0].Name, fn.Name.Name
			direct[method] = configReads(fn.Body, recv)
			ast.Inspect(fn.Body, func(node ast.Node) bool {
				if sel, ok := node.(*ast.SelectorExpr); ok && isIdent(sel.X, recv) {
					calls[method] = append(calls[method], sel.Sel.Name)
				}
				return true
			})
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

// packageReads returns what the wiring package dir reads: a.Config.<field>
// and a.Keys.<field> anywhere, the fields its Keys function takes from its
// argument, and what the core methods it calls read.
func packageReads(t *testing.T, dir string, coreReads map[string]config.Need) config.Need {
	t.Helper()
	var n config.Need
	for _, f := range parseDir(t, dir) {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			n = union(n, configReads(fn.Body, ""))
			if fn.Name.Name == "Keys" && fn.Recv == nil {
				param := fn.Type.Params.List[0].Names[0].Name
				ast.Inspect(fn.Body, func(node ast.Node) bool {
					if sel, ok := node.(*ast.SelectorExpr); ok && isIdent(sel.X, param) {
						n = union(n, needOf(sel.Sel.Name))
					}
					return true
				})
			}
			ast.Inspect(fn.Body, func(node ast.Node) bool {
				if call, ok := node.(*ast.CallExpr); ok {
					if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
						if _, isPkg := sel.X.(*ast.Ident); isPkg && !isIdent(sel.X, "core") {
							n = union(n, coreReads[sel.Sel.Name])
						}
					}
				}
				return true
			})
		}
	}
	return n
}

// configReads is what body reads as <recv>.Config.<field> or
// <recv>.Keys.<field>; any receiver if recv is "".
func configReads(body ast.Node, recv string) config.Need {
	var n config.Need
	ast.Inspect(body, func(node ast.Node) bool {
		sel, ok := node.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if inner, ok := sel.X.(*ast.SelectorExpr); ok && (inner.Sel.Name == "Config" || inner.Sel.Name == "Keys") {
			if id, ok := inner.X.(*ast.Ident); ok && (recv == "" || id.Name == recv) {
				n = union(n, needOf(sel.Sel.Name))
			}
		}
		return true
	})
	return n
}

// needOf is the Need with only field name set, if Need has it.
func needOf(name string) config.Need {
	var n config.Need
	if f := reflect.ValueOf(&n).Elem().FieldByName(name); f.IsValid() {
		f.SetBool(true)
	}
	return n
}

// mainRuns returns what functions/<folder>/main.go calls of its wiring
// package. Its core.New must name folder.
func mainRuns(t *testing.T, folder string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "..", "functions", folder, "main.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	loads := false
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
		switch {
		case isIdent(sel.X, "core") && sel.Sel.Name == "New":
			loads = true
			if lit, ok := call.Args[len(call.Args)-1].(*ast.BasicLit); !ok || lit.Value != strconv.Quote(folder) {
				t.Errorf("functions/%s/main.go loads the configuration of another function", folder)
			}
		case isIdent(sel.X, folder+"fn"):
			ran = append(ran, folder+"fn."+sel.Sel.Name)
		}
		return true
	})
	if !loads {
		t.Errorf("functions/%s/main.go does not call core.New", folder)
	}
	return ran
}

// parseDir parses the non-test Go files of dir.
func parseDir(t *testing.T, dir string) []*ast.File {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		t.Fatalf("no Go files in internal/app/%s", dir)
	}
	return files
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
