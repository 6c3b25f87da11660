package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/closure"
	"homeward/internal/problem"
)

// closureHandlers serve the closure of a case: request, approve or return, reopen.
type closureHandlers struct {
	s   *Server
	svc *closure.Service
}

// closureRow is a request as the page shows it.
type closureRow struct {
	closure.Request
	ReasonLabel, StatusLabel, RequestedByName, DecidedByName string
}

// closurePage is the view model of closure.html.
type closurePage struct {
	Base
	Tabs       caseTabs
	Status     *closure.Status
	StageLabel string
	Pending    *closureRow
	Requests   []closureRow
	CanRequest bool
	CanDecide  bool // a supervisor who did not ask
	CanReopen  bool
	Reasons    []sectionOption
	Stages     []sectionOption
	In         map[string]string
	Form       string // "request", "decide", "reopen"
	Errors     map[string]string
	Error      string
}

func (h closureHandlers) render(c echo.Context, status int, v closurePage) error {
	ctx, a := c.Request().Context(), actorOf(c)
	st, err := h.svc.Get(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	b := h.s.base(c)
	l := b.L
	v.Base, v.Tabs, v.Status = b, tabsFor(c, st.CaseID, "/closure"), st
	v.StageLabel = l.T("stage." + string(st.Stage))
	ids := []string{}
	for _, r := range st.Requests {
		ids = append(ids, r.RequestedBy)
		if r.DecidedBy != nil {
			ids = append(ids, *r.DecidedBy)
		}
	}
	names, err := h.s.Directory.UserNames(ctx, ids)
	if err != nil {
		return err
	}
	for _, r := range st.Requests {
		row := closureRow{Request: r, ReasonLabel: l.T("closure.reason." + r.Reason), StatusLabel: l.T("closure.status." + r.Status),
			RequestedByName: names[r.RequestedBy]}
		if r.DecidedBy != nil {
			row.DecidedByName = names[*r.DecidedBy]
		}
		v.Requests = append(v.Requests, row)
		if r.Status == "requested" {
			p := row
			v.Pending = &p
		}
	}
	v.CanRequest = st.Pending == nil && st.Stage != cases.StageClosed && a.Can(authz.SectionCases, authz.ActionWrite)
	v.CanDecide = st.Pending != nil && st.Pending.RequestedBy != a.UserID && a.Can(authz.SectionClosure, authz.ActionApprove)
	v.CanReopen = st.Stage == cases.StageClosed && a.Can(authz.SectionClosure, authz.ActionReopen)
	if v.In == nil {
		v.In = map[string]string{}
	}
	v.Reasons = sectionOptions(l, "closure.reason.", closure.Reasons, v.In["reason"])
	v.Stages = sectionOptions(l, "stage.", []string{string(cases.StageRecovery), string(cases.StageReintegration)}, v.In["to"])
	return h.s.render(c, status, "closure", v)
}

func (h closureHandlers) page(c echo.Context) error {
	return h.render(c, http.StatusOK, closurePage{})
}

// done redirects to the closure page, or re-renders it with the failed form's messages.
func (h closureHandlers) done(c echo.Context, err error, v closurePage, key string) error {
	if err == nil {
		return h.s.done(c, "/cases/"+c.Param("id")+"/closure", key)
	}
	status, _ := classify(err)
	if status != http.StatusConflict && status != http.StatusUnprocessableEntity && status != http.StatusForbidden {
		return err
	}
	l := localizerOf(c)
	v.Errors, v.Error = translate(l, err), l.T("form.fix_errors")
	if msg, ok := v.Errors[""]; ok {
		v.Error = msg
	}
	switch status {
	case http.StatusConflict:
		v.Error = l.T("closure.error.conflict")
	case http.StatusForbidden:
		v.Error = l.T("closure.error.own_request")
	}
	return h.render(c, status, v)
}

func (h closureHandlers) request(c echo.Context) error {
	in := closure.RequestInput{Reason: c.FormValue("reason"), Note: c.FormValue("note")}
	_, err := h.svc.RequestClosure(c.Request().Context(), actorOf(c), c.Param("id"), in)
	return h.done(c, err, closurePage{Form: "request", In: map[string]string{"reason": in.Reason, "note": in.Note}}, "flash.closure_requested")
}

func (h closureHandlers) approve(c echo.Context) error {
	comment := c.FormValue("comment")
	var err error
	if c.FormValue("confirm") != "on" {
		err = &problem.Invalid{Fields: map[string]string{"confirm": "closure.error.confirm"}}
	} else {
		_, _, err = h.svc.Approve(c.Request().Context(), actorOf(c), c.Param("rid"), comment)
	}
	return h.done(c, err, closurePage{Form: "decide", In: map[string]string{"comment": comment}}, "flash.closure_approved")
}

func (h closureHandlers) giveBack(c echo.Context) error {
	comment := c.FormValue("comment")
	_, err := h.svc.Return(c.Request().Context(), actorOf(c), c.Param("rid"), comment)
	return h.done(c, err, closurePage{Form: "decide", In: map[string]string{"comment": comment}}, "flash.closure_returned")
}

func (h closureHandlers) reopen(c echo.Context) error {
	in := closure.ReopenInput{To: cases.Stage(c.FormValue("to")), Reason: c.FormValue("reason"), Version: formVersion(c)}
	var err error
	if c.FormValue("confirm") != "on" {
		err = &problem.Invalid{Fields: map[string]string{"confirm": "closure.error.confirm"}}
	} else {
		_, err = h.svc.Reopen(c.Request().Context(), actorOf(c), c.Param("id"), in)
	}
	return h.done(c, err, closurePage{Form: "reopen", In: map[string]string{"to": string(in.To), "reason": in.Reason}}, "flash.case_reopened")
}

func (h closureHandlers) apiGet(c echo.Context) error {
	st, err := h.svc.Get(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

func (h closureHandlers) apiRequest(c echo.Context) error {
	var in closure.RequestInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, err := h.svc.RequestClosure(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

type closureDecision struct {
	Comment string `json:"comment"`
}

func (h closureHandlers) apiApprove(c echo.Context) error {
	var in closureDecision
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, n, err := h.svc.Approve(c.Request().Context(), actorOf(c), c.Param("rid"), in.Comment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"request": r, "packets_revoked": n})
}

func (h closureHandlers) apiReturn(c echo.Context) error {
	var in closureDecision
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, err := h.svc.Return(c.Request().Context(), actorOf(c), c.Param("rid"), in.Comment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (h closureHandlers) apiReopen(c echo.Context) error {
	var in closure.ReopenInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cs, err := h.svc.Reopen(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, caseCore(cs))
}
