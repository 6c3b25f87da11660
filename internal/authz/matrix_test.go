package authz

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite policies/MATRIX.md from the policy")

// matrixFile is policies/MATRIX.md, relative to this package.
const matrixFile = "../../policies/MATRIX.md"

// TestMatrixFile fails when policies/MATRIX.md differs from the rendered
// policy; with -update it rewrites the file.
func TestMatrixFile(t *testing.T) {
	got, err := RenderMatrix()
	if err != nil {
		t.Fatalf("RenderMatrix: %v", err)
	}
	if *update {
		if err := os.WriteFile(matrixFile, []byte(got), 0o644); err != nil {
			t.Fatalf("write %s: %v", matrixFile, err)
		}
		return
	}
	want, err := os.ReadFile(matrixFile)
	if err != nil {
		t.Fatalf("read %s: %v; regenerate with: %s", matrixFile, err, matrixRegenerate)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); diff != "" {
		t.Errorf("policies/MATRIX.md drifted from the policy; regenerate with: %s\n(-file +policy):\n%s",
			matrixRegenerate, diff)
	}
}

func TestRenderMatrix(t *testing.T) {
	p := loadTestPolicy(t)
	md := p.renderMatrix()
	tests := []struct {
		name, want string
		present    bool
	}{
		{"regenerate command", matrixRegenerate, true},
		{"inheritance", "supervisor inherits caseworker", true},
		{"header", "| section | action | caseworker | supervisor | investigator | police_supervisor | country_admin | auditor | analyst | embassy_officer | ngo_worker |", true},
		{"screening read", "| screening | read | ✓ | ✓ | ✓ | ✓ |  |  |  |  |  |", true},
		{"medical read", "| medical | read | ✓ | ✓ |  |  |  |  |  |  |  |", true},
		{"inbox write", "| inbox | write |  | ✓ |  |  |  |  |  | ✓ | ✓ |", true},
		{"identification approve: welfare supervisor only", "| identification | approve |  | ✓ |  |  |  |  |  |  |  |", true},
		{"closure approve", "| closure | approve |  | ✓ |  | ✓ |  |  |  |  |  |", true},
		{"no read row for a decision-only section", "| identification | read |", false},
		{"audit write, granted to none, still shown", "| audit | write |  |  |  |  |  |  |  |  |  |", true},
		{"approve hidden where no one approves", "| cases | approve |", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Contains(md, tt.want); got != tt.present {
				t.Errorf("matrix contains %q = %v, want %v\n%s", tt.want, got, tt.present, md)
			}
		})
	}
}
