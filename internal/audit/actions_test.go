package audit_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/audit"
	"homeward/internal/authz"
)

// TestEveryActionHasASection enumerates every action the code can write (every declared action;
// apptest links every package of the app) and fails on one without a known section.
func TestEveryActionHasASection(t *testing.T) {
	all := audit.Actions()
	if len(all) < 50 {
		t.Fatalf("only %d actions declared", len(all))
	}
	policy, err := authz.LoadPolicy()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		if a.Name() == "" || a.Section() == "" {
			t.Errorf("action %q has no section", a.Name())
		}
		for _, s := range a.Sections() {
			if !slices.Contains(authz.AllSections, s) {
				t.Errorf("action %q in unknown section %q", a.Name(), s)
			}
			// A section nobody reads would hide the action's rows from every timeline.
			if !slices.ContainsFunc(authz.AllRoles, func(r authz.Role) bool { return policy.Allowed(r, s, authz.ActionRead) }) {
				t.Errorf("action %q in section %q, which no role reads", a.Name(), s)
			}
		}
	}
	if defs := sourceDefines(t); defs != len(all) {
		t.Errorf("the source declares %d actions, %d are registered", defs, len(all))
	}
}

// sourceDefines scans every Go file of the module outside tests. It fails on an audit write whose
// action is a string (an audit.Entry's Action or the action argument of audit.ByActor and its
// wrappers), on an Action built by hand, and on a Define outside a package-level var; it returns
// the number of Define calls.
func sourceDefines(t *testing.T) int {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	defines := 0
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == ".git" || name == ".data" || name == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		inAudit := f.Name.Name == "audit"
		topDefines := map[*ast.CallExpr]bool{}
		for _, decl := range f.Decls {
			if g, ok := decl.(*ast.GenDecl); ok && g.Tok == token.VAR {
				ast.Inspect(g, func(n ast.Node) bool {
					if c, ok := n.(*ast.CallExpr); ok && isAuditName(c.Fun, "Define", inAudit) {
						topDefines[c] = true
					}
					return true
				})
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				switch {
				case isAuditName(x.Fun, "Define", inAudit):
					defines++
					if !topDefines[x] {
						t.Errorf("%s: audit.Define outside a package-level var", fset.Position(x.Pos()))
					}
					if len(x.Args) < 2 || isString(x.Args[1]) {
						t.Errorf("%s: audit.Define without a section constant", fset.Position(x.Pos()))
					}
				case isAuditName(x.Fun, "ByActor", inAudit) || isName(x.Fun, "entry") || isName(x.Fun, "ownStoreEntry") || isSel(x.Fun, "auditOwnStore"):
					if len(x.Args) > 1 && isString(x.Args[1]) || len(x.Args) > 2 && isSel(x.Fun, "auditOwnStore") && isString(x.Args[2]) {
						t.Errorf("%s: audit write with a string action", fset.Position(x.Pos()))
					}
				}
			case *ast.CompositeLit:
				if isAuditName(x.Type, "Entry", inAudit) {
					for _, el := range x.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok && isName(kv.Key, "Action") && isString(kv.Value) {
							t.Errorf("%s: audit.Entry with a string action", fset.Position(kv.Pos()))
						}
					}
				}
				if isAuditName(x.Type, "Action", inAudit) && !(inAudit && strings.HasSuffix(path, "action.go")) && !(inAudit && len(x.Elts) == 0) {
					t.Errorf("%s: an audit.Action built by hand", fset.Position(x.Pos()))
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return defines
}

func isAuditName(e ast.Expr, name string, inAudit bool) bool {
	if inAudit && isName(e, name) {
		return true
	}
	s, ok := e.(*ast.SelectorExpr)
	if !ok || s.Sel.Name != name {
		return false
	}
	pkg, ok := s.X.(*ast.Ident)
	return ok && pkg.Name == "audit"
}

func isName(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func isSel(e ast.Expr, name string) bool {
	s, ok := e.(*ast.SelectorExpr)
	return ok && s.Sel.Name == name
}

func isString(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.BasicLit:
		return x.Kind == token.STRING
	case *ast.BinaryExpr:
		return isString(x.X) || isString(x.Y)
	case *ast.CallExpr: // a conversion such as authz.Section("x") or audit.Action("x")
		return len(x.Args) == 1 && isString(x.Args[0])
	}
	return false
}

// TestAppendRefusesUndeclaredSections: the zero Action and a section an action was not declared
// with are refused, so no row lands without a section.
func TestAppendRefusesUndeclaredSections(t *testing.T) {
	env := apptest.New(t)
	th, _ := env.App.Stores.For("TH")
	a := env.Actor(t, worker)
	for name, act := range map[string]audit.Action{
		"zero":             {},
		"undeclared In":    audit.CaseRead.In(authz.SectionMedical),
		"unknown status":   audit.PacketSeen("lost"),
		"note out of list": audit.NoteCreate.In(authz.SectionDirectory),
	} {
		err := th.DB.Transaction(func(tx *gorm.DB) error {
			return audit.Append(tx, time.Now(), audit.ByActor(a, act, "case", "x", nil))
		})
		if err == nil {
			t.Errorf("%s: appended", name)
		}
	}
	if got := audit.NoteCreate.In(authz.SectionMedical).Section(); got != authz.SectionMedical {
		t.Errorf("note in medical: section %q", got)
	}
	if err := audit.Verify(context.Background(), th.DB); err != nil {
		t.Fatal(err)
	}
}
