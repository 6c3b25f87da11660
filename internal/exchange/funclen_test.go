package exchange_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// maxFuncLines is the longest a function of the exchange or the handover may be (issue 13: long
// steps are cut into phases: load, check, project, write, audit).
const maxFuncLines = 80

// TestFunctionsAreShort fails when a function or method of internal/exchange or internal/handover,
// tests excepted, is longer than maxFuncLines lines, from its func line to its closing brace.
func TestFunctionsAreShort(t *testing.T) {
	for _, dir := range []string{".", "../handover"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("no Go files in %s", dir)
		}
		fset := token.NewFileSet()
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				fn, ok := d.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				from, to := fset.Position(fn.Pos()).Line, fset.Position(fn.End()).Line
				if n := to - from + 1; n > maxFuncLines {
					t.Errorf("%s:%d: %s is %d lines long (at most %d)", name, from, fn.Name.Name, n, maxFuncLines)
				}
			}
		}
	}
}
