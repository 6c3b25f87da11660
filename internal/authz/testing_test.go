package authz

import "testing"

// loadTestPolicy loads the embedded policy or fails the test.
func loadTestPolicy(tb testing.TB) *Policy {
	tb.Helper()
	p, err := LoadPolicy()
	if err != nil {
		tb.Fatalf("LoadPolicy: %v", err)
	}
	return p
}

// caseSections are the sections holding case content or acting on cases.
var caseSections = []Section{
	SectionCases, SectionIdentity, SectionScreening, SectionInvestigation,
	SectionPsychosocial, SectionMedical, SectionRepatriation, SectionReferral,
	SectionConsent, SectionAttachments, SectionNotes, SectionLegalStatus,
	SectionIdentification, SectionClosure, SectionPersons, SectionTimeline, SectionOverdue,
	SectionTeam, SectionPackets,
}
