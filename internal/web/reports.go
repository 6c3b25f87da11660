package web

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/charts"
	"homeward/internal/locale"
	"homeward/internal/problem"
	"homeward/internal/reports"
)

// reportDays is the default period of the dashboard: the last 90 days, today included.
const reportDays = 90

// ict is the time zone of both stores' days (UTC+7).
var ict = time.FixedZone("ICT", 7*60*60)

// period reads the from and to dates (YYYY-MM-DD, both days included) of a request, defaulting to
// the last 90 days, and returns them with the instants [start, end) they cover.
func period(c echo.Context, now time.Time) (from, to string, start, end time.Time, err error) {
	today := now.In(ict)
	from, to = strings.TrimSpace(c.QueryParam("from")), strings.TrimSpace(c.QueryParam("to"))
	if to == "" {
		to = today.Format(time.DateOnly)
	}
	if from == "" {
		from = today.AddDate(0, 0, 1-reportDays).Format(time.DateOnly)
	}
	inv := &problem.Invalid{}
	start, e1 := time.ParseInLocation(time.DateOnly, from, ict)
	if e1 != nil {
		inv.Add("from", "form.error.date")
	}
	last, e2 := time.ParseInLocation(time.DateOnly, to, ict)
	if e2 != nil {
		inv.Add("to", "form.error.date")
	}
	return from, to, start, last.AddDate(0, 0, 1), inv.Err()
}

// chartTable is one chart with the table of its numbers.
type chartTable struct {
	ID, Title string
	Chart     template.HTML
	Rows      []labelled
}

// labelled is one row of a chart's table.
type labelled struct{ Label, Value string }

// table builds a bar chart and its table from published rows; label names each key.
func table(id, title string, rows []reports.Row, label func(string) string) chartTable {
	t := chartTable{ID: id, Title: title}
	items := make([]charts.Item, 0, len(rows))
	for _, r := range rows {
		l := label(r.Key)
		items = append(items, charts.Item{Label: l, Value: r.Count.Value(), Display: r.Count.String()})
		t.Rows = append(t.Rows, labelled{Label: l, Value: r.Count.String()})
	}
	t.Chart = charts.Bars(title, items)
	return t
}

type reportDashboardPage struct {
	Base
	From, To string
	Errors   map[string]string
	D        *reports.Dashboard
	Charts   []chartTable
	Times    []labelled // durations
}

// dashboard shows the figures of the actor's store for the chosen period.
func (h *reportHandlers) dashboard(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	page := reportDashboardPage{Base: h.base(c)}
	var start, end time.Time
	var err error
	page.From, page.To, start, end, err = period(c, time.Now())
	if err == nil {
		page.D, err = h.svc.Dashboard(ctx, a, start, end)
	}
	if inv, ok := problem.AsInvalid(err); ok {
		page.Errors = map[string]string{}
		for f, key := range inv.Fields {
			page.Errors[f] = page.L.T(key)
		}
		return h.render(c, http.StatusUnprocessableEntity, "reports", page)
	}
	if err != nil {
		return err
	}
	l, d := page.L, page.D
	same := func(k string) string { return k }
	prefixed := func(p string) func(string) string { return func(k string) string { return l.T(p + k) } }
	page.Charts = []chartTable{
		table("flow", l.T("reports.flow_title"), d.Flow, prefixed("reports.flow.")),
		table("stage", l.T("reports.by_stage"), d.ByStage, prefixed("stage.")),
		table("nationality", l.T("reports.by_nationality"), d.ByNationality, same),
		table("sex", l.T("reports.by_sex"), d.BySex, prefixed("sex.")),
		table("age", l.T("reports.by_age"), d.ByAge, prefixed("reports.age.")),
		table("operation", l.T("reports.by_operation"), d.ByOperation, same),
	}
	page.Times = []labelled{
		{l.T("reports.to_decision"), days(l, d.ToDecision)},
		{l.T("reports.decision_to_return"), days(l, d.DecisionToReturn)},
	}
	return h.render(c, http.StatusOK, "reports", page)
}

// days writes a published duration: median and 90th percentile days over n cases.
func days(l *locale.Localizer, q reports.Duration) string {
	if q.Median == nil || q.P90 == nil {
		return l.T("reports.days_none", "N", q.N.String())
	}
	return l.T("reports.days", "Median", *q.Median, "P90", *q.P90, "N", q.N.String())
}

type reportOperationsPage struct {
	Base
	O     *reports.Operations
	Chart template.HTML
}

// operations shows the progress of every rescue operation of the actor's store.
func (h *reportHandlers) operations(c echo.Context) error {
	o, err := h.svc.Operations(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	page := reportOperationsPage{Base: h.base(c), O: o}
	items := make([]charts.Item, 0, len(o.Items))
	for _, p := range o.Items {
		items = append(items, charts.Item{Label: p.Name, Value: p.Repatriated.Value(), Display: p.Repatriated.String()})
	}
	page.Chart = charts.Bars(page.L.T("reports.operations.chart"), items)
	return h.render(c, http.StatusOK, "report_operations", page)
}

// dashboardJSON is GET /api/v1/reports/dashboard: the period as dates, both included.
type dashboardJSON struct {
	*reports.Dashboard
	From string `json:"from"`
	To   string `json:"to"`
}

func (h *reportHandlers) apiDashboard(c echo.Context) error {
	from, to, start, end, err := period(c, time.Now())
	if err != nil {
		return err
	}
	d, err := h.svc.Dashboard(c.Request().Context(), actorOf(c), start, end)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, dashboardJSON{Dashboard: d, From: from, To: to})
}

func (h *reportHandlers) apiOperations(c echo.Context) error {
	o, err := h.svc.Operations(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}
