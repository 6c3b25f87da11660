package audit

import "homeward/internal/authz"

// The actions every audit row is written with, one line each: its name and the section its detail
// is about. The case timeline shows a row only to a reader of that section (a note's row carries
// its class's section through In). A new audited step declares its action here; a test fails on
// an action without a section and on an audit write that names no declared action.

// Cases, persons and the case team (store). The team is read by whoever reads the case (the team
// section is the right to change it), so its rows belong to cases.
var (
	CaseIntake       = Define("case.intake", authz.SectionCases)
	CaseLink         = Define("case.link", authz.SectionCases)
	CaseList         = Define("case.list", authz.SectionCases)
	CaseRead         = Define("case.read", authz.SectionCases)
	CaseTransition   = Define("case.transition", authz.SectionCases)
	CaseExport       = Define("case.export", authz.SectionExports)
	CaseTimelineRead = Define("case.timeline.read", authz.SectionCases)
	CasePersonMerged = Define("case.person_merged", authz.SectionIdentity)
	PersonMerge      = Define("person.merge", authz.SectionIdentity)
	PersonDuplicates = Define("person.duplicates", authz.SectionIdentity)
	CaseTeamRead     = Define("case.team.read", authz.SectionCases)
	CaseAssign       = Define("case.assign", authz.SectionCases)
	CaseTeamAdd      = Define("case.team.add", authz.SectionCases)
	CaseTeamRemove   = Define("case.team.remove", authz.SectionCases)
	DashboardRead    = Define("dashboard.read", authz.SectionCases)
)

// Closure (store).
var (
	ClosureRead    = Define("closure.read", authz.SectionCases)
	ClosureRequest = Define("closure.request", authz.SectionCases)
	ClosureApprove = Define("closure.approve", authz.SectionCases)
	ClosureReturn  = Define("closure.return", authz.SectionCases)
	ClosureReopen  = Define("closure.reopen", authz.SectionCases)
)

// Screening, identification, investigation, consent (store).
var (
	ScreeningRead           = Define("screening.read", authz.SectionScreening)
	ScreeningRecord         = Define("screening.record", authz.SectionScreening)
	ScreeningUpdate         = Define("screening.update", authz.SectionScreening)
	IdentificationPropose   = Define("identification.propose", authz.SectionScreening)
	IdentificationApprove   = Define("identification.approve", authz.SectionScreening)
	IdentificationReturn    = Define("identification.return", authz.SectionScreening)
	InvestigationRead       = Define("investigation.read", authz.SectionInvestigation)
	InvestigationCreate     = Define("investigation.create", authz.SectionInvestigation)
	InvestigationUpdate     = Define("investigation.update", authz.SectionInvestigation)
	LegalStatusRead         = Define("legal_status.read", authz.SectionLegalStatus)
	ConsentRead             = Define("consent.read", authz.SectionConsent)
	ConsentRecord           = Define("consent.record", authz.SectionConsent)
	ConsentWithdraw         = Define("consent.withdraw", authz.SectionConsent)
	AttachmentList          = Define("attachment.list", authz.SectionAttachments)
	AttachmentUpload        = Define("attachment.upload", authz.SectionAttachments)
	AttachmentDownload      = Define("attachment.download", authz.SectionAttachments)
	StoreSealLegacy         = Define("store.seal_legacy", authz.SectionAudit)
	ReportHTCDSExport       = Define("report.htcds_export", authz.SectionExports)
	ComplaintsRead          = Define("complaints.read", authz.SectionReports)
	ComplaintsImport        = Define("complaints.import", authz.SectionReports)
	ReportDashboard         = Define("report.dashboard", authz.SectionReports)
	ReportOperations        = Define("report.operations", authz.SectionReports)
	ReportJoint             = Define("report.joint", authz.SectionReports)
	OperationRead           = Define("operation.read", authz.SectionOperations)
	OperationList           = Define("operation.list", authz.SectionOperations)
	OperationCreate         = Define("operation.create", authz.SectionOperations)
	RepatriationOverdueRead = Define("repatriation.overdue.read", authz.SectionRepatriation)
)

// Notes: a note's rows carry the section of its class (In(class.Section())); a listing writes one
// row per class read, so a reader sees counts of the classes they may read only.
var (
	noteSections = []authz.Section{authz.SectionPsychosocial, authz.SectionMedical, authz.SectionInvestigation}
	NoteList     = Define("note.list", authz.SectionNotes, noteSections...)
	NoteCreate   = Define("note.create", authz.SectionNotes, noteSections...)
	NoteUpdate   = Define("note.update", authz.SectionNotes, noteSections...)
)

// Services, referrals, reintegration, repatriation (store).
var (
	ServicesRead             = Define("services.read", authz.SectionServices)
	ServiceCreate            = Define("service.create", authz.SectionServices)
	ServiceUpdate            = Define("service.update", authz.SectionServices)
	ReferralCreate           = Define("referral.create", authz.SectionReferral)
	ReferralRenew            = Define("referral.renew", authz.SectionReferral)
	ReferralReply            = Define("referral.reply", authz.SectionReferral)
	ReferralReplySkipped     = Define("referral.reply_skipped", authz.SectionReferral)
	ReintegrationRead        = Define("reintegration.read", authz.SectionReintegration)
	ReintegrationPlan        = Define("reintegration.plan", authz.SectionReintegration)
	ReintegrationGoalCreate  = Define("reintegration.goal.create", authz.SectionReintegration)
	ReintegrationGoalUpdate  = Define("reintegration.goal.update", authz.SectionReintegration)
	ReintegrationVisitCreate = Define("reintegration.visit.create", authz.SectionReintegration)
	ReintegrationVisitUpdate = Define("reintegration.visit.update", authz.SectionReintegration)
	RepatriationRead         = Define("repatriation.read", authz.SectionRepatriation)
	RepatriationCreate       = Define("repatriation.create", authz.SectionRepatriation)
	RepatriationUpdate       = Define("repatriation.update", authz.SectionRepatriation)
	RepatriationRequest      = Define("repatriation.request", authz.SectionRepatriation)
	RepatriationApply        = Define("repatriation.apply", authz.SectionRepatriation)
)

// Handover at the border (store and hub): part of return preparation and handover.
var (
	HandoverBatchCreate     = Define("handover.batch.create", authz.SectionRepatriation)
	HandoverBatchAdd        = Define("handover.batch.add", authz.SectionRepatriation)
	HandoverBatchApprove    = Define("handover.batch.approve", authz.SectionRepatriation)
	HandoverBatchRead       = Define("handover.batch.read", authz.SectionRepatriation)
	HandoverBatchAnswer     = Define("handover.batch.answer", authz.SectionRepatriation)
	HandoverCandidatesRead  = Define("handover.candidates.read", authz.SectionRepatriation)
	HandoverRecordRead      = Define("handover.record.read", authz.SectionRepatriation)
	HandoverReceive         = Define("handover.receive", authz.SectionRepatriation)
	HandoverReplyNoted      = Define("handover.reply_noted", authz.SectionRepatriation)
	HandoverHandedOver      = Define("handover.handed_over", authz.SectionRepatriation)
	HandoverDeclined        = Define("handover.declined", authz.SectionRepatriation)
	HandoverPersonWithdrawn = Define("handover.person.withdrawn", authz.SectionRepatriation)
)

// Packets (hub and store): the sender's steps belong to packets, the recipient's to the inbox.
var (
	PacketPrepare       = Define("packet.prepare", authz.SectionPackets)
	PacketApprove       = Define("packet.approve", authz.SectionPackets)
	PacketRead          = Define("packet.read", authz.SectionPackets)
	PacketList          = Define("packet.list", authz.SectionPackets)
	PacketRevoke        = Define("packet.revoke", authz.SectionPackets)
	PacketRevokeForCase = Define("packet.revoke_for_case", authz.SectionPackets)
	PacketExpire        = Define("packet.expire", authz.SectionPackets)
	PacketReplyApplied  = Define("packet.reply_applied", authz.SectionPackets)
	PacketOpen          = Define("packet.open", authz.SectionInbox)
	PacketAccept        = Define("packet.accept", authz.SectionInbox)
	PacketDecline       = Define("packet.decline", authz.SectionInbox)
	PacketReply         = Define("packet.reply", authz.SectionInbox)
	// What the sender's store learns of its packets at each sync (PacketSeen).
	PacketSent     = Define("packet.sent", authz.SectionPackets)
	PacketOpened   = Define("packet.opened", authz.SectionPackets)
	PacketAccepted = Define("packet.accepted", authz.SectionPackets)
	PacketDeclined = Define("packet.declined", authz.SectionPackets)
	PacketRevoked  = Define("packet.revoked", authz.SectionPackets)
	PacketExpired  = Define("packet.expired", authz.SectionPackets)
)

// PacketSeen is the sender-side action for a packet status seen at a sync, or the zero Action
// (refused by Append) for a status without one.
func PacketSeen(status string) Action {
	for _, a := range []Action{PacketSent, PacketOpened, PacketAccepted, PacketDeclined, PacketRevoked, PacketExpired} {
		if a.name == "packet."+status {
			return a
		}
	}
	return Action{}
}

// Sign-in, accounts and the directory (hub).
var (
	AuthSignIn       = Define("auth.signin", authz.SectionDirectory)
	AuthSignInFailed = Define("auth.signin_failed", authz.SectionDirectory)
	AuthSignOut      = Define("auth.signout", authz.SectionSelf)
	UserPreferences  = Define("user.preferences", authz.SectionSelf)
	TokenCreate      = Define("token.create", authz.SectionSelf)
	TokenRevoke      = Define("token.revoke", authz.SectionSelf)
	AgencyCreate     = Define("agency.create", authz.SectionDirectory)
	UserCreate       = Define("user.create", authz.SectionDirectory)
)
