package authz

import "testing"

func BenchmarkAllowed(b *testing.B) {
	p := loadTestPolicy(b)
	for b.Loop() {
		p.Allowed(RoleSupervisor, SectionReferral, ActionWrite)
	}
}

func BenchmarkEnforce(b *testing.B) {
	p := loadTestPolicy(b)
	for b.Loop() {
		if _, err := p.Enforce("supervisor", "referral", "write"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkActorRequire(b *testing.B) {
	a := &Actor{Roles: []Role{RoleInvestigator, RoleSupervisor}, Policy: loadTestPolicy(b)}
	for b.Loop() {
		if err := a.Require(SectionReferral, ActionWrite); err != nil {
			b.Fatal(err)
		}
	}
}
