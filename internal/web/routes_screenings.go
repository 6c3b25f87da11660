package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/screening"
)

// screeningRoutes registers the screening section and the identification decision: pages and API.
func (s *Server) screeningRoutes() {
	h := &screeningHandlers{s: s, svc: s.Screening}
	g, p, put := http.MethodGet, http.MethodPost, http.MethodPut
	readScr, writeScr := perm(authz.SectionScreening, read), perm(authz.SectionScreening, write)
	approve := perm(authz.SectionIdentification, authz.ActionApprove)

	s.handle(g, "/cases/:id/screening", h.page, readScr)
	s.handle(g, "/cases/:id/screening/edit", h.editForm, writeScr)
	s.handle(p, "/cases/:id/screening", h.save, writeScr)
	s.handle(p, "/cases/:id/decisions", h.propose, writeScr)
	s.handle(p, "/decisions/:id/approve", h.approve, approve)
	s.handle(p, "/decisions/:id/return", h.reject, approve)

	s.handle(g, "/api/v1/cases/:id/screening", h.apiGet, readScr)
	s.handle(p, "/api/v1/cases/:id/screening", h.apiRecord, writeScr)
	s.handle(put, "/api/v1/cases/:id/screening", h.apiUpdate, writeScr)
	s.handle(p, "/api/v1/cases/:id/decisions", h.apiPropose, writeScr)
	s.handle(p, "/api/v1/decisions/:id/approve", h.apiApprove, approve)
	s.handle(p, "/api/v1/decisions/:id/return", h.apiReturn, approve)
}

// screeningRequest is the JSON body of POST and PUT /api/v1/cases/{id}/screening.
type screeningRequest struct {
	Version       int    `json:"version"`
	InterviewDate string `json:"interview_date"`
	Interviewer   string `json:"interviewer"`
	Interpreter   string `json:"interpreter"`
	Language      string `json:"language"`
	Narrative     string `json:"narrative"`
	Indicators    []struct {
		Indicator string   `json:"indicator"`
		Group     string   `json:"group"` // read-only (the indicator's group), ignored: GET → PUT works
		Answer    string   `json:"answer"`
		Note      string   `json:"note"`
		Channels  []string `json:"channels"`
	} `json:"indicators"`
	Events []struct {
		ID          string `json:"id"` // read-only, ignored: the events are replaced as a whole
		Phase       string `json:"phase"`
		Place       string `json:"place"`
		Country     string `json:"country"`
		DateFrom    string `json:"date_from"`
		DateTo      string `json:"date_to"`
		Description string `json:"description"`
	} `json:"events"`
}

func (r screeningRequest) input() screening.Input {
	in := screening.Input{Version: r.Version, InterviewDate: r.InterviewDate, Interviewer: r.Interviewer,
		Interpreter: r.Interpreter, Language: r.Language, Narrative: r.Narrative}
	for _, a := range r.Indicators {
		in.Indicators = append(in.Indicators, screening.AnswerInput{Indicator: a.Indicator, Answer: a.Answer, Note: a.Note, Channels: a.Channels})
	}
	for _, e := range r.Events {
		in.Events = append(in.Events, screening.EventInput{Phase: e.Phase, Place: e.Place, Country: e.Country,
			DateFrom: e.DateFrom, DateTo: e.DateTo, Description: e.Description})
	}
	return in
}

func (h *screeningHandlers) apiGet(c echo.Context) error {
	v, err := h.svc.Get(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	decisions := make([]map[string]any, 0, len(v.Decisions))
	for i := range v.Decisions {
		decisions = append(decisions, decisionJSON(&v.Decisions[i]))
	}
	out := map[string]any{"case_id": v.CaseID, "reference": v.Reference, "stage": v.Stage, "case_version": v.CaseVersion,
		"minor": v.Minor, "open": v.Open(), "screening": nil, "decisions": decisions}
	if v.Screening != nil {
		out["screening"] = screeningJSON(v.Screening)
	}
	return c.JSON(http.StatusOK, out)
}

func (h *screeningHandlers) apiRecord(c echo.Context) error { return h.apiSave(c, true) }

func (h *screeningHandlers) apiUpdate(c echo.Context) error { return h.apiSave(c, false) }

// screeningReadOnly are the fields of the screening's GET answer (the member "screening" or its
// wrapper) that an update ignores.
var screeningReadOnly = map[string]bool{"id": true, "case_id": true, "created_by": true, "created_at": true,
	"updated_at": true, "reference": true, "stage": true, "case_version": true, "minor": true, "open": true,
	"decisions": true}

func (h *screeningHandlers) apiSave(c echo.Context, create bool) error {
	var r screeningRequest
	decode := decodeJSON
	if !create {
		decode = func(c echo.Context, v any) error { return decodeSectionIn(c, "screening", v, screeningReadOnly) } // api_update.go
	}
	if err := decode(c, &r); err != nil {
		return err
	}
	save, status := h.svc.UpdateScreening, http.StatusOK
	if create {
		save, status = h.svc.RecordScreening, http.StatusCreated
	}
	sc, err := save(c.Request().Context(), actorOf(c), c.Param("id"), r.input())
	if err != nil {
		return err
	}
	return c.JSON(status, screeningJSON(sc))
}

func (h *screeningHandlers) apiPropose(c echo.Context) error {
	var r struct {
		Decision   string `json:"decision"`
		LegalBasis string `json:"legal_basis"`
	}
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	d, err := h.svc.ProposeDecision(c.Request().Context(), actorOf(c), c.Param("id"),
		screening.ProposalInput{Decision: r.Decision, LegalBasis: r.LegalBasis})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, decisionJSON(d))
}

func (h *screeningHandlers) apiApprove(c echo.Context) error { return h.apiReview(c, h.svc.Approve) }

func (h *screeningHandlers) apiReturn(c echo.Context) error { return h.apiReview(c, h.svc.Return) }

func (h *screeningHandlers) apiReview(c echo.Context, do reviewFunc) error {
	var r struct {
		Version int    `json:"version"`
		Comment string `json:"comment"`
	}
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	d, err := do(c.Request().Context(), actorOf(c), c.Param("id"), screening.ReviewInput{Version: r.Version, Comment: r.Comment})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, decisionJSON(d))
}

// screeningJSON is the API form of a screening.
func screeningJSON(sc *screening.Screening) map[string]any {
	groups := map[string]screening.Group{}
	for _, ind := range screening.Indicators {
		groups[ind.Code] = ind.Group
	}
	indicators := make([]map[string]any, 0, len(sc.Indicators))
	for _, a := range sc.Indicators {
		channels := []string(a.Channels)
		if channels == nil {
			channels = []string{}
		}
		indicators = append(indicators, map[string]any{"indicator": a.Indicator, "group": groups[a.Indicator],
			"answer": a.Answer, "note": a.Note, "channels": channels})
	}
	events := make([]map[string]any, 0, len(sc.Events))
	for _, e := range sc.Events {
		events = append(events, map[string]any{"id": e.ID, "phase": e.Phase, "place": e.Place, "country": e.Country,
			"date_from": dateJSON(e.DateFrom), "date_to": dateJSON(e.DateTo), "description": e.Description})
	}
	return map[string]any{"id": sc.ID, "case_id": sc.CaseID, "version": sc.Version,
		"interview_date": sc.InterviewDate.Format(time.DateOnly), "interviewer": sc.Interviewer,
		"interpreter": sc.Interpreter, "language": sc.Language, "narrative": sc.Narrative,
		"indicators": indicators, "events": events,
		"created_by": sc.CreatedBy, "created_at": sc.CreatedAt, "updated_at": sc.UpdatedAt}
}

// decisionJSON is the API form of an identification decision.
func decisionJSON(d *screening.Decision) map[string]any {
	return map[string]any{"id": d.ID, "case_id": d.CaseID, "decision": d.Decision, "legal_basis": d.LegalBasis,
		"status": d.Status, "proposed_by": d.ProposedBy, "proposed_at": d.ProposedAt,
		"decided_by": d.DecidedBy, "decided_at": d.DecidedAt, "comment": d.Comment, "version": d.Version}
}

func dateJSON(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format(time.DateOnly)
}
