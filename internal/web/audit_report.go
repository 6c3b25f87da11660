package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/auditlog"
	"homeward/internal/locale"
)

// auditReportPage is the view model of audit_report.html.
type auditReportPage struct {
	Base
	Tabs                    caseTabs
	In                      auditReportInput // as typed
	Errors                  map[string]string
	Error                   string
	Report                  *auditlog.Report
	Bursts                  []auditBurst
	Outside, Night, Refused auditTable
	Truncated               map[string]bool
	Zone                    string
}

// auditTable is the data of the "audit_table" partial.
type auditTable struct {
	L    *locale.Localizer
	Rows []auditRow
}

// auditReportInput is the report's form.
type auditReportInput struct{ From, To, PerHour string }

// auditBurst is a user who read many cases in an hour, translated.
type auditBurst struct {
	Actor, Email, Agency string
	Hour                 time.Time
	Cases                int
	LogURL               string // the user's rows of that hour
}

func reportQuery(c echo.Context) auditlog.ReportQuery {
	return auditlog.ReportQuery{From: c.QueryParam("from"), To: c.QueryParam("to"), PerHour: auditlog.PerHourOf(c.QueryParam("per_hour"))}
}

func (h *auditHandlers) reportPage(c echo.Context) error {
	b := h.s.base(c)
	in := auditReportInput{From: c.QueryParam("from"), To: c.QueryParam("to"), PerHour: c.QueryParam("per_hour")}
	v := auditReportPage{Base: b, Tabs: auditTabs(b.L, "/audit/report"), In: in, Zone: auditlog.Zone(b.Actor.Country).String()}
	r, err := h.s.Audit.Unusual(c.Request().Context(), actorOf(c), reportQuery(c))
	if err != nil {
		status, errs, msg, ok := formFailure(c, err)
		if !ok {
			return err
		}
		v.Errors, v.Error = errs, msg
		return h.s.render(c, status, "audit_report", v)
	}
	if v.In.PerHour == "" {
		v.In.PerHour = strconv.Itoa(r.PerHour)
	}
	v.Report, v.Truncated = r, map[string]bool{}
	for _, t := range r.Truncated {
		v.Truncated[t] = true
	}
	loc := auditlog.Zone(b.Actor.Country)
	for _, bu := range r.Bursts {
		ab := auditBurst{Hour: bu.Hour, Cases: bu.Cases}
		if bu.Actor != nil {
			ab.Actor, ab.Email = bu.Actor.Name, bu.Actor.Email
			ab.LogURL = "/audit?" + filterQuery(auditlog.Filter{Actor: bu.Actor.ID,
				From: bu.Hour.In(loc).Format("2006-01-02T15:04"), To: bu.Hour.In(loc).Add(time.Hour).Format("2006-01-02T15:04")}).Encode()
		}
		if bu.Agency != nil {
			ab.Agency = bu.Agency.Name(b.L.Lang)
		}
		v.Bursts = append(v.Bursts, ab)
	}
	v.Outside, v.Night, v.Refused = auditTable{b.L, auditRows(b.L, r.OutsideTeam)}, auditTable{b.L, auditRows(b.L, r.Night)},
		auditTable{b.L, auditRows(b.L, r.Refused)}
	return h.s.render(c, http.StatusOK, "audit_report", v)
}

func (h *auditHandlers) apiReport(c echo.Context) error {
	r, err := h.s.Audit.Unusual(c.Request().Context(), actorOf(c), reportQuery(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}
