package web

import (
	"errors"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"homeward/internal/charts"
	"homeward/internal/complaints"
	"homeward/internal/locale"
	"homeward/internal/problem"
)

// Routes of the scam complaint trends.
const (
	complaintsPage      = "/reports/complaints"
	complaintImportPage = "/reports/complaints/import"
	complaintsAPI       = "/api/v1/reports/complaints"
	complaintImportAPI  = "/api/v1/reports/complaints/imports"
	// maxComplaintBody is the largest import request: the file limit plus room for the multipart framing.
	maxComplaintBody = complaints.MaxFileBytes + 64<<10
)

// isComplaintImport reports whether the request uploads a complaint file, which has its own body limit.
func isComplaintImport(c echo.Context) bool {
	return c.Request().Method == http.MethodPost && (c.Path() == complaintImportPage || c.Path() == complaintImportAPI)
}

// complaintBodyLimit refuses a complaint upload over maxComplaintBody with 413: at once when the
// request declares its length, else as soon as the body runs past it; before the CSRF check reads it.
var complaintBodyLimit = middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
	Limit: strconv.Itoa(maxComplaintBody), Skipper: func(c echo.Context) bool { return !isComplaintImport(c) }})

// complaintHandlers serve the complaint trends and their import.
type complaintHandlers struct {
	s   *Server
	svc *complaints.Service
}

var errNoComplaintFile = &problem.Invalid{Fields: map[string]string{"file": "complaints.error.file_missing"}}

// readComplaintFile reads the multipart field "file" and the flag dry_run (dryDefault when absent).
func readComplaintFile(c echo.Context, dryDefault bool) (data []byte, name string, dry bool, err error) {
	req := c.Request()
	if req.ContentLength > maxComplaintBody {
		return nil, "", false, echo.ErrStatusRequestEntityTooLarge
	}
	if err := req.ParseMultipartForm(maxComplaintBody); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) || errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
			return nil, "", false, echo.ErrStatusRequestEntityTooLarge
		}
		return nil, "", dryDefault, errNoComplaintFile
	}
	dry = dryDefault
	if v := strings.TrimSpace(c.FormValue("dry_run")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, "", false, &problem.Invalid{Fields: map[string]string{"dry_run": "complaints.error.dry_run"}}
		}
		dry = b
	}
	fh, err := c.FormFile("file")
	switch {
	case err != nil:
		return nil, "", dry, errNoComplaintFile
	case fh.Size > complaints.MaxFileBytes:
		return nil, "", false, echo.ErrStatusRequestEntityTooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "", false, err
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, complaints.MaxFileBytes+1))
	if err != nil {
		return nil, "", false, err
	}
	if len(data) > complaints.MaxFileBytes {
		return nil, "", false, echo.ErrStatusRequestEntityTooLarge
	}
	return data, fh.Filename, dry, nil
}

// complaintProblem is an error of a file as the API and the page show it.
type complaintProblem struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

// complaintImportResult is the API's body of an import.
type complaintImportResult struct {
	Rows     int                `json:"rows"`
	Errors   []complaintProblem `json:"errors"`
	Imported int                `json:"imported"`
	DryRun   bool               `json:"dry_run"`
	ImportID string             `json:"import_id,omitempty"`
	Error    *apiErrorBody      `json:"error,omitempty"`
}

func newComplaintResult(l *locale.Localizer, rep *complaints.Report) complaintImportResult {
	r := complaintImportResult{Rows: rep.Rows, Imported: rep.Imported, DryRun: rep.DryRun, ImportID: rep.ImportID,
		Errors: make([]complaintProblem, 0, len(rep.Errors))}
	for _, p := range rep.Errors {
		r.Errors = append(r.Errors, complaintProblem{Row: p.Row, Column: p.Column, Message: l.T(p.Key)})
	}
	return r
}

// apiImport is POST /api/v1/reports/complaints/imports: multipart "file", dry_run=true|false (false
// when absent). 200 for a dry run, 201 when rows were stored, 422 with the report and the contract's
// error body when the file has any error: then nothing was stored.
func (h *complaintHandlers) apiImport(c echo.Context) error {
	ctx, a, l := c.Request().Context(), actorOf(c), localizerOf(c)
	data, name, dry, err := readComplaintFile(c, false)
	if err != nil {
		return err
	}
	rep, err := h.svc.Import(ctx, a, name, data, dry)
	if err != nil {
		return err
	}
	res := newComplaintResult(l, rep)
	switch {
	case len(res.Errors) > 0 && !dry:
		res.Error = &apiErrorBody{Code: "invalid", Message: l.T("api.error.invalid")}
		return c.JSON(http.StatusUnprocessableEntity, res)
	case res.Imported > 0:
		return c.JSON(http.StatusCreated, res)
	}
	return c.JSON(http.StatusOK, res)
}

// complaintQuery reads the filters: from and to as an ISO week or a date, province, channel.
func complaintQuery(c echo.Context) (complaints.Query, error) {
	q := complaints.Query{Province: strings.TrimSpace(c.QueryParam("province")),
		Channel: strings.ToLower(strings.TrimSpace(c.QueryParam("channel")))}
	inv := &problem.Invalid{}
	for _, f := range []struct {
		name string
		to   *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if v := strings.TrimSpace(c.QueryParam(f.name)); v != "" {
			w, err := complaints.ParseWeek(v)
			if err != nil {
				inv.Add(f.name, "complaints.error.week")
			}
			*f.to = w
		}
	}
	return q, inv.Err()
}

// complaintWeek is one week of the API's series.
type complaintWeek struct {
	Week       string `json:"week"`
	Start      string `json:"start"`
	Complaints int64  `json:"complaints"`
	Losses     string `json:"losses"`
}

// complaintSeries is the body of GET /api/v1/reports/complaints.
type complaintSeries struct {
	From       string          `json:"from"`
	To         string          `json:"to"`
	Province   string          `json:"province"`
	Channel    string          `json:"channel"`
	Weeks      []complaintWeek `json:"weeks"`
	Operations []struct {
		Date string `json:"date"`
		Name string `json:"name"`
	} `json:"operations"`
	Total struct {
		Complaints int64  `json:"complaints"`
		Losses     string `json:"losses"`
	} `json:"total"`
}

// apiTrends is GET /api/v1/reports/complaints?from=&to=&province=&channel=: the weekly series.
func (h *complaintHandlers) apiTrends(c echo.Context) error {
	q, err := complaintQuery(c)
	if err != nil {
		return err
	}
	t, err := h.svc.Trends(c.Request().Context(), actorOf(c), q)
	if err != nil {
		return err
	}
	out := complaintSeries{From: t.From.Format(time.DateOnly), To: t.To.Format(time.DateOnly), Province: t.Province,
		Channel: t.Channel, Weeks: make([]complaintWeek, 0, len(t.Weeks))}
	for _, w := range t.Weeks {
		out.Weeks = append(out.Weeks, complaintWeek{Week: w.Label(), Start: w.Start.Format(time.DateOnly),
			Complaints: w.Complaints, Losses: complaints.FormatCents(w.Cents)})
	}
	out.Operations = make([]struct {
		Date string `json:"date"`
		Name string `json:"name"`
	}, len(t.Operations))
	for i, m := range t.Operations {
		out.Operations[i].Date, out.Operations[i].Name = m.Date.Format(time.DateOnly), m.Name
	}
	out.Total.Complaints, out.Total.Losses = t.Complaints, complaints.FormatCents(t.Cents)
	return c.JSON(http.StatusOK, out)
}

// trendChart draws the weekly complaints with the rescue operations marked.
func trendChart(l *locale.Localizer, t *complaints.Trend) template.HTML {
	s := charts.Series{Label: l.T("complaints.col.complaints")}
	for _, w := range t.Weeks {
		s.Points = append(s.Points, charts.Point{At: w.Start, Value: float64(w.Complaints)})
	}
	marks := make([]charts.Mark, 0, len(t.Operations))
	for _, m := range t.Operations {
		marks = append(marks, charts.Mark{At: m.Date, Label: m.Name})
	}
	return charts.Lines(l.T("complaints.chart.title"), []charts.Series{s}, marks)
}

// complaintRow is a line of the trends table.
type complaintRow struct {
	Week       string
	Start      time.Time
	Complaints int64
	Losses     string
}

// complaintsView is the trends page: filters, chart and the same numbers in a table.
type complaintsView struct {
	Base
	From, To, Province, Channel string // the filters as entered
	Channels                    []string
	Errors                      map[string]string
	Trend                       *complaints.Trend
	Rows                        []complaintRow
	TotalLosses                 string
	Chart                       template.HTML
	CanImport                   bool
}

// trends is GET /reports/complaints: the chart and table of the chosen period; invalid filters are
// shown on the form with 422.
func (h *complaintHandlers) trends(c echo.Context) error {
	v := complaintsView{Base: h.s.base(c), From: c.QueryParam("from"), To: c.QueryParam("to"),
		Province: c.QueryParam("province"), Channel: c.QueryParam("channel"), Channels: complaints.Channels}
	v.CanImport = v.Actor.Can(complaintSection, write)
	q, err := complaintQuery(c)
	if err == nil {
		v.Trend, err = h.svc.Trends(c.Request().Context(), actorOf(c), q)
	}
	if inv, ok := problem.AsInvalid(err); ok {
		v.Errors = map[string]string{}
		for f, key := range inv.Fields {
			v.Errors[f] = v.L.T(key)
		}
		return h.s.render(c, http.StatusUnprocessableEntity, "complaints", v)
	} else if err != nil {
		return err
	}
	if v.From == "" {
		v.From = complaints.WeekLabel(v.Trend.From)
	}
	if v.To == "" {
		v.To = complaints.WeekLabel(v.Trend.To)
	}
	for _, w := range v.Trend.Weeks {
		v.Rows = append(v.Rows, complaintRow{Week: w.Label(), Start: w.Start, Complaints: w.Complaints, Losses: complaints.FormatCents(w.Cents)})
	}
	v.TotalLosses = complaints.FormatCents(v.Trend.Cents)
	v.Chart = trendChart(v.L, v.Trend)
	return h.s.render(c, http.StatusOK, "complaints", v)
}

// complaintImportView is the import page.
type complaintImportView struct {
	Base
	Result    *complaintImportResult
	Ready     bool // a dry run without errors
	Done      int  // rows stored by the import that redirected here
	FileError string
	History   []complaints.ImportRecord
	Columns   []string
	Channels  []string
}

// Errors links the page's one refusal to the file field: no file chosen, or a file whose check
// found problems (listed by row and column in the result).
func (v complaintImportView) Errors() map[string]string {
	if v.FileError == "" && v.Result != nil && len(v.Result.Errors) > 0 {
		return formError("file", v.L.T("complaints.import.errors", "Count", len(v.Result.Errors)))
	}
	return formError("file", v.FileError)
}

func (h *complaintHandlers) importView(c echo.Context) (complaintImportView, error) {
	v := complaintImportView{Base: h.s.base(c), Columns: complaints.Columns, Channels: complaints.Channels}
	var err error
	v.History, err = h.svc.History(c.Request().Context(), actorOf(c), 10)
	return v, err
}

// importForm is GET /reports/complaints/import: the upload form and the latest imports.
func (h *complaintHandlers) importForm(c echo.Context) error {
	v, err := h.importView(c)
	if err != nil {
		return err
	}
	v.Done, _ = strconv.Atoi(c.QueryParam("done"))
	return h.s.render(c, http.StatusOK, "complaint_import", v)
}

// importUpload is POST /reports/complaints/import: a dry run (the default) lists every error by row and
// column; an import without errors stores every row and redirects; with errors, 422 and nothing stored.
func (h *complaintHandlers) importUpload(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	v, err := h.importView(c)
	if err != nil {
		return err
	}
	data, name, dry, err := readComplaintFile(c, true)
	switch {
	case errors.Is(err, errNoComplaintFile):
		v.FileError = v.L.T("complaints.error.file_missing")
		return h.s.render(c, http.StatusUnprocessableEntity, "complaint_import", v)
	case err != nil:
		return err
	}
	rep, err := h.svc.Import(ctx, a, name, data, dry)
	if err != nil {
		return err
	}
	if rep.Imported > 0 {
		return redirect(c, complaintImportPage+"?done="+strconv.Itoa(rep.Imported))
	}
	res := newComplaintResult(v.L, rep)
	v.Result, v.Ready = &res, len(res.Errors) == 0 && rep.Rows > 0
	status := http.StatusOK
	if len(res.Errors) > 0 && !dry {
		status = http.StatusUnprocessableEntity
	}
	return h.s.render(c, status, "complaint_import", v)
}
