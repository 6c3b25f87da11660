package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/crossmatch"
	"homeward/internal/exchange"
	"homeward/internal/problem"
)

// linkageRow is one possible match as the page shows it.
type linkageRow struct {
	ID, CaseID, CaseRef, Score, OtherAgency, OtherCountry string
	Document                                              bool
	FoundAt                                               time.Time
	Asked, OtherAsked                                     bool
	Open                                                  bool   // not answered: the answers are offered
	State                                                 string // crossmatch.State*
	StateText                                             string // where it stands, in the user's language
}

// linkagePage is the page of possible matches in the other country.
type linkagePage struct {
	Base
	Rows        []linkageRow
	CaseID      string // the list of one case (?case=)
	Closed      bool   // the answered ones (?state=closed)
	OpenURL     string
	ClosedURL   string
	NextURL     string
	CanOverride bool
	Reason      string
	Errors      map[string]string
	Error       string
	// AskID and Override: the candidate whose question was refused and the override typed for it.
	AskID, Override string
}

// candidates lists a page of the actor's candidates, of one case when caseID is set.
func (s *Server) candidates(c echo.Context, f crossmatch.Filter) (*crossmatch.CandidatePage, error) {
	return s.Linkage.Page(c.Request().Context(), actorOf(c), f)
}

func (s *Server) linkageList(c echo.Context) error {
	return s.renderLinkage(c, http.StatusOK, c.QueryParam("case"), linkagePage{})
}

// linkageURL is the list's address with the case, state and cursor given.
func linkageURL(caseID, state, cursor string) string {
	q := url.Values{}
	if caseID != "" {
		q.Set("case", caseID)
	}
	if state == crossmatch.FilterClosed {
		q.Set("state", state)
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if len(q) == 0 {
		return "/linkage"
	}
	return "/linkage?" + q.Encode()
}

// renderLinkage renders the list (of one case when caseID is set; open or closed as ?state= says,
// from ?cursor=) with the form state of page.
func (s *Server) renderLinkage(c echo.Context, status int, caseID string, page linkagePage) error {
	f := crossmatch.Filter{CaseID: caseID, State: c.QueryParam("state"), Cursor: c.QueryParam("cursor")}
	list, err := s.candidates(c, f)
	if err != nil {
		return err
	}
	page.Base, page.CaseID = s.base(c), caseID
	page.Closed = f.State == crossmatch.FilterClosed
	page.OpenURL, page.ClosedURL = linkageURL(caseID, "", ""), linkageURL(caseID, crossmatch.FilterClosed, "")
	if list.NextCursor != "" {
		page.NextURL = linkageURL(caseID, f.State, list.NextCursor)
	}
	page.CanOverride = caseID != "" && page.Actor.Can(authz.SectionPersons, authz.ActionOverride)
	l := page.L
	for i := range list.Items {
		m := &list.Items[i]
		page.Rows = append(page.Rows, linkageRow{ID: m.ID, CaseID: m.CaseID, CaseRef: m.CaseRef,
			Score: strconv.FormatFloat(m.Score, 'f', 2, 64), OtherAgency: m.OtherAgency.Name(l.Lang), OtherCountry: m.OtherCountry,
			Document: m.Document, FoundAt: m.FoundAt, Asked: m.AskedAt != nil, OtherAsked: m.OtherAskedAt != nil,
			Open: m.Open(), State: m.State, StateText: linkageState(l, m)})
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

func (s *Server) apiLinkageList(c echo.Context) error {
	f := crossmatch.Filter{CaseID: c.QueryParam("case_id"), State: c.QueryParam("state"), Cursor: c.QueryParam("cursor")}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return &problem.Invalid{Fields: map[string]string{"limit": "form.error.invalid"}}
		}
		f.Limit = n
	}
	list, err := s.candidates(c, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list)
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

// candidateLink is our side of a possible match a question names; Answered is set once we replied.
type candidateLink struct {
	CaseID, CaseRef string
	Answered        bool
}

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
	done, err := h.s.Linkage.Answered(c.Request().Context(), p.ID)
	return &candidateLink{CaseID: caseID, CaseRef: ref, Answered: err == nil && done}
}

// ErrorSummary is the summary of the refused question (its override linked to the candidate's
// field) or of the override of the person's objection.
func (v linkagePage) ErrorSummary() ErrorSummary {
	if v.AskID != "" {
		return formSummary(v.L, v.Error, v.Errors, "override#override-"+v.AskID+":linkage.ask.override")
	}
	return formSummary(v.L, v.Error, v.Errors, "reason:linkage.override.reason")
}
