package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/reintegration"
)

// reintegrationHandlers serve the reintegration section of a case: plan, goals and follow-up visits.
type reintegrationHandlers struct {
	s   *Server
	svc *reintegration.Service
}

// goalView is a goal as the page shows it.
type goalView struct {
	reintegration.Goal
	StatusLabel string
	Statuses    []sectionOption
}

// visitView is a visit as the page shows it.
type visitView struct {
	reintegration.Visit
	StatusLabel, LocationLabel, RiskLabel string
	Date                                  string
}

// reintegrationPage is the view model of reintegration.html. Form names the form that failed
// ("plan", "goal", "goal:ID", "visit", "visit:ID"); Errors are its field messages.
type reintegrationPage struct {
	Base
	Tabs          caseTabs
	Plan          *reintegration.Plan
	CanWrite      bool
	Goals         []goalView
	Visits        []visitView
	Next          *visitView
	Overdue       []visitView
	GoalStatuses  []sectionOption
	VisitStatuses []sectionOption
	RiskLevels    []sectionOption
	Locations     []sectionOption
	Summary       string
	GoalIn        reintegration.GoalInput
	VisitIn       reintegration.VisitInput
	VisitEdit     reintegration.VisitInput // what was typed on a visit's result form that failed
	Form          string
	Errors        map[string]string
	Error         string
}

func (h reintegrationHandlers) visit(c echo.Context, v reintegration.Visit) visitView {
	l := localizerOf(c)
	out := visitView{Visit: v, StatusLabel: l.T("reintegration.visit_status." + v.Status),
		LocationLabel: l.T("reintegration.location." + v.LocationKind), Date: v.VisitDate.Format(time.DateOnly)}
	if v.RiskLevel != "" {
		out.RiskLabel = l.T("reintegration.risk." + v.RiskLevel)
	}
	return out
}

func (h reintegrationHandlers) render(c echo.Context, status int, v reintegrationPage) error {
	ctx, a := c.Request().Context(), actorOf(c)
	p, err := h.svc.Get(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	b := h.s.base(c)
	l := b.L
	v.Base, v.Tabs, v.Plan = b, tabsFor(c, p.CaseID, "/reintegration"), p
	v.CanWrite = a.Can(authz.SectionReintegration, authz.ActionWrite) && p.Head.Stage != "closed"
	if v.Form != "plan" {
		v.Summary = p.Summary
	}
	for _, g := range p.Goals {
		v.Goals = append(v.Goals, goalView{Goal: g, StatusLabel: l.T("reintegration.goal_status." + g.Status),
			Statuses: sectionOptions(l, "reintegration.goal_status.", reintegration.GoalStatuses, g.Status)})
	}
	for _, vi := range p.Visits {
		v.Visits = append(v.Visits, h.visit(c, vi))
	}
	for _, vi := range p.Overdue {
		v.Overdue = append(v.Overdue, h.visit(c, vi))
	}
	if p.NextVisit != nil {
		n := h.visit(c, *p.NextVisit)
		v.Next = &n
	}
	v.GoalStatuses = sectionOptions(l, "reintegration.goal_status.", reintegration.GoalStatuses, v.GoalIn.Status)
	v.VisitStatuses = sectionOptions(l, "reintegration.visit_status.", reintegration.VisitStatuses, v.VisitIn.Status)
	v.RiskLevels = sectionOptions(l, "reintegration.risk.", reintegration.RiskLevels, v.VisitIn.RiskLevel)
	v.Locations = sectionOptions(l, "reintegration.location.", reintegration.LocationKinds, v.VisitIn.LocationKind)
	return h.s.render(c, status, "reintegration", v)
}

func (h reintegrationHandlers) page(c echo.Context) error {
	return h.render(c, http.StatusOK, reintegrationPage{VisitIn: reintegration.VisitInput{Status: "scheduled"}})
}

// done redirects after a change, or re-renders the page with the failed form's messages.
func (h reintegrationHandlers) done(c echo.Context, err error, v reintegrationPage, key string) error {
	if err == nil {
		return h.s.done(c, "/cases/"+c.Param("id")+"/reintegration", key)
	}
	status, errs, msg, ok := formFailure(c, err)
	if !ok {
		return err
	}
	v.Errors, v.Error = errs, msg
	return h.render(c, status, v)
}

func formVersion(c echo.Context) int {
	n, err := strconv.Atoi(c.FormValue("version"))
	if err != nil {
		return -1
	}
	return n
}

func (h reintegrationHandlers) savePlan(c echo.Context) error {
	in := reintegration.PlanInput{Summary: c.FormValue("summary"), Version: formVersion(c)}
	_, err := h.svc.SavePlan(c.Request().Context(), actorOf(c), c.Param("id"), in)
	return h.done(c, err, reintegrationPage{Form: "plan", Summary: in.Summary}, "flash.plan_saved")
}

func (h reintegrationHandlers) addGoal(c echo.Context) error {
	in := reintegration.GoalInput{Goal: c.FormValue("goal"), Status: c.FormValue("status")}
	_, err := h.svc.AddGoal(c.Request().Context(), actorOf(c), c.Param("id"), in)
	return h.done(c, err, reintegrationPage{Form: "goal", GoalIn: in}, "flash.goal_added")
}

func (h reintegrationHandlers) updateGoal(c echo.Context) error {
	in := reintegration.GoalInput{Goal: c.FormValue("goal"), Status: c.FormValue("status"), Version: formVersion(c)}
	_, err := h.svc.UpdateGoal(c.Request().Context(), actorOf(c), c.Param("id"), c.Param("gid"), in)
	return h.done(c, err, reintegrationPage{Form: "goal:" + c.Param("gid")}, "flash.goal_updated")
}

func visitForm(c echo.Context) reintegration.VisitInput {
	return reintegration.VisitInput{Status: c.FormValue("status"), VisitDate: c.FormValue("visit_date"),
		LocationKind: c.FormValue("location_kind"), Address: c.FormValue("address"), RiskLevel: c.FormValue("risk_level"),
		Outcome: c.FormValue("outcome"), Version: formVersion(c)}
}

func (h reintegrationHandlers) addVisit(c echo.Context) error {
	in := visitForm(c)
	in.Version = 0
	_, err := h.svc.AddVisit(c.Request().Context(), actorOf(c), c.Param("id"), in)
	return h.done(c, err, reintegrationPage{Form: "visit", VisitIn: in}, "flash.visit_added")
}

func (h reintegrationHandlers) updateVisit(c echo.Context) error {
	in := visitForm(c)
	_, err := h.svc.UpdateVisit(c.Request().Context(), actorOf(c), c.Param("id"), c.Param("vid"), in)
	return h.done(c, err, reintegrationPage{Form: "visit:" + c.Param("vid"), VisitIn: reintegration.VisitInput{Status: "scheduled"},
		VisitEdit: in}, "flash.visit_updated")
}

func (h reintegrationHandlers) apiGet(c echo.Context) error {
	p, err := h.svc.Get(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (h reintegrationHandlers) apiPlan(c echo.Context) error {
	var in reintegration.PlanInput
	if err := decodeSection(c, &in, reintegration.Plan{}); err != nil { // api_update.go
		return err
	}
	p, err := h.svc.SavePlan(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (h reintegrationHandlers) apiAddGoal(c echo.Context) error {
	var in reintegration.GoalInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	g, err := h.svc.AddGoal(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, g)
}

func (h reintegrationHandlers) apiUpdateGoal(c echo.Context) error {
	var in reintegration.GoalInput
	if err := decodeSection(c, &in, reintegration.Goal{}); err != nil {
		return err
	}
	g, err := h.svc.UpdateGoal(c.Request().Context(), actorOf(c), c.Param("id"), c.Param("gid"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, g)
}

func (h reintegrationHandlers) apiAddVisit(c echo.Context) error {
	var in reintegration.VisitInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	v, err := h.svc.AddVisit(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, v)
}

func (h reintegrationHandlers) apiUpdateVisit(c echo.Context) error {
	var in reintegration.VisitInput
	if err := decodeSection(c, &in, reintegration.Visit{}); err != nil {
		return err
	}
	v, err := h.svc.UpdateVisit(c.Request().Context(), actorOf(c), c.Param("id"), c.Param("vid"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

// ErrorSummary is the summary of the form that failed (Form), its messages linked to that form's
// fields in its order.
func (v reintegrationPage) ErrorSummary() ErrorSummary {
	kind, id, _ := strings.Cut(v.Form, ":")
	var order []string
	switch {
	case kind == "plan":
		order = []string{"summary:reintegration.summary"}
	case kind == "goal" && id == "":
		order = []string{"goal:reintegration.new_goal", "status#goal-status:reintegration.goal_status"}
	case kind == "goal":
		order = []string{"status#goal-status-" + id + ":reintegration.goal_status"}
	case kind == "visit" && id == "":
		order = []string{"status#visit-status:reintegration.visit_status", "visit_date:reintegration.visit_date",
			"location_kind:reintegration.location_kind", "address:reintegration.address",
			"risk_level:reintegration.risk_level", "outcome#visit-outcome:reintegration.outcome"}
	case kind == "visit":
		order = []string{"status#vs-" + id + ":reintegration.visit_status", "visit_date#vd-" + id + ":reintegration.visit_date",
			"risk_level#vr-" + id + ":reintegration.risk_level", "outcome#vo-" + id + ":reintegration.outcome"}
	}
	return formSummary(v.L, v.Error, v.Errors, order...)
}
