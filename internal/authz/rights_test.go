package authz

import (
	"slices"
	"testing"
)

// TestSplitRightHolders is the reviewed table of who holds each right that once was "approvals":
// every other role is refused (not found). A change here is a policy decision (policies/policy.csv).
func TestSplitRightHolders(t *testing.T) {
	p := loadTestPolicy(t)
	welfare := []Role{RoleSupervisor}
	both := []Role{RoleSupervisor, RolePoliceSupervisor}
	for _, tt := range []struct {
		right   Right
		holders []Role
	}{
		{Right{SectionIdentification, ActionApprove}, welfare},
		{Right{SectionPackets, ActionApprove}, welfare},
		{Right{SectionConsent, ActionOverride}, welfare},
		{Right{SectionClosure, ActionApprove}, both},
		{Right{SectionClosure, ActionReopen}, both},
		{Right{SectionPersons, ActionMerge}, both},
		{Right{SectionPersons, ActionOverride}, welfare},
		{Right{SectionTimeline, ActionRead}, both},
		{Right{SectionOverdue, ActionRead}, welfare},
	} {
		t.Run(tt.right.String(), func(t *testing.T) {
			for _, r := range AllRoles {
				if got, want := p.Allowed(r, tt.right.Section, tt.right.Action), slices.Contains(tt.holders, r); got != want {
					t.Errorf("%s holds %s = %v, want %v", r, tt.right, got, want)
				}
			}
		})
	}
	// Through a membership: a supervisor at a police agency is a police supervisor.
	police := &Actor{Roles: []Role{RoleSupervisor}, AgencyKind: "police", Policy: p}
	if police.Can(SectionIdentification, ActionApprove) || !police.Can(SectionClosure, ActionApprove) {
		t.Error("a police supervisor membership approves identification, or closes no case")
	}
}
