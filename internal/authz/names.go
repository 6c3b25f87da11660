// Package authz decides who may do what: the reviewed role × section × action
// matrix (policies/), the Actor loaded for each request, and the row Scope that
// every store query applies. It is the one place that builds either.
package authz

// Role is a role a user holds in an agency through a directory membership.
type Role string

// Roles of DESIGN.md §2.
const (
	RoleCaseworker   Role = "caseworker"
	RoleSupervisor   Role = "supervisor"
	RoleInvestigator Role = "investigator"
	// RolePoliceSupervisor is the matrix row of a supervisor membership at a police agency: it is
	// never stored in a membership (the directory holds "supervisor"); Actor.Can maps to it, so a
	// police supervisor approves and assigns like a supervisor but, like an investigator, never
	// reads psychosocial or medical notes.
	RolePoliceSupervisor Role = "police_supervisor"
	RoleCountryAdmin     Role = "country_admin"
	RoleAuditor          Role = "auditor"
	RoleAnalyst          Role = "analyst"
	RoleEmbassyOfficer   Role = "embassy_officer"
	RoleNGOWorker        Role = "ngo_worker"
)

// MembershipRoles are the roles a directory membership can hold: every role but the matrix-only
// police_supervisor.
var MembershipRoles = []Role{
	RoleCaseworker, RoleSupervisor, RoleInvestigator, RoleCountryAdmin,
	RoleAuditor, RoleAnalyst, RoleEmbassyOfficer, RoleNGOWorker,
}

// AllRoles lists every role, in the order the matrix shows them.
var AllRoles = []Role{
	RoleCaseworker, RoleSupervisor, RoleInvestigator, RolePoliceSupervisor, RoleCountryAdmin,
	RoleAuditor, RoleAnalyst, RoleEmbassyOfficer, RoleNGOWorker,
}

// Section is a part of the system gated by role: a section of a case or an
// area of the application.
type Section string

// Sections of the matrix.
const (
	// SectionCases is the case core: list, intake (create), stage transitions.
	SectionCases Section = "cases"
	// SectionIdentity is the person's identity and documents.
	SectionIdentity Section = "identity"
	// SectionScreening is the screening interview, indicators and narrative.
	SectionScreening Section = "screening"
	// SectionInvestigation is the police section: victim-or-suspect status,
	// non-punishment decision, willingness to testify.
	SectionInvestigation Section = "investigation"
	// SectionPsychosocial is psychosocial notes and services.
	SectionPsychosocial Section = "psychosocial"
	// SectionMedical is medical needs and notes.
	SectionMedical Section = "medical"
	// SectionRepatriation is return preparation and handover.
	SectionRepatriation Section = "repatriation"
	// SectionReferral is referrals to service providers.
	SectionReferral Section = "referral"
	// SectionConsent is the consent ledger.
	SectionConsent Section = "consent"
	// SectionAttachments is attachment metadata and contents.
	SectionAttachments Section = "attachments"
	// SectionNotes is general case notes.
	SectionNotes Section = "notes"
	// SectionLegalStatus is the bare fact that a legal status exists, without
	// the investigation section's content.
	SectionLegalStatus Section = "legal_status"
	// SectionIdentification is the supervisor's decision on a proposed victim identification
	// (identification:approve: approve or return it). Reading decisions is the screening section.
	SectionIdentification Section = "identification"
	// SectionClosure is the decision to close a case (closure:approve: approve or return a closure
	// request, move a case to closed) and to reopen a closed one (closure:reopen).
	SectionClosure Section = "closure"
	// SectionPersons is the person records behind cases (persons:merge: merge two records of one
	// person). Reading and editing a person is the identity section.
	SectionPersons Section = "persons"
	// SectionTimeline is a case's audit trail, shown on the case (timeline:read).
	SectionTimeline Section = "timeline"
	// SectionOverdue is the list of overdue repatriation steps across the agency's cases
	// (overdue:read).
	SectionOverdue Section = "overdue"
	// SectionTeam is assigning cases and managing the case team.
	SectionTeam Section = "team"
	// SectionInbox is packets addressed to the actor's agency.
	SectionInbox Section = "inbox"
	// SectionPackets is preparing and sending packets from a case.
	SectionPackets Section = "packets"
	// SectionDirectory is the users and agencies of the country.
	SectionDirectory Section = "directory"
	// SectionAudit is the store's audit log.
	SectionAudit Section = "audit"
	// SectionReports is aggregate reports.
	SectionReports Section = "reports"
	// SectionOperations is rescue operations (raids) and the bulk intake of the people they bring in.
	SectionOperations Section = "operations"
	// SectionExports is exporting case lists (supervisors): only the fields the role may read.
	SectionExports Section = "exports"
	// SectionServices is the help a person gets: shelter, medical, legal aid and the rest, with
	// provider, status, dates and outcome.
	SectionServices Section = "services"
	// SectionReintegration is the plan and follow-up visits after the return home.
	SectionReintegration Section = "reintegration"
	// SectionSelf is the actor's own account: preferences, sign-out, "me".
	SectionSelf Section = "self"
)

// AllSections lists every section, in the order the matrix shows them.
var AllSections = []Section{
	SectionCases, SectionIdentity, SectionScreening, SectionInvestigation,
	SectionPsychosocial, SectionMedical, SectionRepatriation, SectionReferral,
	SectionConsent, SectionAttachments, SectionNotes, SectionLegalStatus,
	SectionIdentification, SectionClosure, SectionPersons, SectionTimeline, SectionOverdue,
	SectionTeam, SectionInbox, SectionPackets,
	SectionDirectory, SectionAudit, SectionReports, SectionOperations, SectionExports, SectionServices, SectionReintegration, SectionSelf,
}

// Action is what an actor does to a section.
type Action string

// Actions of the matrix.
const (
	ActionRead    Action = "read"
	ActionWrite   Action = "write"
	ActionApprove Action = "approve"
	// ActionMerge is merging two records into one (persons).
	ActionMerge Action = "merge"
	// ActionOverride is acting without what is normally required: sending a packet without the
	// consent its purpose needs (consent), with a written reason.
	ActionOverride Action = "override"
	// ActionReopen is reopening what was closed (closure).
	ActionReopen Action = "reopen"
)

// AllActions lists every action, in the order the matrix shows them.
var AllActions = []Action{ActionRead, ActionWrite, ActionApprove, ActionMerge, ActionOverride, ActionReopen}

func knownRole(s string) bool {
	for _, r := range AllRoles {
		if string(r) == s {
			return true
		}
	}
	return false
}

func knownSection(s string) bool {
	for _, v := range AllSections {
		if string(v) == s {
			return true
		}
	}
	return false
}

func knownAction(s string) bool {
	for _, v := range AllActions {
		if string(v) == s {
			return true
		}
	}
	return false
}
