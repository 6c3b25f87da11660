package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"homeward/internal/locale"
)

// apiErrorCodes reads, from this package's source, every error code the API can answer: the
// codes classify returns and those of every retryLater (rate limits, busy imports, outages).
func apiErrorCodes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	fset := token.NewFileSet()
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
			case *ast.FuncDecl: // classify: return status, "code"
				if n.Name.Name != "classify" {
					return true
				}
				ast.Inspect(n, func(m ast.Node) bool {
					if r, ok := m.(*ast.ReturnStmt); ok && len(r.Results) == 2 {
						if lit, ok := r.Results[1].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							s, _ := strconv.Unquote(lit.Value)
							codes[s] = true
						}
					}
					return true
				})
			case *ast.CompositeLit: // &retryLater{..., code: "code", ...}
				if id, ok := n.Type.(*ast.Ident); !ok || id.Name != "retryLater" {
					return true
				}
				for _, e := range n.Elts {
					if kv, ok := e.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "code" {
							if lit, ok := kv.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
								s, _ := strconv.Unquote(lit.Value)
								codes[s] = true
							}
						}
					}
				}
			}
			return true
		})
	}
	out := make([]string, 0, len(codes))
	for c := range codes {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// TestAPIErrorCatalogue: every error code the API can answer has its own message in API terms
// (api.error.CODE) in en, th and km, so no API answer falls back to the pages' wording ("the page
// now shows …"); the English messages never speak of a page, a form or reloading.
func TestAPIErrorCatalogue(t *testing.T) {
	codes := apiErrorCodes(t)
	for _, want := range []string{"not_found", "conflict", "invalid", "internal", "unavailable", "rate_limited", "busy"} {
		if sort.SearchStrings(codes, want) == len(codes) || codes[sort.SearchStrings(codes, want)] != want {
			t.Fatalf("the catalogue misses %q (read from the source: %v)", want, codes)
		}
	}
	b, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range codes {
		for _, lang := range []string{"en", "th", "km"} {
			if !b.Has(lang, "api.error."+code) {
				t.Errorf("%s: no api.error.%s", lang, code)
			}
		}
		msg := strings.ToLower(b.For("en", false, nil).T("api.error." + code))
		for _, word := range []string{"page", "form", "reload", "below", "click", "button"} {
			if strings.Contains(msg, word) {
				t.Errorf("api.error.%s speaks of %q: %s", code, word, msg)
			}
		}
	}
	// The unknown-parameter messages (api_query.go) are part of the catalogue too.
	for _, key := range []string{"api.error.unknown_parameter", "api.error.unknown_parameters"} {
		for _, lang := range []string{"en", "th", "km"} {
			if !b.Has(lang, key) {
				t.Errorf("%s: no %s", lang, key)
			}
		}
	}
}
