package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/problem"
)

type caseListPage struct {
	Base
	Page    *cases.Page
	Q       string
	Stage   string
	Stages  []cases.Stage
	NextURL string
	CanNew  bool
}

func (s *Server) caseList(c echo.Context) error {
	a := actorOf(c)
	q := cases.ListQuery{Stage: cases.Stage(c.QueryParam("stage")), Q: c.QueryParam("q"), Cursor: c.QueryParam("cursor")}
	page, err := s.Cases.List(c.Request().Context(), a, q)
	if err != nil {
		if _, ok := problem.AsInvalid(err); !ok {
			return err
		}
		// A bad filter or cursor from an old link: show the first page without it.
		page, err = s.Cases.List(c.Request().Context(), a, cases.ListQuery{Q: q.Q})
		if err != nil {
			return err
		}
		q.Stage = ""
	}
	v := caseListPage{Base: s.base(c), Page: page, Q: q.Q, Stage: string(q.Stage), Stages: cases.Stages,
		CanNew: a.Can(authz.SectionCases, authz.ActionWrite) && a.Can(authz.SectionIdentity, authz.ActionWrite)}
	if page.NextCursor != "" {
		v.NextURL = "/cases?" + url.Values{"q": {q.Q}, "stage": {string(q.Stage)}, "cursor": {page.NextCursor}}.Encode()
	}
	return s.render(c, http.StatusOK, "cases", v)
}

type intakePage struct {
	Base
	In     cases.IntakeInput
	Age    string
	Errors map[string]string // field -> translated message
	Sexes  []string
}

func (s *Server) intakeForm(c echo.Context) error {
	return s.render(c, http.StatusOK, "case_new", intakePage{Base: s.base(c), Sexes: cases.Sexes})
}

func (s *Server) intake(c echo.Context) error {
	in := cases.IntakeInput{
		GivenName: c.FormValue("given_name"), FamilyName: c.FormValue("family_name"), Sex: c.FormValue("sex"),
		BirthDate: c.FormValue("birth_date"), Nationality: c.FormValue("nationality"),
		DocumentNumber: c.FormValue("document_number"), Contact: c.FormValue("contact"),
		Languages: splitList(c.FormValue("languages")), Minor: c.FormValue("minor") == "on",
	}
	age := strings.TrimSpace(c.FormValue("age_estimate"))
	formErr := map[string]string{}
	if age != "" {
		if n, err := strconv.Atoi(age); err == nil {
			in.AgeEstimate = &n
		} else {
			formErr["age_estimate"] = "form.error.number"
		}
	}
	_, cs, err := s.Cases.Intake(c.Request().Context(), actorOf(c), in)
	if err == nil && len(formErr) == 0 {
		return redirect(c, "/cases/"+cs.ID)
	}
	inv, ok := problem.AsInvalid(err)
	if err != nil && !ok {
		return err
	}
	v := intakePage{Base: s.base(c), In: in, Age: age, Sexes: cases.Sexes, Errors: map[string]string{}}
	if inv != nil {
		for f, key := range inv.Fields {
			v.Errors[f] = v.L.T(key)
		}
	}
	for f, key := range formErr {
		v.Errors[f] = v.L.T(key)
	}
	return s.render(c, http.StatusUnprocessableEntity, "case_new", v)
}

type caseViewPage struct {
	Base
	Tabs   caseTabs
	View   *cases.View
	Error  string
	To     string // the typed transition, kept after an error
	Reason string
}

func (s *Server) caseView(c echo.Context) error {
	v, err := s.Cases.Get(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "case_view", caseViewPage{Base: s.base(c), Tabs: tabsFor(c, v.Case.ID, ""), View: v})
}

// transition moves the case; on a refusal or a stale version it shows the case again, as it is
// now, with the message and what the user typed.
func (s *Server) transition(c echo.Context) error {
	ctx, a, id := c.Request().Context(), actorOf(c), c.Param("id")
	version, _ := strconv.Atoi(c.FormValue("version"))
	in := cases.TransitionInput{To: cases.Stage(c.FormValue("to")), Reason: c.FormValue("reason"), Version: version}
	_, err := s.Cases.Transition(ctx, a, id, in)
	if err == nil {
		return redirect(c, "/cases/"+id)
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
	if inv, ok := problem.AsInvalid(err); ok {
		page.Error = ""
		for _, key := range inv.Fields {
			page.Error = strings.TrimSpace(page.Error + " " + b.L.T(key))
		}
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
