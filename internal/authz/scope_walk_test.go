package authz

import (
	"strings"
	"testing"
)

func TestCaseFilterPerRow(t *testing.T) {
	s := Scope{Country: "TH", AgencyID: "agency-1"}
	cond, args := s.CaseFilterPerRow("c")
	base, baseArgs := s.CaseFilter("c")
	if want := strings.Replace(base, "ct.agency_id = ?)", "ct.agency_id = ? OFFSET 0)", 1); cond != want {
		t.Errorf("cond = %q, want %q", cond, want)
	}
	if len(args) != 2 || args[0] != baseArgs[0] || args[1] != baseArgs[1] {
		t.Errorf("args = %v, want %v", args, baseArgs)
	}
	for _, alias := range []string{"ct", "c; DROP TABLE cases", ""} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("CaseFilterPerRow(%q) did not panic", alias)
				}
			}()
			s.CaseFilterPerRow(alias)
		}()
	}
}
