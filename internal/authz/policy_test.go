package authz

import (
	"fmt"
	"strings"
	"testing"

	"homeward/policies"
)

func TestAllowed(t *testing.T) {
	p := loadTestPolicy(t)
	tests := []struct {
		role Role
		sec  Section
		act  Action
		want bool
	}{
		// caseworker: the victim-support sections, no investigation.
		{RoleCaseworker, SectionScreening, ActionRead, true},
		{RoleCaseworker, SectionScreening, ActionWrite, true},
		{RoleCaseworker, SectionPsychosocial, ActionWrite, true},
		{RoleCaseworker, SectionMedical, ActionRead, true},
		{RoleCaseworker, SectionCases, ActionWrite, true},
		{RoleCaseworker, SectionPackets, ActionWrite, true},
		{RoleCaseworker, SectionLegalStatus, ActionRead, true},
		{RoleCaseworker, SectionLegalStatus, ActionWrite, false},
		{RoleCaseworker, SectionInvestigation, ActionRead, false},
		{RoleCaseworker, SectionInvestigation, ActionWrite, false},
		{RoleCaseworker, SectionIdentification, ActionApprove, false},
		{RoleCaseworker, SectionTeam, ActionWrite, false},
		{RoleCaseworker, SectionReports, ActionRead, false},
		{RoleCaseworker, SectionAudit, ActionRead, false},
		{RoleCaseworker, SectionInbox, ActionRead, false},
		// supervisor: inherits caseworker, approves, assigns, reports.
		{RoleSupervisor, SectionScreening, ActionRead, true},
		{RoleSupervisor, SectionMedical, ActionWrite, true},
		{RoleSupervisor, SectionLegalStatus, ActionRead, true},
		{RoleSupervisor, SectionIdentification, ActionApprove, true},
		{RoleSupervisor, SectionTeam, ActionWrite, true},
		{RoleSupervisor, SectionReports, ActionRead, true},
		{RoleSupervisor, SectionAudit, ActionRead, false},
		{RoleSupervisor, SectionInvestigation, ActionRead, false},
		{RoleSupervisor, SectionDirectory, ActionWrite, false},
		// investigator: intake, identity, investigation; no psychosocial or medical.
		{RoleInvestigator, SectionCases, ActionWrite, true},
		{RoleInvestigator, SectionIdentity, ActionWrite, true},
		{RoleInvestigator, SectionInvestigation, ActionRead, true},
		{RoleInvestigator, SectionInvestigation, ActionWrite, true},
		{RoleInvestigator, SectionScreening, ActionRead, true},
		{RoleInvestigator, SectionScreening, ActionWrite, false},
		{RoleInvestigator, SectionConsent, ActionRead, true},
		{RoleInvestigator, SectionConsent, ActionWrite, false},
		{RoleInvestigator, SectionPsychosocial, ActionRead, false},
		{RoleInvestigator, SectionMedical, ActionRead, false},
		{RoleInvestigator, SectionIdentification, ActionApprove, false},
		// the others: one area each.
		{RoleCountryAdmin, SectionDirectory, ActionRead, true},
		{RoleCountryAdmin, SectionDirectory, ActionWrite, true},
		{RoleAuditor, SectionAudit, ActionRead, true},
		{RoleAuditor, SectionAudit, ActionWrite, false},
		{RoleAnalyst, SectionReports, ActionRead, true},
		{RoleAnalyst, SectionReports, ActionWrite, true}, // imports complaint statistics (aggregates only),
		{RoleEmbassyOfficer, SectionInbox, ActionRead, true},
		{RoleEmbassyOfficer, SectionInbox, ActionWrite, true},
		{RoleNGOWorker, SectionInbox, ActionRead, true},
		{RoleNGOWorker, SectionInbox, ActionWrite, true},
		// unknown names are refused.
		{Role("root"), SectionCases, ActionRead, false},
		{RoleCaseworker, Section("everything"), ActionRead, false},
		{RoleCaseworker, SectionCases, Action("delete"), false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s/%s", tt.role, tt.sec, tt.act), func(t *testing.T) {
			if got := p.Allowed(tt.role, tt.sec, tt.act); got != tt.want {
				t.Errorf("Allowed(%s, %s, %s) = %v, want %v", tt.role, tt.sec, tt.act, got, tt.want)
			}
		})
	}
}

// TestNoCaseContent checks that the roles without case content reach no case
// section by any action, and reach nothing outside their own area.
func TestNoCaseContent(t *testing.T) {
	p := loadTestPolicy(t)
	own := map[Role]Section{
		RoleCountryAdmin:   SectionDirectory,
		RoleAuditor:        SectionAudit,
		RoleAnalyst:        SectionReports,
		RoleEmbassyOfficer: SectionInbox,
		RoleNGOWorker:      SectionInbox,
	}
	for role, area := range own {
		t.Run(string(role), func(t *testing.T) {
			for _, s := range AllSections {
				for _, a := range AllActions {
					if p.Allowed(role, s, a) && s != area && s != SectionSelf {
						t.Errorf("%s may %s %s; want only %s", role, a, s, area)
					}
				}
			}
			for _, s := range caseSections {
				if p.Allowed(role, s, ActionRead) {
					t.Errorf("%s reads case section %s", role, s)
				}
			}
		})
	}
}

// TestEveryNameUsed checks that every role and every section has a grant, so
// no constant is dead.
func TestEveryNameUsed(t *testing.T) {
	p := loadTestPolicy(t)
	for _, r := range AllRoles {
		t.Run(string(r), func(t *testing.T) {
			for _, s := range AllSections {
				for _, a := range AllActions {
					if p.Allowed(r, s, a) {
						return
					}
				}
			}
			t.Errorf("role %s has no grant", r)
		})
	}
	for _, s := range AllSections {
		t.Run(string(s), func(t *testing.T) {
			for _, a := range AllActions {
				if p.anyAllowed(s, a) {
					return
				}
			}
			t.Errorf("section %s is granted to no role", s)
		})
	}
}

// TestPrecomputedEqualsEnforce checks every precomputed decision against the
// raw Casbin call, for every role, section and action.
func TestPrecomputedEqualsEnforce(t *testing.T) {
	p := loadTestPolicy(t)
	n := 0
	for _, r := range AllRoles {
		for _, s := range AllSections {
			for _, a := range AllActions {
				want, err := p.Enforce(string(r), string(s), string(a))
				if err != nil {
					t.Fatalf("Enforce(%s, %s, %s): %v", r, s, a, err)
				}
				if got := p.Allowed(r, s, a); got != want {
					t.Errorf("Allowed(%s, %s, %s) = %v, Enforce = %v", r, s, a, got, want)
				}
				n++
			}
		}
	}
	if want := len(AllRoles) * len(AllSections) * len(AllActions); n != want {
		t.Errorf("checked %d decisions, want %d", n, want)
	}
}

func TestLoadPolicyRefuses(t *testing.T) {
	tests := []struct {
		name, policy, wantErr string
	}{
		{"unknown role", "p, cook, cases, read\n", `unknown role "cook"`},
		{"unknown section", "p, caseworker, screning, read\n", `unknown section "screning"`},
		{"unknown action", "p, caseworker, cases, delete\n", `unknown action "delete"`},
		{"short grant", "p, caseworker, cases\n", "want p, role, section, action"},
		{"unknown parent", "g, supervisor, boss\n", `unknown role "boss"`},
		{"self inheritance", "g, supervisor, supervisor\n", "inherits itself"},
		{"unknown kind", "x, caseworker, cases, read\n", `unknown line kind "x"`},
		{"duplicate", "p, caseworker, cases, read\n# again\np, caseworker,cases, read\n", "line 3 repeats line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadPolicy(policies.Model, tt.policy)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("loadPolicy error = %v, want containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestNilPolicyRefuses(t *testing.T) {
	var p *Policy
	if p.Allowed(RoleSupervisor, SectionCases, ActionRead) {
		t.Error("nil Policy allowed a request")
	}
}
