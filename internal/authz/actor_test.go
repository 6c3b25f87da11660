package authz

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestActorCanRequire(t *testing.T) {
	p := loadTestPolicy(t)
	tests := []struct {
		name  string
		actor *Actor
		sec   Section
		act   Action
		want  bool
	}{
		{"caseworker reads screening", &Actor{Roles: []Role{RoleCaseworker}, Policy: p}, SectionScreening, ActionRead, true},
		{"investigator reads no medical", &Actor{Roles: []Role{RoleInvestigator}, Policy: p}, SectionMedical, ActionRead, false},
		{"any role suffices", &Actor{Roles: []Role{RoleInvestigator, RoleSupervisor}, Policy: p}, SectionMedical, ActionRead, true},
		{"roles combine", &Actor{Roles: []Role{RoleInvestigator, RoleSupervisor}, Policy: p}, SectionInvestigation, ActionWrite, true},
		{"no roles", &Actor{Policy: p}, SectionCases, ActionRead, false},
		{"no policy", &Actor{Roles: []Role{RoleSupervisor}}, SectionCases, ActionRead, false},
		{"nil actor", nil, SectionCases, ActionRead, false},
		{"welfare supervisor reads psychosocial", &Actor{Roles: []Role{RoleSupervisor}, AgencyKind: "social_welfare", Policy: p}, SectionPsychosocial, ActionRead, true},
		{"police supervisor reads no psychosocial", &Actor{Roles: []Role{RoleSupervisor}, AgencyKind: "police", Policy: p}, SectionPsychosocial, ActionRead, false},
		{"police supervisor reads no medical", &Actor{Roles: []Role{RoleSupervisor}, AgencyKind: "police", Policy: p}, SectionMedical, ActionRead, false},
		{"police supervisor closes", &Actor{Roles: []Role{RoleSupervisor}, AgencyKind: "police", Policy: p}, SectionClosure, ActionApprove, true},
		{"police supervisor identifies no victim", &Actor{Roles: []Role{RoleSupervisor}, AgencyKind: "police", Policy: p}, SectionIdentification, ActionApprove, false},
		{"welfare supervisor identifies", &Actor{Roles: []Role{RoleSupervisor}, AgencyKind: "social_welfare", Policy: p}, SectionIdentification, ActionApprove, true},
		{"police supervisor reads investigation", &Actor{Roles: []Role{RoleSupervisor}, AgencyKind: "police", Policy: p}, SectionInvestigation, ActionRead, true},
		{"embassy reads no cases", &Actor{Roles: []Role{RoleEmbassyOfficer}, Policy: p}, SectionCases, ActionRead, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.actor.Can(tt.sec, tt.act); got != tt.want {
				t.Errorf("Can(%s, %s) = %v, want %v", tt.sec, tt.act, got, tt.want)
			}
			err := tt.actor.Require(tt.sec, tt.act)
			if tt.want && err != nil {
				t.Errorf("Require(%s, %s) = %v, want nil", tt.sec, tt.act, err)
			}
			if !tt.want && !errors.Is(err, ErrNotFound) {
				t.Errorf("Require(%s, %s) = %v, want an error wrapping ErrNotFound", tt.sec, tt.act, err)
			}
		})
	}
}

func TestHasStore(t *testing.T) {
	tests := []struct {
		name  string
		actor *Actor
		want  bool
	}{
		{"social welfare TH", &Actor{AgencyKind: "social_welfare", Country: "TH"}, true},
		{"embassy", &Actor{AgencyKind: "embassy"}, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.actor.HasStore(); got != tt.want {
				t.Errorf("HasStore() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestScopeFor(t *testing.T) {
	tests := []struct {
		name    string
		actor   *Actor
		want    Scope
		wantErr bool
	}{
		{"store agency", &Actor{AgencyID: "a1", Country: "KH"}, Scope{Country: "KH", AgencyID: "a1"}, false},
		{"no country", &Actor{AgencyID: "a2", AgencyKind: "ngo"}, Scope{}, true},
		{"no agency", &Actor{Country: "TH"}, Scope{}, true},
		{"nil actor", nil, Scope{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ScopeFor(tt.actor)
			if tt.wantErr != (err != nil) {
				t.Fatalf("ScopeFor error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrNotFound) {
				t.Errorf("ScopeFor error = %v, want it to wrap ErrNotFound", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ScopeFor (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCaseFilter(t *testing.T) {
	s := Scope{Country: "TH", AgencyID: "agency-1"}
	tests := []struct {
		alias, wantCond string
	}{
		{"c", "(c.owner_agency_id = ? OR EXISTS (SELECT 1 FROM case_team ct WHERE ct.case_id = c.id AND ct.agency_id = ?))"},
		{"cases", "(cases.owner_agency_id = ? OR EXISTS (SELECT 1 FROM case_team ct WHERE ct.case_id = cases.id AND ct.agency_id = ?))"},
	}
	for _, tt := range tests {
		t.Run(tt.alias, func(t *testing.T) {
			cond, args := s.CaseFilter(tt.alias)
			if diff := cmp.Diff(tt.wantCond, cond); diff != "" {
				t.Errorf("condition (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]any{"agency-1", "agency-1"}, args); diff != "" {
				t.Errorf("args (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCaseFilterRefusesAlias(t *testing.T) {
	for _, alias := range []string{"", "ct", "c; DROP TABLE cases", "C", "1c"} {
		t.Run(alias, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("CaseFilter(%q) did not panic", alias)
				}
			}()
			Scope{AgencyID: "a"}.CaseFilter(alias)
		})
	}
}

func TestMembershipRolesAreAllButPoliceSupervisor(t *testing.T) {
	var want []Role
	for _, r := range AllRoles {
		if r != RolePoliceSupervisor {
			want = append(want, r)
		}
	}
	if d := cmp.Diff(want, MembershipRoles); d != "" {
		t.Errorf("MembershipRoles (-want +got):\n%s", d)
	}
}
