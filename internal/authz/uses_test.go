package authz

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestUsesTable checks the table itself: one row per right, each granted to some role, every grant
// of the policy with a row, a purpose per row told once, places listed exactly for decision rights.
func TestUsesTable(t *testing.T) {
	p := loadTestPolicy(t)
	rows, purposes := map[Right]bool{}, map[string]Right{}
	for _, u := range Uses {
		if rows[u.Right] {
			t.Errorf("%s is listed twice: one right, one meaning", u.Right)
		}
		rows[u.Right] = true
		if u.Purpose == "" {
			t.Errorf("%s has no purpose", u.Right)
		} else if other, ok := purposes[u.Purpose]; ok {
			t.Errorf("%s and %s share the purpose %q", u.Right, other, u.Purpose)
		}
		purposes[u.Purpose] = u.Right
		if !p.anyAllowed(u.Section, u.Action) {
			t.Errorf("%s is granted to no role", u.Right)
		}
		if decisionRight(u.Right) != (len(u.Places) > 0) {
			t.Errorf("%s: places %v; a decision right lists its places, a read or write right none", u.Right, u.Places)
		}
	}
	for _, s := range AllSections {
		for _, a := range AllActions {
			if r := (Right{s, a}); p.anyAllowed(s, a) && !rows[r] {
				t.Errorf("the policy grants %s, which authz.Uses does not list", r)
			}
		}
	}
}

// TestUsesInSource walks every place that asks for a right and fails on a right used for a purpose
// (a place) its row does not list, a right without a row, a listed place that no longer asks, and a
// decision section or action used where the walk cannot tell the right.
func TestUsesInSource(t *testing.T) {
	found, loose, err := walkUses()
	if err != nil {
		t.Fatal(err)
	}
	if len(found) < 100 {
		t.Fatalf("the walk found %d places; it should find every place that asks for a right", len(found))
	}
	for _, problem := range checkUses(found, loose) {
		t.Error(problem)
	}
}

// checkUses returns what is wrong with the places found, against Uses.
func checkUses(found []asked, loose []string) []string {
	var out []string
	byRight := map[Right]Use{}
	for _, u := range Uses {
		byRight[u.Right] = u
	}
	seen := map[Right]map[string]bool{}
	for _, f := range found {
		u, ok := byRight[f.right]
		switch {
		case f.right.Section == "" || f.right.Action == "":
			out = append(out, f.pos+": a section or action authz does not define")
		case !ok:
			out = append(out, f.pos+": "+f.right.String()+" is not in authz.Uses")
		case decisionRight(f.right) && !slices.Contains(u.Places, f.place):
			out = append(out, f.pos+": "+f.place+" asks for "+f.right.String()+" ("+u.Purpose+
				"), but authz.Uses does not list it: use the right that means what this place asks, or add a right")
		}
		if seen[f.right] == nil {
			seen[f.right] = map[string]bool{}
		}
		seen[f.right][f.place] = true
	}
	for _, u := range Uses {
		for _, pl := range u.Places {
			if !seen[u.Right][pl] {
				out = append(out, u.Right.String()+": listed place "+pl+" no longer asks for it")
			}
		}
	}
	for _, l := range loose {
		out = append(out, l+": a decision right used where the walk cannot tell which right is asked")
	}
	return out
}

// TestUsesCatchesMisuse checks that the walk and the check fail on the defect they exist for: a
// decision right asked as a proxy for "is a supervisor", directly, through a name, or loose.
func TestUsesCatchesMisuse(t *testing.T) {
	dir := t.TempDir()
	src := `package x

import "homeward/internal/authz"

func Proxy(a *authz.Actor) bool { return a.Can(authz.SectionIdentification, authz.ActionApprove) }

func Named(a *authz.Actor) bool {
	approve := authz.ActionApprove
	return a.Can(authz.SectionClosure, approve)
}

var loose = authz.SectionTimeline

func Fine(a *authz.Actor) bool { return a.Can(authz.SectionCases, authz.ActionRead) }
`
	path := filepath.Join(dir, "x.go")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	found, loose, err := walkFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 3 {
		t.Fatalf("found %d places, want 3: %+v", len(found), found)
	}
	problems := strings.Join(checkUses(found, loose), "\n")
	for _, want := range []string{"Proxy asks for identification:approve", "Named asks for closure:approve", "authz.SectionTimeline: a decision right used where"} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems lack %q:\n%s", want, problems)
		}
	}
	if strings.Contains(problems, "Fine") {
		t.Errorf("a read right asked for its section is reported:\n%s", problems)
	}
}
