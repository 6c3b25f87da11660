package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"homeward/internal/authz"
	"homeward/internal/exchange"
	"homeward/internal/problem"
	"homeward/internal/repatriation"
)

// repatriationHandlers serve the repatriation section of a case, the request to the embassy and
// the overdue steps of the supervisor's agency.
type repatriationHandlers struct {
	s   *Server
	svc *repatriation.Service
}

// repatRequestRow is a repatriation request of the case, as the exchange lists it.
type repatRequestRow struct {
	ID, Status, CreatedAt string
}

// repatriationPage is the view model of repatriation.html.
type repatriationPage struct {
	Base
	Tabs      caseTabs
	CaseID    string
	Head      repatriation.Head
	Record    *repatriation.Record
	OpenedOn  string // the day the section was first recorded, in the user's language
	Steps     []repatStep
	CanWrite  bool
	Fieldsets []repatFieldset
	In        repatriation.Input
	Errors    map[string]string // field -> translated message
	Error     string            // form-wide message (conflict, fix the errors)
	// The embassy a request goes to ("" when no embassy serves the nationality), its last reply
	// and the requests of the case.
	EmbassySlug, EmbassyName string
	ReplyDecision            string
	Requests                 []repatRequestRow
	RequestItems             []sectionOption
	Request                  repatriation.RequestInput
	RequestErrors            map[string]string
	RequestError             string
	CanOverride              bool
	Notice                   string
	// Outstanding: a request waits for approval or for the embassy to open it; a new one is
	// refused until then, so the form is not offered.
	Outstanding bool
}

// pageData builds the page of a record with the form holding in.
func (h repatriationHandlers) pageData(c echo.Context, r *repatriation.Record, in repatriation.Input, errs map[string]string) repatriationPage {
	b := h.s.base(c)
	l := b.L
	ctx, a := c.Request().Context(), b.Actor
	v := repatriationPage{Base: b, Tabs: tabsFor(c, r.CaseID, "/repatriation"), CaseID: r.CaseID, Head: r.Head, Record: r,
		Steps: repatSteps(l, r), CanWrite: a.Can(authz.SectionRepatriation, authz.ActionWrite), In: in, Errors: errs,
		CanOverride: a.Can(authz.SectionConsent, authz.ActionOverride), RequestErrors: map[string]string{},
		Request: repatriation.RequestInput{Items: repatriation.RequestItems}}
	v.Fieldsets = repatFieldsets(l, in, errs)
	v.OpenedOn = day(l, r.OpenedOn)
	if slug, err := h.svc.EmbassyFor(ctx, a, r.Head.Nationality); err == nil && slug != "" {
		v.EmbassySlug, v.EmbassyName = slug, slug
		if ag, err := h.s.Directory.AgencyBySlug(ctx, slug); err == nil {
			v.EmbassyName = ag.Name(l.Lang)
		}
	}
	if r.Embassy != nil && r.Embassy.Decision != "" {
		v.ReplyDecision = l.T("repatriation.decision." + r.Embassy.Decision)
	}
	if a.Can(authz.SectionPackets, authz.ActionRead) {
		if ps, err := h.s.Exchange.ForCase(ctx, a, r.CaseID); err == nil {
			for _, p := range ps {
				if p.Kind == exchange.KindRepatriation {
					v.Requests = append(v.Requests, repatRequestRow{ID: p.ID, Status: l.T("packet.status." + string(p.Status)),
						CreatedAt: l.DateTime(p.CreatedAt)})
					v.Outstanding = v.Outstanding || p.Status == exchange.StatusPendingApproval || p.Status == exchange.StatusSent
				}
			}
		}
	}
	return v
}

// requestOptions marks the items of a request form.
func (v *repatriationPage) requestOptions() {
	v.RequestItems = nil
	for _, it := range repatriation.RequestItems {
		chosen := false
		for _, x := range v.Request.Items {
			chosen = chosen || x == it
		}
		v.RequestItems = append(v.RequestItems, sectionOption{Value: it, Label: v.L.T("repatriation.request." + it), Selected: chosen})
	}
}

// get reads the section after applying the replies waiting for the store (the exchange's case read
// syncs), so an embassy's answer shows at once.
func (h repatriationHandlers) get(c echo.Context) (*repatriation.Record, error) {
	ctx, a, id := c.Request().Context(), actorOf(c), c.Param("id")
	if a.Can(authz.SectionPackets, authz.ActionRead) && a.HasStore() {
		_, _ = h.s.Exchange.Sync(ctx, a.Country)
	}
	return h.svc.Get(ctx, a, id)
}

func (h repatriationHandlers) page(c echo.Context) error {
	r, err := h.get(c)
	if err != nil {
		return err
	}
	v := h.pageData(c, r, repatriation.InputOf(r), nil)
	if c.QueryParam("requested") == "1" {
		v.Notice = v.L.T("repatriation.request_prepared")
	}
	v.requestOptions()
	return h.s.render(c, http.StatusOK, "repatriation", v)
}

// save stores the form; invalid input re-renders with 422, a stale version with 409 showing the
// section as it is now and keeping what the user typed.
func (h repatriationHandlers) save(c echo.Context) error {
	ctx, a, id := c.Request().Context(), actorOf(c), c.Param("id")
	in := repatInputOf(c.FormValue)
	version, verr := strconv.Atoi(c.FormValue("version"))
	in.Version = version
	if verr != nil {
		in.Version = -1 // refused by validation, after the case is found
	}
	_, err := h.svc.Save(ctx, a, id, in)
	if err == nil {
		return h.s.done(c, "/cases/"+id+"/repatriation", "flash.repatriation_saved")
	}
	status, errs, msg, ok := formFailure(c, err)
	if !ok {
		return err
	}
	r, gerr := h.svc.Get(ctx, a, id)
	if gerr != nil {
		return gerr
	}
	if status == http.StatusConflict {
		in.Version = r.Version // the next submit applies to the section as shown
	}
	v := h.pageData(c, r, in, errs)
	v.Error = msg
	v.requestOptions()
	return h.s.render(c, status, "repatriation", v)
}

// request prepares the packet to the embassy serving the person's nationality; it then waits for a
// supervisor's approval. Refused input (no consent, nothing asked) re-renders with 422.
func (h repatriationHandlers) request(c echo.Context) error {
	ctx, a, id := c.Request().Context(), actorOf(c), c.Param("id")
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	in := repatriation.RequestInput{Items: form["requested"], Note: c.FormValue("note"), Override: c.FormValue("override")}
	_, err = h.svc.RequestEmbassy(ctx, a, id, in)
	if err == nil {
		return redirect(c, "/cases/"+id+"/repatriation?requested=1")
	}
	status, _ := classify(err)
	inv, ok := problem.AsInvalid(err)
	if !ok && status != http.StatusConflict {
		return err
	}
	if !ok { // a request is still outstanding: the page says so, keeping what was typed
		inv = &problem.Invalid{Fields: map[string]string{"": "repatriation.request.outstanding"}}
	} else {
		status = http.StatusUnprocessableEntity
	}
	r, gerr := h.svc.Get(ctx, a, id)
	if gerr != nil {
		return gerr
	}
	l := localizerOf(c)
	v := h.pageData(c, r, repatriation.InputOf(r), nil)
	v.Request = in
	for f, key := range inv.Fields {
		v.RequestErrors[f] = l.T(key)
	}
	v.RequestError = l.T("form.fix_errors")
	if msg, ok := v.RequestErrors[""]; ok {
		v.RequestError = msg
	}
	for _, f := range []string{"recipient", "consent", "fields", "kind"} {
		if msg, ok := v.RequestErrors[f]; ok {
			v.RequestError = msg
		}
	}
	v.requestOptions()
	return h.s.render(c, status, "repatriation", v)
}

// repatOverduePage is the view model of repatriation_overdue.html.
type repatOverduePage struct {
	Base
	Items []repatOverdueRow
	Max   int
}

// repatOverdueRow is a row of the overdue list, translated.
type repatOverdueRow struct {
	CaseID, CaseRef, Step, DueOn string
	DaysOverdue                  int
}

func (h repatriationHandlers) overdue(c echo.Context) error {
	items, err := h.svc.Overdue(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	b := h.s.base(c)
	v := repatOverduePage{Base: b, Max: repatriation.MaxOverdue}
	for _, it := range items {
		v.Items = append(v.Items, repatOverdueRow{CaseID: it.CaseID, CaseRef: it.CaseRef,
			Step: b.L.T("repatriation.step." + string(it.Step)), DueOn: day(b.L, it.DueOn), DaysOverdue: it.DaysOverdue})
	}
	return h.s.render(c, http.StatusOK, "repatriation_overdue", v)
}

// repatriationJSON is the section as the API reads it: the record, and the deadlines set for this
// case as the update takes them (so GET → PUT keeps them).
type repatriationJSON struct {
	*repatriation.Record
	Deadlines map[string]string `json:"deadlines"`
}

func newRepatriationJSON(r *repatriation.Record) repatriationJSON {
	return repatriationJSON{Record: r, Deadlines: repatriation.InputOf(r).Deadlines}
}

func (h repatriationHandlers) apiGet(c echo.Context) error {
	r, err := h.get(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newRepatriationJSON(r))
}

func (h repatriationHandlers) apiPut(c echo.Context) error {
	var in repatriation.Input
	if err := decodeSection(c, &in, repatriationJSON{}); err != nil { // api_update.go
		return err
	}
	r, err := h.svc.Save(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newRepatriationJSON(r))
}

func (h repatriationHandlers) apiRequest(c echo.Context) error {
	var in repatriation.RequestInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := h.svc.RequestEmbassy(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

func (h repatriationHandlers) apiOverdue(c echo.Context) error {
	items, err := h.svc.Overdue(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}
