package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/auditlog"
	"homeward/internal/locale"
	"homeward/internal/problem"
)

// auditHandlers serve the auditor's console. Handlers read the filters, call auditlog and render.
type auditHandlers struct{ s *Server }

// auditRow is one audit row as the console shows it: who, which agency, what, which record, when.
type auditRow struct {
	At                   time.Time
	Actor, Email, Agency string
	Action, Code         string
	Entity, EntityID     string
	CaseRef, HistoryURL  string
	Detail               string
}

// auditLogPage is the view model of audit_log.html and audit_case.html.
type auditLogPage struct {
	Base
	Tabs      caseTabs
	F         auditlog.Filter // as typed
	Errors    map[string]string
	Error     string
	Rows      []auditRow
	NextURL   string
	ExportURL string
	CaseRef   string // the case page: the case shown
}

// auditTabs are the console's pages.
func auditTabs(l *locale.Localizer, current string) caseTabs {
	t := caseTabs{L: l}
	for _, p := range []struct{ href, key string }{
		{"/audit", "audit.tab.log"}, {"/audit/case", "audit.tab.case"}, {"/audit/report", "audit.tab.report"},
		{"/audit/hub", "audit.tab.hub"}, {"/audit/chain", "audit.tab.chain"},
	} {
		t.Items = append(t.Items, NavItem{Href: p.href, Label: l.T(p.key), Current: p.href == current})
	}
	return t
}

// auditFilter reads the filters from the query string.
func auditFilter(c echo.Context) auditlog.Filter {
	f := auditlog.Filter{Actor: c.QueryParam("actor"), Case: c.QueryParam("case"), Action: c.QueryParam("action"),
		From: c.QueryParam("from"), To: c.QueryParam("to"), Cursor: c.QueryParam("cursor")}
	if v := c.QueryParam("limit"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			f.Limit = n
		} else {
			f.Limit = -1
		}
	}
	return f
}

// query is f as a query string, without the cursor and the limit.
func filterQuery(f auditlog.Filter) url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"actor": f.Actor, "case": f.Case, "action": f.Action, "from": f.From, "to": f.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// rows translates entries for a page.
func auditRows(l *locale.Localizer, entries []auditlog.Entry) []auditRow {
	out := make([]auditRow, 0, len(entries))
	for _, e := range entries {
		r := auditRow{At: e.At, Action: auditActionLabel(l, e.Action), Code: e.Action, Entity: e.Entity,
			EntityID: e.EntityID, CaseRef: e.CaseRef, Detail: auditlog.DetailText(e.Detail), Actor: l.T("timeline.system")}
		if e.Actor != nil {
			r.Actor, r.Email = e.Actor.Name, e.Actor.Email
		}
		if e.Agency != nil {
			r.Agency = e.Agency.Name(l.Lang)
		}
		if e.CaseRef != "" {
			r.HistoryURL = "/audit/case?" + url.Values{"case": {e.CaseRef}}.Encode()
		}
		out = append(out, r)
	}
	return out
}

// search renders a page of the log (page "audit_log", or "audit_case" for one case's history).
func (h *auditHandlers) search(c echo.Context, page, base string, f auditlog.Filter) error {
	b := h.s.base(c)
	v := auditLogPage{Base: b, Tabs: auditTabs(b.L, base), F: f, CaseRef: f.Case}
	if page == "audit_case" && f.Case == "" {
		return h.s.render(c, http.StatusOK, page, v)
	}
	p, err := h.s.Audit.Search(c.Request().Context(), actorOf(c), f)
	if err != nil {
		status, errs, msg, ok := formFailure(c, err)
		if !ok {
			return err
		}
		v.Errors, v.Error = errs, msg
		return h.s.render(c, status, page, v)
	}
	v.Rows = auditRows(b.L, p.Items)
	q := filterQuery(f)
	v.ExportURL = "/audit/export.csv?" + q.Encode()
	if p.NextCursor != "" {
		q.Set("cursor", p.NextCursor)
		v.NextURL = base + "?" + q.Encode()
	}
	return h.s.render(c, http.StatusOK, page, v)
}

func (h *auditHandlers) logPage(c echo.Context) error {
	return h.search(c, "audit_log", "/audit", auditFilter(c))
}

// casePage is a case's access history: every row of the case, by reference.
func (h *auditHandlers) casePage(c echo.Context) error {
	f := auditFilter(c)
	return h.search(c, "audit_case", "/audit/case", auditlog.Filter{Case: f.Case, Cursor: f.Cursor})
}

// export is the CSV of the rows under the filters (page and API alike).
func (h *auditHandlers) export(c echo.Context) error {
	f, err := h.s.Audit.Export(c.Request().Context(), actorOf(c), auditFilter(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+f.Name+`"`)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", f.Data)
}

// hubPage is the hub's log of the country's agencies.
type hubPage struct {
	Base
	Tabs    caseTabs
	Rows    []auditRow
	NextURL string
}

func (h *auditHandlers) hubPage(c echo.Context) error {
	p, err := h.s.Audit.HubLog(c.Request().Context(), actorOf(c), c.QueryParam("cursor"), 0)
	if err != nil {
		return err
	}
	b := h.s.base(c)
	v := hubPage{Base: b, Tabs: auditTabs(b.L, "/audit/hub"), Rows: auditRows(b.L, p.Items)}
	if p.NextCursor != "" {
		v.NextURL = "/audit/hub?" + url.Values{"cursor": {p.NextCursor}}.Encode()
	}
	return h.s.render(c, http.StatusOK, "audit_hub", v)
}

// chainPage is the chain check's last result.
type chainPage struct {
	Base
	Tabs              caseTabs
	Chain             *auditlog.ChainStatus
	StatusLabel       string
	StartedBy         string
	Started, Finished string // in the user's zone
}

func (h *auditHandlers) chainPage(c echo.Context) error {
	st, err := h.s.Audit.Chain(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	b := h.s.base(c)
	v := chainPage{Base: b, Tabs: auditTabs(b.L, "/audit/chain"), Chain: st, StatusLabel: b.L.T("audit.chain.status." + st.Status)}
	if st.StartedBy != nil {
		v.StartedBy = st.StartedBy.Name + " <" + st.StartedBy.Email + ">"
	}
	if st.StartedAt != nil {
		v.Started = b.L.DateTime(*st.StartedAt)
	}
	if st.FinishedAt != nil {
		v.Finished = b.L.DateTime(*st.FinishedAt)
	}
	return h.s.render(c, http.StatusOK, "audit_chain", v)
}

// verify starts a chain check; while one runs, the page simply shows it running.
func (h *auditHandlers) verify(c echo.Context) error {
	if err := h.s.Audit.StartVerify(c.Request().Context(), actorOf(c)); err != nil && !errors.Is(err, problem.ErrConflict) {
		return err
	}
	return redirect(c, "/audit/chain")
}

func (h *auditHandlers) apiLog(c echo.Context) error {
	p, err := h.s.Audit.Search(c.Request().Context(), actorOf(c), auditFilter(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (h *auditHandlers) apiHub(c echo.Context) error {
	f := auditFilter(c)
	p, err := h.s.Audit.HubLog(c.Request().Context(), actorOf(c), f.Cursor, f.Limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (h *auditHandlers) apiChain(c echo.Context) error {
	st, err := h.s.Audit.Chain(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

// apiVerify starts a chain check: 202 with the status (running), 409 while another runs.
func (h *auditHandlers) apiVerify(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	if err := h.s.Audit.StartVerify(ctx, a); err != nil {
		return err
	}
	st, err := h.s.Audit.Chain(ctx, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, st)
}

// auditActionLabel translates an action: the console's own messages (audit.action.*: its actions
// and the hub's), else the timeline's, else the code itself.
func auditActionLabel(l *locale.Localizer, action string) string {
	key := "audit.action." + action
	if msg := l.T(key); msg != key {
		return msg
	}
	return timelineActionLabel(l, action)
}
