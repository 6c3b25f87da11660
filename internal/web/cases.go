package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/problem"
)

type caseListPage struct {
	Base
	Page      *cases.Page
	Q         string
	Stage     string
	Filter    caseFilter // the work-list filters as typed (team.go)
	Stages    []cases.Stage
	NextURL   string
	CanNew    bool
	CanExport bool // may export the filtered list (exports.go)
}

func (s *Server) caseList(c echo.Context) error {
	a, f := actorOf(c), readCaseFilter(c)
	q, err := f.query(a)
	var page *cases.Page
	if err == nil {
		page, err = s.Cases.List(c.Request().Context(), a, q)
	}
	if err != nil {
		if _, ok := problem.AsInvalid(err); !ok {
			return err
		}
		// A bad filter or cursor from an old link: show the first page without it.
		f = caseFilter{Q: f.Q}
		page, err = s.Cases.List(c.Request().Context(), a, cases.ListQuery{Q: f.Q})
		if err != nil {
			return err
		}
	}
	v := caseListPage{Base: s.base(c), Page: page, Q: f.Q, Stage: f.Stage, Filter: f, Stages: cases.Stages,
		CanNew:    a.Can(authz.SectionCases, authz.ActionWrite) && a.Can(authz.SectionIdentity, authz.ActionWrite),
		CanExport: a.Can(authz.SectionExports, authz.ActionRead)}
	if page.NextCursor != "" {
		v.NextURL = f.link(page.NextCursor)
	}
	return s.render(c, http.StatusOK, "cases", v)
}

type caseViewPage struct {
	Base
	Tabs   caseTabs
	View   *cases.View
	Error  string
	To     string // the typed transition, kept after an error
	Reason string
	Merge  mergeForm         // the merge form as typed, kept after an error (persons.go)
	Errors map[string]string // the stage form's field messages ("to", "reason")
}

// Summary is the stage form's error summary: every message, linked to its field.
func (p caseViewPage) Summary() ErrorSummary {
	return errorSummary(p.L, p.L.T("form.fix_errors"), p.Errors, "to:case.move_to", "reason:case.reason")
}

func (s *Server) caseView(c echo.Context) error {
	v, err := s.Cases.Get(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "case_view", caseViewPage{Base: s.base(c), Tabs: tabsFor(c, v.Case.ID, ""), View: v, To: offeredMove(c, v)})
}

// transition moves the case; on a refusal or a stale version it shows the case again, as it is
// now, with the message and what the user typed.
func (s *Server) transition(c echo.Context) error {
	ctx, a, id := c.Request().Context(), actorOf(c), c.Param("id")
	version, _ := strconv.Atoi(c.FormValue("version"))
	in := cases.TransitionInput{To: cases.Stage(c.FormValue("to")), Reason: c.FormValue("reason"), Version: version}
	_, err := s.Cases.Transition(ctx, a, id, in)
	if err == nil {
		return s.doneNext(c, "/cases/"+id, flashNote{Key: "flash.stage_moved", Params: map[string]string{"Stage": "stage." + string(in.To)}})
	}
	status, _ := classify(err)
	if status != http.StatusConflict && status != http.StatusUnprocessableEntity {
		return err
	}
	v, gerr := s.Cases.Get(ctx, a, id)
	if gerr != nil {
		return gerr
	}
	b := s.base(c)
	page := caseViewPage{Base: b, Tabs: tabsFor(c, v.Case.ID, ""), View: v, To: string(in.To), Reason: in.Reason, Error: b.L.T("error.conflict")}
	if _, ok := problem.AsInvalid(err); ok {
		page.Error, page.Errors = "", translate(b.L, err)
	}
	return s.render(c, status, "case_view", page)
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
