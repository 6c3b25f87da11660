package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/crossmatch"
	"homeward/internal/exchange"
)

// linkageRow is one possible match as the page shows it.
type linkageRow struct {
	ID, CaseID, CaseRef, Score, OtherAgency, OtherCountry string
	Document                                              bool
	FoundAt                                               time.Time
	Asked, OtherAsked                                     bool
}

// linkagePage is the page of possible matches in the other country.
type linkagePage struct {
	Base
	Rows        []linkageRow
	CaseID      string // the list of one case (?case=)
	CanOverride bool
	Reason      string
	Errors      map[string]string
	Error       string
	// AskID and Override: the candidate whose question was refused and the override typed for it.
	AskID, Override string
}

// candidates lists the actor's candidates, of one case when caseID is set.
func (s *Server) candidates(c echo.Context, caseID string) ([]crossmatch.Candidate, error) {
	ctx, a := c.Request().Context(), actorOf(c)
	if caseID != "" {
		return s.Linkage.ForCase(ctx, a, caseID)
	}
	return s.Linkage.List(ctx, a)
}

func (s *Server) linkageList(c echo.Context) error {
	return s.renderLinkage(c, http.StatusOK, c.QueryParam("case"), linkagePage{})
}

// renderLinkage renders the list (of one case when caseID is set) with the form state of page.
func (s *Server) renderLinkage(c echo.Context, status int, caseID string, page linkagePage) error {
	list, err := s.candidates(c, caseID)
	if err != nil {
		return err
	}
	page.Base, page.CaseID = s.base(c), caseID
	page.CanOverride = caseID != "" && page.Actor.Can(authz.SectionPersons, authz.ActionOverride)
	lang := page.L.Lang
	for _, m := range list {
		page.Rows = append(page.Rows, linkageRow{ID: m.ID, CaseID: m.CaseID, CaseRef: m.CaseRef,
			Score: strconv.FormatFloat(m.Score, 'f', 2, 64), OtherAgency: m.OtherAgency.Name(lang), OtherCountry: m.OtherCountry,
			Document: m.Document, FoundAt: m.FoundAt, Asked: m.AskedAt != nil, OtherAsked: m.OtherAskedAt != nil})
	}
	return s.render(c, status, "linkage", page)
}

// linkageAnswer runs an answer, then goes back to the list it came from; a refused ask is shown
// on the list with 422.
func (s *Server) linkageAnswer(c echo.Context, answer func() error) error {
	back := c.FormValue("case")
	err := answer()
	if err == nil {
		if back != "" {
			return redirect(c, "/linkage?case="+back)
		}
		return redirect(c, "/linkage")
	}
	status, errs, msg, ok := formFailure(c, err)
	if !ok {
		return err
	}
	if m := errs["candidate"]; m != "" {
		msg = m
		delete(errs, "candidate")
	}
	return s.renderLinkage(c, status, back, linkagePage{Error: msg, Errors: errs, AskID: c.Param("id"), Override: c.FormValue("override")})
}

func (s *Server) linkageNotSame(c echo.Context) error {
	return s.linkageAnswer(c, func() error {
		return s.Linkage.NotSame(c.Request().Context(), actorOf(c), c.Param("id"))
	})
}

func (s *Server) linkageAsk(c echo.Context) error {
	return s.linkageAnswer(c, func() error {
		_, err := s.Linkage.Ask(c.Request().Context(), actorOf(c), c.Param("id"), crossmatch.AskInput{Override: c.FormValue("override")})
		return err
	})
}

func (s *Server) linkageOverride(c echo.Context) error {
	id := c.Param("id")
	in := crossmatch.OverrideInput{Reason: c.FormValue("reason")}
	err := s.Linkage.Override(c.Request().Context(), actorOf(c), id, in)
	if err == nil {
		return redirect(c, "/linkage?case="+id)
	}
	status, errs, msg, ok := formFailure(c, err)
	if !ok {
		return err
	}
	return s.renderLinkage(c, status, id, linkagePage{Reason: in.Reason, Errors: errs, Error: msg})
}

// linkageList is the body of GET /api/v1/linkage/candidates.
type linkageList struct {
	Items []crossmatch.Candidate `json:"items"`
}

func (s *Server) apiLinkageList(c echo.Context) error {
	list, err := s.candidates(c, c.QueryParam("case_id"))
	if err != nil {
		return err
	}
	if list == nil {
		list = []crossmatch.Candidate{}
	}
	return c.JSON(http.StatusOK, linkageList{Items: list})
}

func (s *Server) apiLinkageNotSame(c echo.Context) error {
	if err := s.Linkage.NotSame(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiLinkageAsk prepares the question to the other side (an optional JSON body carries the
// override reason): 201 with the packet, pending another supervisor's approval.
func (s *Server) apiLinkageAsk(c echo.Context) error {
	var in crossmatch.AskInput
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	p, err := s.Linkage.Ask(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

func (s *Server) apiLinkageOverride(c echo.Context) error {
	var in crossmatch.OverrideInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.Linkage.Override(c.Request().Context(), actorOf(c), c.Param("id"), in); err != nil {
		return err
	}
	return c.NoContent(http.StatusCreated)
}

// candidateLink is our side of a possible match a question names.
type candidateLink struct{ CaseID, CaseRef string }

// candidateOf is our side of the possible match a question (linkage_ask) names, when the actor may
// see it; nil otherwise.
func (h packetHandlers) candidateOf(c echo.Context, p *exchange.Packet) *candidateLink {
	id, _ := p.Payload["candidate"].(string)
	if p.Kind != crossmatch.KindAsk || id == "" {
		return nil
	}
	caseID, ref, err := h.s.Linkage.Ours(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return nil
	}
	return &candidateLink{CaseID: caseID, CaseRef: ref}
}

// ErrorSummary is the summary of the refused question (its override linked to the candidate's
// field) or of the override of the person's objection.
func (v linkagePage) ErrorSummary() ErrorSummary {
	if v.AskID != "" {
		return formSummary(v.L, v.Error, v.Errors, "override#override-"+v.AskID+":linkage.ask.override")
	}
	return formSummary(v.L, v.Error, v.Errors, "reason:linkage.override.reason")
}
