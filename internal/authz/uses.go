package authz

// Right is one question the matrix answers: may a role take action on section.
type Right struct {
	Section Section
	Action  Action
}

func (r Right) String() string { return string(r.Section) + ":" + string(r.Action) }

// Use is one right and the one thing it means (DESIGN.md §2: one right, one meaning). Places, for
// a decision right (an action other than read or write, or a section that is only a decision), are
// every place that asks for it: "package.Func", "package.Type.Method", "package.var" (a table of
// rights) or "template NAME.html". TestUses walks the source and fails on a right asked where its
// row does not list, on a right without a row, and on a right listed twice; a read or write right
// (Places nil) answers "may the actor read (write) this section's own content" wherever it is asked.
type Use struct {
	Right
	Purpose string
	Places  []string
}

// Uses lists every right of the matrix, once, with its purpose.
var Uses = []Use{
	{Right{SectionSelf, ActionRead}, "see one's own account: home, settings, me", nil},
	{Right{SectionSelf, ActionWrite}, "change one's own preferences, sign out", nil},
	{Right{SectionCases, ActionRead}, "list and open the cases of the agency's scope", nil},
	{Right{SectionCases, ActionWrite}, "take a person in, move a case between open stages, ask for closure", nil},
	{Right{SectionIdentity, ActionRead}, "read a person's identity and documents", nil},
	{Right{SectionIdentity, ActionWrite}, "edit a person's identity and documents", nil},
	{Right{SectionScreening, ActionRead}, "read the screening interview and identification decisions", nil},
	{Right{SectionScreening, ActionWrite}, "record the screening and propose an identification decision", nil},
	{Right{SectionInvestigation, ActionRead}, "read the police investigation section", nil},
	{Right{SectionInvestigation, ActionWrite}, "write the police investigation section", nil},
	{Right{SectionPsychosocial, ActionRead}, "read psychosocial notes", nil},
	{Right{SectionPsychosocial, ActionWrite}, "write psychosocial notes", nil},
	{Right{SectionMedical, ActionRead}, "read medical needs and notes", nil},
	{Right{SectionMedical, ActionWrite}, "write medical needs and notes", nil},
	{Right{SectionRepatriation, ActionRead}, "read return preparation and handover batches", nil},
	{Right{SectionRepatriation, ActionWrite}, "prepare a return and handover batches", nil},
	{Right{SectionReferral, ActionRead}, "read referrals to service providers", nil},
	{Right{SectionReferral, ActionWrite}, "refer a person to a service provider", nil},
	{Right{SectionConsent, ActionRead}, "read the consent ledger", nil},
	{Right{SectionConsent, ActionWrite}, "record consent given, refused or withdrawn", nil},
	{Right{SectionAttachments, ActionRead}, "read attachments", nil},
	{Right{SectionAttachments, ActionWrite}, "add attachments", nil},
	{Right{SectionNotes, ActionRead}, "read general case notes", nil},
	{Right{SectionNotes, ActionWrite}, "write general case notes", nil},
	{Right{SectionLegalStatus, ActionRead}, "know that a legal status exists, without the investigation", nil},
	{Right{SectionTeam, ActionWrite}, "assign a case and manage its case team", nil},
	{Right{SectionInbox, ActionRead}, "read packets addressed to the agency", nil},
	{Right{SectionInbox, ActionWrite}, "open, accept or decline packets addressed to the agency", nil},
	{Right{SectionPackets, ActionRead}, "read the packets sent from a case", nil},
	{Right{SectionPackets, ActionWrite}, "prepare and revoke packets from a case", nil},
	{Right{SectionDirectory, ActionRead}, "read the users and agencies of the country", nil},
	{Right{SectionDirectory, ActionWrite}, "administer the users and agencies of the country", nil},
	{Right{SectionAudit, ActionRead}, "read the store's audit log", nil},
	{Right{SectionReports, ActionRead}, "read aggregate figures of the store", nil},
	{Right{SectionReports, ActionWrite}, "import aggregate figures (complaint statistics)", nil},
	{Right{SectionOperations, ActionRead}, "read rescue operations", nil},
	{Right{SectionOperations, ActionWrite}, "record rescue operations and their bulk intake", nil},
	{Right{SectionExports, ActionRead}, "export case lists (only the fields the role reads)", nil},
	{Right{SectionServices, ActionRead}, "read the services a person gets", nil},
	{Right{SectionServices, ActionWrite}, "record the services a person gets", nil},
	{Right{SectionReintegration, ActionRead}, "read the reintegration plan and visits", nil},
	{Right{SectionReintegration, ActionWrite}, "write the reintegration plan and visits", nil},

	// The decisions: each its own right, asked only where listed.
	{Right{SectionIdentification, ActionApprove}, "approve or return a proposed victim-identification decision", []string{
		"screening.Service.review", "web.Server.screeningRoutes", "web.screeningHandlers.renderPage",
		"dashboard.Service.supervisor", "dashboard.supervises", "dashboard.Service.waitingInStore"}},
	{Right{SectionPackets, ActionApprove}, "send a packet a colleague prepared: one, many, or a handover batch", []string{
		"exchange.Service.approveMany", "handover.Service.Approve", "web.Server.packetRoutes", "web.Server.handoverRoutes",
		"web.packetHandlers.rows", "web.handoverHandlers.batchView", "dashboard.Service.supervisor", "dashboard.supervises",
		"dashboard.Service.waitingInStore"}}, // the e-mail digest counts what the dashboard counts
	{Right{SectionConsent, ActionOverride}, "prepare a packet without the consent its purpose needs, with a reason", []string{
		"exchange.heads.consentRule", "web.packetHandlers.renderCase", "web.handoverHandlers.renderForm",
		"web.repatriationHandlers.pageData"}},
	{Right{SectionClosure, ActionApprove}, "approve or return a closure request; move a case to closed", []string{
		"closure.Service.Approve", "closure.Service.Return", "cases.mayMove", "web.Server.supportRoutes",
		"web.closureHandlers.render", "dashboard.Service.supervisor", "dashboard.supervises",
		"dashboard.Service.waitingInStore", "imports.Parsed.checkPicklistRights"}}, // an HTCDS row that opens a closed case
	{Right{SectionClosure, ActionReopen}, "reopen a closed case", []string{
		"closure.Service.Reopen", "cases.mayMove", "web.Server.supportRoutes", "web.closureHandlers.render"}},
	{Right{SectionPersons, ActionMerge}, "decide whether two person records are one person: merge them in the store, or answer a possible match across the border", []string{
		"cases.Service.bindMerge", "web.Server.personRoutes", "template case_view.html",
		"crossmatch.Service.own", "crossmatch.Service.Page", "crossmatch.Service.tokenOfCase", "crossmatch.answered",
		"web.Server.linkageRoutes", "web.packetHandlers.renderPacket"}},
	{Right{SectionPersons, ActionOverride}, "compare a person across the border although they objected to home-country notice, with a reason", []string{
		"crossmatch.Service.Override", "web.Server.renderLinkage", "web.Server.linkageRoutes"}},
	{Right{SectionTimeline, ActionRead}, "read a case's audit trail", []string{
		"cases.Service.Timeline", "web.Server.teamRoutes", "web.caseSections"}},
	{Right{SectionOverdue, ActionRead}, "list overdue work (repatriation steps, follow-up visits) across the agency's cases", []string{
		"repatriation.Service.OverdueFirst", "web.Server.repatriationRoutes", "dashboard.Service.supervisor",
		"dashboard.supervises", "dashboard.overdueSteps", "dashboard.Service.waitingInStore"}},
}

// decisionSection reports whether s is only a decision (no content of its own to read or write).
func decisionSection(s Section) bool {
	switch s {
	case SectionIdentification, SectionClosure, SectionPersons, SectionTimeline, SectionOverdue:
		return true
	}
	return false
}

// decisionRight reports whether r must list its places: an action other than read or write, or
// a right on a decision section.
func decisionRight(r Right) bool {
	return (r.Action != ActionRead && r.Action != ActionWrite) || decisionSection(r.Section)
}
