package web

import (
	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/locale"
)

// caseTab is one section page of a case, shown when the actor may read its section.
type caseTab struct {
	path    string // appended to /cases/{id}
	label   string // i18n key
	section authz.Section
	action  authz.Action
}

// caseSections are the section pages of a case, in the order the tabs show them.
var caseSections = []caseTab{
	{"", "case.tab.overview", authz.SectionCases, authz.ActionRead},
	{"/screening", "case.tab.screening", authz.SectionScreening, authz.ActionRead},
	{"/investigation", "case.tab.investigation", authz.SectionInvestigation, authz.ActionRead},
	{"/legal-status", "case.tab.legal_status", authz.SectionLegalStatus, authz.ActionRead},
	{"/notes", "case.tab.notes", authz.SectionNotes, authz.ActionRead},
	{"/attachments", "case.tab.attachments", authz.SectionAttachments, authz.ActionRead},
	{"/consents", "case.tab.consents", authz.SectionConsent, authz.ActionRead},
	{"/repatriation", "case.tab.repatriation", authz.SectionRepatriation, authz.ActionRead},
	{"/packets", "case.tab.packets", authz.SectionPackets, authz.ActionRead},
	{"/services", "case.tab.services", authz.SectionServices, authz.ActionRead},
	{"/reintegration", "case.tab.reintegration", authz.SectionReintegration, authz.ActionRead},
	{"/closure", "case.tab.closure", authz.SectionCases, authz.ActionRead},
	{"/team", "case.tab.team", authz.SectionCases, authz.ActionRead},
	{"/timeline", "case.tab.timeline", authz.SectionTimeline, authz.ActionRead},
}

// caseTabs is the view model of the "case_tabs" partial.
type caseTabs struct {
	L     *locale.Localizer
	Items []NavItem
}

// tabsFor lists the case's section pages the actor may read, marking current (a path of caseSections).
func tabsFor(c echo.Context, caseID, current string) caseTabs {
	a, l := actorOf(c), localizerOf(c)
	out := caseTabs{L: l}
	for _, t := range caseSections {
		// Investigators see the investigation itself; the bare legal-status page is for the others.
		if t.section == authz.SectionLegalStatus && a.Can(authz.SectionInvestigation, authz.ActionRead) {
			continue
		}
		if a.Can(t.section, t.action) {
			out.Items = append(out.Items, NavItem{Href: "/cases/" + caseID + t.path, Label: l.T(t.label), Current: t.path == current})
		}
	}
	return out
}
