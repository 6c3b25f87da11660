package authz

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// repoRoot is the repository root, relative to this package.
const repoRoot = "../.."

// asked is one place that asks the matrix for a right.
type asked struct {
	right Right
	place string // as in Use.Places
	pos   string // file:line, for messages
}

// walkUses finds every place in the Go source (internal/ and cmd/, tests and package authz
// excepted) and the templates that asks for a right: a call argument or composite literal element
// authz.SectionX followed by an action (authz.ActionY, or a name assigned one), and a template's
// .Can "section" "action". loose lists the decision sections and actions found outside such a pair
// (their right cannot be told, so they are refused).
func walkUses() (found []asked, loose []string, err error) {
	for _, dir := range []string{"internal", "cmd"} {
		err = filepath.WalkDir(filepath.Join(repoRoot, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path == filepath.Join(repoRoot, "internal", "authz") {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, l, err := walkFile(path)
			found, loose = append(found, f...), append(loose, l...)
			return err
		})
		if err != nil {
			return nil, nil, err
		}
	}
	f, err := walkTemplates(filepath.Join(repoRoot, "web", "templates"))
	return append(found, f...), loose, err
}

// decisionActions are the actions whose every use must be told (not read or write).
var decisionActions = map[string]bool{"ActionApprove": true, "ActionMerge": true, "ActionOverride": true, "ActionReopen": true}

func walkFile(path string) (found []asked, loose []string, err error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		return nil, nil, err
	}
	rel, _ := filepath.Rel(filepath.Join(repoRoot, "internal"), filepath.Dir(path))
	if strings.HasPrefix(rel, "..") {
		rel, _ = filepath.Rel(repoRoot, filepath.Dir(path))
	}
	pkg := filepath.ToSlash(rel)
	// Names assigned an action in this file (approve := authz.ActionApprove).
	names := map[string]string{}
	assigned := map[ast.Expr]bool{}
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, r := range n.Rhs {
				if act := authzName(r, "Action"); act != "" && i < len(n.Lhs) {
					if id, ok := n.Lhs[i].(*ast.Ident); ok {
						names[id.Name] = act
						assigned[r] = true
					}
				}
			}
		case *ast.ValueSpec:
			for i, r := range n.Values {
				if act := authzName(r, "Action"); act != "" && i < len(n.Names) {
					names[n.Names[i].Name] = act
					assigned[r] = true
				}
			}
		}
		return true
	})
	paired := map[ast.Expr]bool{}
	for _, decl := range file.Decls {
		place := pkg + "." + declName(decl)
		ast.Inspect(decl, func(n ast.Node) bool {
			var list []ast.Expr
			switch n := n.(type) {
			case *ast.CallExpr:
				list = n.Args
			case *ast.CompositeLit:
				list = n.Elts
			default:
				return true
			}
			for i := 0; i+1 < len(list); i++ {
				sec := authzName(list[i], "Section")
				if sec == "" {
					continue
				}
				act := authzName(list[i+1], "Action")
				if id, ok := list[i+1].(*ast.Ident); ok && act == "" {
					act = names[id.Name]
				}
				if act == "" {
					continue
				}
				paired[list[i]], paired[list[i+1]] = true, true
				found = append(found, asked{right: Right{constSection(sec), constAction(act)}, place: place,
					pos: fmt.Sprintf("%s:%d", path, fset.Position(list[i].Pos()).Line)})
			}
			return true
		})
	}
	ast.Inspect(file, func(n ast.Node) bool {
		e, ok := n.(ast.Expr)
		if !ok || paired[e] || assigned[e] {
			return true
		}
		name := authzName(e, "Section")
		if name == "" {
			name = authzName(e, "Action")
		}
		if name == "" {
			return true
		}
		r := Right{Section: constSection(name), Action: constAction(name)}
		if decisionActions[name] || (r.Section != "" && decisionSection(r.Section)) {
			loose = append(loose, fmt.Sprintf("%s:%d authz.%s", path, fset.Position(e.Pos()).Line, name))
		}
		return true
	})
	return found, loose, nil
}

// authzName returns X of authz.<prefix>X as "<prefix>X", or "".
func authzName(e ast.Expr, prefix string) string {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "authz" {
		return ""
	}
	if !strings.HasPrefix(sel.Sel.Name, prefix) || sel.Sel.Name == prefix {
		return ""
	}
	return sel.Sel.Name
}

// declName names a top-level declaration: Func, Type.Method, or the first name of a var.
func declName(d ast.Decl) string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv != nil && len(d.Recv.List) > 0 {
			t := d.Recv.List[0].Type
			if s, ok := t.(*ast.StarExpr); ok {
				t = s.X
			}
			if id, ok := t.(*ast.Ident); ok {
				return id.Name + "." + d.Name.Name
			}
		}
		return d.Name.Name
	case *ast.GenDecl:
		for _, s := range d.Specs {
			if v, ok := s.(*ast.ValueSpec); ok && len(v.Names) > 0 {
				return v.Names[0].Name
			}
		}
	}
	return "?"
}

// sectionConsts and actionConsts map the constant names to their values.
var (
	sectionConsts = map[string]Section{}
	actionConsts  = map[string]Action{}
)

func init() {
	for _, s := range AllSections {
		sectionConsts["Section"+camel(string(s))] = s
	}
	for _, a := range AllActions {
		actionConsts["Action"+camel(string(a))] = a
	}
}

// camel turns legal_status into LegalStatus.
func camel(s string) string {
	var b strings.Builder
	for _, p := range strings.Split(s, "_") {
		b.WriteString(strings.ToUpper(p[:1]) + p[1:])
	}
	return b.String()
}

func constSection(name string) Section { return sectionConsts[name] }
func constAction(name string) Action   { return actionConsts[name] }

var templateCan = regexp.MustCompile(`\.Can\s+"([a-z_]+)"\s+"([a-z_]+)"`)

func walkTemplates(dir string) ([]asked, error) {
	var out []asked
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".html") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, m := range templateCan.FindAllStringSubmatch(line, -1) {
				out = append(out, asked{right: Right{Section(m[1]), Action(m[2])}, place: "template " + e.Name(),
					pos: fmt.Sprintf("%s:%d", e.Name(), i+1)})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].pos < out[j].pos })
	return out, nil
}
