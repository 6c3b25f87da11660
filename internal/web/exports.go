package web

import (
	"html/template"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/exports"
)

// exportHandlers serve the exports: the filtered case list (CSV, XLSX) and the de-identified HTCDS
// dataset. Every route needs the exports section (supervisors); others get 404.
type exportHandlers struct {
	s   *Server
	svc *exports.Service
}

// stamp is who is exporting and when, in the user's zone, with the agency's name in the user's language.
func (h *exportHandlers) stamp(c echo.Context) exports.Stamp {
	a, l := actorOf(c), localizerOf(c)
	st := exports.Stamp{Name: a.Name, Email: a.Email, Agency: a.AgencySlug, At: time.Now().In(l.Location)}
	if ag, err := h.s.Directory.Agency(c.Request().Context(), a.AgencyID); err == nil {
		st.Agency = ag.Name(l.Lang)
	}
	return st
}

// caseList is GET /cases/export.csv and /cases/export.xlsx with the case list's filters.
func (h *exportHandlers) caseList(format string) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := actorOf(c)
		q, err := readCaseFilter(c).query(a)
		if err != nil {
			return err
		}
		f, err := h.svc.CaseList(c.Request().Context(), a, q, format, h.stamp(c))
		if err != nil {
			return err
		}
		return download(c, f)
	}
}

// apiCaseList is GET /api/v1/cases/export?format=csv|xlsx&<case list filters>.
func (h *exportHandlers) apiCaseList(c echo.Context) error {
	return h.caseList(formatParam(c))(c)
}

// htcds is GET /reports/htcds.csv and /reports/htcds.xlsx.
func (h *exportHandlers) htcds(format string) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, err := h.svc.HTCDS(c.Request().Context(), actorOf(c), format, h.stamp(c))
		if err != nil {
			return err
		}
		return download(c, f)
	}
}

// apiHTCDS is GET /api/v1/reports/htcds?format=csv|xlsx.
func (h *exportHandlers) apiHTCDS(c echo.Context) error {
	return h.htcds(formatParam(c))(c)
}

// formatParam is the format query value, csv when absent.
func formatParam(c echo.Context) string {
	if f := c.QueryParam("format"); f != "" {
		return f
	}
	return exports.FormatCSV
}

// download sends an export file as an attachment that no cache keeps.
func download(c echo.Context, f *exports.File) error {
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+f.Name+`"`)
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("X-Content-Type-Options", "nosniff")
	return c.Blob(200, f.ContentType, f.Data)
}

// ExportQuery is the list's filters as a query string for the export links (no cursor: an export
// holds the whole filtered list). It is typed as a URL so the template keeps its "=" and "&".
func (f caseFilter) ExportQuery() template.URL {
	v := url.Values{}
	for k, val := range map[string]string{"q": f.Q, "stage": f.Stage, "operation": f.Operation, "nationality": f.Nationality,
		"minor": f.Minor, "assigned": f.Assigned, "pending_approval": f.Pending} {
		if val != "" {
			v.Set(k, val)
		}
	}
	return template.URL(v.Encode()) // url.Values.Encode escapes every value
}
