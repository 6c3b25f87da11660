package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/locale"
	"homeward/internal/problem"
	"homeward/internal/screening"
)

// screeningHandlers serves the screening section and the identification decision.
type screeningHandlers struct {
	s   *Server
	svc *screening.Service
}

// choice is an option of a select, radio group or checkbox group.
type choice struct {
	Value, Label string
	Selected     bool
}

// indicatorRow is one answered indicator as the page shows it.
type indicatorRow struct {
	Code, Label, Answer, AnswerLabel, Note, Channels string
}

// indicatorGroup is the indicators of one group (recruitment, exploitation, control).
type indicatorGroup struct {
	Label string
	Rows  []indicatorRow
}

// eventRow is one timeline entry as the page shows it.
type eventRow struct {
	PhaseLabel, Place, Country, Description string
	From, To                                *time.Time
}

// decisionRow is one identification decision as the page shows it.
type decisionRow struct {
	screening.Decision
	DecisionLabel, StatusLabel, ProposedByName, DecidedByName string
}

// screeningPage is the screening section of a case.
type screeningPage struct {
	Base
	Tabs      caseTabs
	V         *screening.View
	Groups    []indicatorGroup
	Events    []eventRow
	Narrative []string // paragraphs
	Decisions []decisionRow
	Pending   *decisionRow
	// What the actor may do here.
	CanEdit, CanPropose, CanReview, OwnProposal bool
	DecisionChoices                             []choice
	// Typed input kept after a refusal, and the messages.
	Proposal screening.ProposalInput
	Comment  string
	Error    string
	Errors   map[string]string
}

func (h *screeningHandlers) page(c echo.Context) error {
	return h.renderPage(c, c.Param("id"), http.StatusOK, nil)
}

// renderPage reads the section and renders it with status; edit applies the kept input and messages.
func (h *screeningHandlers) renderPage(c echo.Context, caseID string, status int, edit func(*screeningPage)) error {
	ctx, a := c.Request().Context(), actorOf(c)
	v, err := h.svc.Get(ctx, a, caseID)
	if err != nil {
		return err
	}
	b := h.s.base(c)
	p := screeningPage{Base: b, Tabs: tabsFor(c, v.CaseID, "/screening"), V: v, Errors: map[string]string{}}
	if sc := v.Screening; sc != nil {
		p.Groups = indicatorGroups(b.L, sc.Indicators)
		p.Events = eventRows(b.L, sc.Events)
		p.Narrative = paragraphs(sc.Narrative)
	}
	names := h.names(ctx, b.L, v.Decisions)
	for _, d := range v.Decisions {
		row := decisionRow{Decision: d, DecisionLabel: b.L.T("identification.decision." + d.Decision),
			StatusLabel: b.L.T("identification.status." + d.Status), ProposedByName: names[d.ProposedBy]}
		if d.DecidedBy != nil {
			row.DecidedByName = names[*d.DecidedBy]
		}
		p.Decisions = append(p.Decisions, row)
	}
	for i := range p.Decisions {
		if p.Decisions[i].Status == screening.StatusProposed {
			p.Pending = &p.Decisions[i]
		}
	}
	p.CanEdit = v.Open() && a.Can(authz.SectionScreening, authz.ActionWrite)
	p.CanPropose = p.CanEdit && v.Screening != nil && p.Pending == nil
	if p.Pending != nil && a.Can(authz.SectionIdentification, authz.ActionApprove) {
		p.OwnProposal = p.Pending.ProposedBy == a.UserID
		p.CanReview = !p.OwnProposal
	}
	for _, d := range screening.Decisions {
		p.DecisionChoices = append(p.DecisionChoices, choice{Value: d, Label: b.L.T("identification.decision." + d)})
	}
	if edit != nil {
		edit(&p)
	}
	for i := range p.DecisionChoices {
		p.DecisionChoices[i].Selected = p.DecisionChoices[i].Value == p.Proposal.Decision
	}
	return h.s.render(c, status, "screening", p)
}

// names resolves the users of the decisions to their names, once each.
func (h *screeningHandlers) names(ctx context.Context, l *locale.Localizer, ds []screening.Decision) map[string]string {
	out := map[string]string{}
	add := func(id string) {
		if _, done := out[id]; done {
			return
		}
		out[id] = l.T("identification.unknown_user")
		if u, err := h.s.Directory.User(ctx, id); err == nil {
			out[id] = u.Name
		}
	}
	for _, d := range ds {
		add(d.ProposedBy)
		if d.DecidedBy != nil {
			add(*d.DecidedBy)
		}
	}
	return out
}

// indicatorGroups arranges the answers by group with their labels.
func indicatorGroups(l *locale.Localizer, answers []screening.Answer) []indicatorGroup {
	byCode := map[string]screening.Answer{}
	for _, a := range answers {
		byCode[a.Indicator] = a
	}
	var out []indicatorGroup
	for _, g := range screening.Groups {
		grp := indicatorGroup{Label: l.T("screening.group." + string(g))}
		for _, ind := range screening.Indicators {
			if ind.Group != g {
				continue
			}
			a := byCode[ind.Code]
			if a.Answer == "" {
				a.Answer = screening.AnswerUnknown
			}
			var channels []string
			for _, ch := range a.Channels {
				channels = append(channels, l.T("screening.channel."+ch))
			}
			grp.Rows = append(grp.Rows, indicatorRow{Code: ind.Code, Label: l.T("screening.indicator." + ind.Code),
				Answer: a.Answer, AnswerLabel: l.T("screening.answer." + a.Answer), Note: a.Note, Channels: strings.Join(channels, ", ")})
		}
		out = append(out, grp)
	}
	return out
}

func eventRows(l *locale.Localizer, events []screening.Event) []eventRow {
	out := make([]eventRow, 0, len(events))
	for _, e := range events {
		r := eventRow{PhaseLabel: l.T("screening.phase." + e.Phase), Place: e.Place, Description: e.Description, From: e.DateFrom, To: e.DateTo}
		if e.Country != nil {
			r.Country = *e.Country
		}
		out = append(out, r)
	}
	return out
}

// paragraphs splits a narrative at blank lines and line breaks, for display as text.
func paragraphs(s string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// propose proposes a decision; invalid input shows the page again with the input kept.
func (h *screeningHandlers) propose(c echo.Context) error {
	id := c.Param("id")
	in := screening.ProposalInput{Decision: c.FormValue("decision"), LegalBasis: c.FormValue("legal_basis")}
	_, err := h.svc.ProposeDecision(c.Request().Context(), actorOf(c), id, in)
	if err == nil {
		return h.s.done(c, "/cases/"+id+"/screening", "flash.decision_proposed")
	}
	return h.refused(c, id, err, func(p *screeningPage) { p.Proposal = in })
}

// approve and reject review the pending proposal; a refusal shows the case's page again.
func (h *screeningHandlers) approve(c echo.Context) error {
	return h.review(c, h.svc.Approve, "flash.decision_approved")
}

func (h *screeningHandlers) reject(c echo.Context) error {
	return h.review(c, h.svc.Return, "flash.decision_returned")
}

type reviewFunc func(context.Context, *authz.Actor, string, screening.ReviewInput) (*screening.Decision, error)

func (h *screeningHandlers) review(c echo.Context, do reviewFunc, key string) error {
	version, _ := strconv.Atoi(c.FormValue("version"))
	in := screening.ReviewInput{Version: version, Comment: c.FormValue("comment")}
	d, err := do(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err == nil {
		note := flashNote{Key: key}
		if d.Status == screening.StatusApproved {
			if note.NextHref, note.NextKey, err = h.s.nextAfterDecision(c, d); err != nil {
				return err
			}
		}
		return h.s.doneNext(c, "/cases/"+d.CaseID+"/screening", note)
	}
	// The page to show again is the case's, named by the form; Get checks its scope.
	return h.refused(c, c.FormValue("case_id"), err, func(p *screeningPage) { p.Comment = in.Comment })
}

// refused shows the screening page again with status 422, 409 or 403 and the message, or passes
// any other error on.
func (h *screeningHandlers) refused(c echo.Context, caseID string, err error, keep func(*screeningPage)) error {
	status, _ := classify(err)
	if status != http.StatusUnprocessableEntity && status != http.StatusConflict && status != http.StatusForbidden {
		return err
	}
	return h.renderPage(c, caseID, status, func(p *screeningPage) {
		keep(p)
		switch {
		case errors.Is(err, screening.ErrOwnProposal):
			p.Error = p.L.T("identification.error.own_proposal")
		case status == http.StatusConflict:
			p.Error = p.L.T("error.conflict")
		case status == http.StatusForbidden:
			p.Error = p.L.T("error.forbidden")
		}
		if inv, ok := problem.AsInvalid(err); ok {
			p.Error = p.L.T("form.fix_errors")
			for f, key := range inv.Fields {
				if f == "" {
					p.Error = p.L.T(key)
					continue
				}
				p.Errors[f] = p.L.T(key)
			}
		}
	})
}
