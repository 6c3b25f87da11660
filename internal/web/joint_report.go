package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"homeward/internal/csvtext"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"homeward/internal/jointreport"
	"homeward/internal/locale"
	"homeward/internal/problem"
)

// jointHandlers serve the joint report of both stores: page, printable page, CSV and JSON API.
type jointHandlers struct {
	*Server
	svc *jointreport.Service
}

// jointZone is the zone of report periods: Thailand and Cambodia share UTC+7.
var jointZone = time.FixedZone("ICT", 7*60*60)

// jointPeriod is the period as typed (YYYY-MM-DD, both days included) and as instants [From, To).
type jointPeriod struct {
	FromText, ToText string
	From, To         time.Time
}

// jointPeriodOf reads from= and to= (dates, the last day included); empty means the last twelve months.
func jointPeriodOf(c echo.Context) (jointPeriod, error) {
	today := time.Now().In(jointZone)
	p := jointPeriod{FromText: c.QueryParam("from"), ToText: c.QueryParam("to")}
	if p.ToText == "" {
		p.ToText = today.Format(time.DateOnly)
	}
	if p.FromText == "" {
		p.FromText = today.AddDate(-1, 0, 1).Format(time.DateOnly)
	}
	inv := &problem.Invalid{}
	var err error
	if p.From, err = time.ParseInLocation(time.DateOnly, p.FromText, jointZone); err != nil {
		inv.Add("from", "joint.error.from")
	}
	to, err := time.ParseInLocation(time.DateOnly, p.ToText, jointZone)
	if err != nil {
		inv.Add("to", "joint.error.to")
	}
	p.To = to.AddDate(0, 0, 1)
	return p, inv.Err()
}

// jointRow is one row of a table as shown: its label (and the second language's, when printing)
// and the published cells, one per country then the combined one.
type jointRow struct {
	Key, Label, Label2 string
	Cells              []string
	Total              bool
}

// jointTable is one table as shown.
type jointTable struct {
	Key, Title, Title2 string
	Rows               []jointRow
}

// jointRowLabelKey is the message key of a row, or "" when the row key is shown as is (a nationality
// code, an operation name).
func jointRowLabelKey(table, row string) string {
	switch table {
	case jointreport.TableStage:
		return "stage." + row
	case jointreport.TableSex:
		return "sex." + row
	case jointreport.TableNationality, jointreport.TableOperation:
		return ""
	}
	return "joint.row." + row
}

// jointTables lays out the report for people: l labels it, l2 (if any) adds a second language.
func jointTables(r *jointreport.Report, l, l2 *locale.Localizer) []jointTable {
	label := func(lz *locale.Localizer, key, fallback string) string {
		if lz == nil {
			return ""
		}
		if key == "" {
			return fallback
		}
		return lz.T(key)
	}
	var out []jointTable
	for _, tb := range r.Tables {
		t := jointTable{Key: tb.Key, Title: l.T("joint.table." + tb.Key), Title2: label(l2, "joint.table."+tb.Key, "")}
		for i, row := range tb.Rows {
			k := jointRowLabelKey(tb.Key, row)
			jr := jointRow{Key: row, Label: label(l, k, row), Label2: label(l2, k, row)}
			for _, c := range tb.Grid.Inner[i] {
				jr.Cells = append(jr.Cells, c.String())
			}
			jr.Cells = append(jr.Cells, tb.Grid.RowTotal[i].String())
			t.Rows = append(t.Rows, jr)
		}
		if tb.Grid.HasTotalRow {
			jr := jointRow{Key: "total", Label: l.T("joint.total"), Label2: label(l2, "joint.total", ""), Total: true}
			for _, c := range tb.Grid.ColTotal {
				jr.Cells = append(jr.Cells, c.String())
			}
			jr.Cells = append(jr.Cells, tb.Grid.Grand.String())
			t.Rows = append(t.Rows, jr)
		}
		out = append(out, t)
	}
	for _, d := range r.Durations {
		t := jointTable{Key: d.Key, Title: l.T("joint.table." + d.Key), Title2: label(l2, "joint.table."+d.Key, "")}
		n := jointRow{Key: "n", Label: l.T("joint.row.n"), Label2: label(l2, "joint.row.n", "")}
		for _, c := range d.N.Inner[0] {
			n.Cells = append(n.Cells, c.String())
		}
		n.Cells = append(n.Cells, d.N.RowTotal[0].String())
		med := jointRow{Key: "median", Label: l.T("joint.row.median"), Label2: label(l2, "joint.row.median", ""), Cells: jointDays(d.Median)}
		p90 := jointRow{Key: "p90", Label: l.T("joint.row.p90"), Label2: label(l2, "joint.row.p90", ""), Cells: jointDays(d.P90)}
		t.Rows = []jointRow{n, med, p90}
		out = append(out, t)
	}
	return out
}

// jointDays formats quantiles in days, "—" where hidden, and "—" for the combined column.
func jointDays(qs []*float64) []string {
	out := make([]string, 0, len(qs)+1)
	for _, q := range qs {
		if q == nil {
			out = append(out, "—")
		} else {
			out = append(out, fmt.Sprintf("%.1f", *q))
		}
	}
	return append(out, "—")
}

// jointPage is the joint report page and its printable form.
type jointPage struct {
	Base
	Period    jointPeriod
	Countries []string
	Columns   []string // headings in the page's language
	Columns2  []string // and in the second language, when printing
	Tables    []jointTable
	Errors    map[string]string
	PrintURL  string
	CSVURL    string
	L2        *locale.Localizer // the printed page's second language; nil on screen
	// Missing says which country's store did not answer, so the page is one country's half.
	Missing string
}

// Bi is a label in the page's language and, when printing, the second one.
func (p jointPage) Bi(key string) [2]string {
	if p.L2 == nil {
		return [2]string{p.L.T(key), ""}
	}
	return [2]string{p.L.T(key), p.L2.T(key)}
}

// load builds the page of the requested period; invalid input comes back as the page with Errors.
func (h *jointHandlers) load(c echo.Context, l2 *locale.Localizer) (jointPage, int, error) {
	v := jointPage{Base: h.base(c), L2: l2}
	p, err := jointPeriodOf(c)
	v.Period = p
	q := url.Values{"from": {p.FromText}, "to": {p.ToText}}
	v.CSVURL, v.PrintURL = "/reports/joint.csv?"+q.Encode(), "/reports/joint/print?"+q.Encode()
	var r *jointreport.Report
	if err == nil {
		r, err = h.svc.Report(c.Request().Context(), actorOf(c), p.From, p.To)
	}
	if inv, ok := problem.AsInvalid(err); ok {
		v.Errors = map[string]string{}
		for f, key := range inv.Fields {
			v.Errors[f] = v.L.T(key)
		}
		return v, http.StatusUnprocessableEntity, nil
	}
	if err != nil {
		return v, 0, err
	}
	v.Countries, v.Tables, v.Missing = r.Countries, jointTables(r, v.L, l2), jointMissing(r.Missing, v.L)
	v.Columns, v.Columns2 = jointColumns(r.Countries, v.L), jointColumns(r.Countries, l2)
	return v, http.StatusOK, nil
}

// page shows the joint report of a period.
func (h *jointHandlers) page(c echo.Context) error {
	v, status, err := h.load(c, nil)
	if err != nil {
		return err
	}
	return h.render(c, status, "joint_report", v)
}

// print shows the printable bilingual page: labels in the page's language and in lang2 (th or km;
// English when lang2 is the page's own language).
func (h *jointHandlers) print(c echo.Context) error {
	lang2 := c.QueryParam("lang2")
	if lang2 != "th" && lang2 != "km" {
		lang2 = "km"
		if localizerOf(c).Lang == "km" {
			lang2 = "th"
		}
	}
	if lang2 == localizerOf(c).Lang {
		lang2 = "en"
	}
	v, status, err := h.load(c, h.Bundle.For(lang2, false, nil))
	if err != nil {
		return err
	}
	return h.render(c, status, "joint_report_print", v)
}

// csv writes the report as CSV (UTF-8 with a byte-order mark, for spreadsheets): one line per
// row with the table, the row key and label, a column per country and the combined column;
// suppressed counts are "<5" and complementary hidden cells "x".
func (h *jointHandlers) csv(c echo.Context) error {
	p, err := jointPeriodOf(c)
	if err != nil {
		return err
	}
	r, err := h.svc.Report(c.Request().Context(), actorOf(c), p.From, p.To)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	head := append([]string{"table", "row", "label"}, r.Countries...)
	_ = w.Write(append(head, jointreport.Combined))
	for _, t := range jointTables(r, localizerOf(c), nil) {
		for _, row := range t.Rows {
			// Operation names are typed by people: a name starting with = + - @ must stay text.
			line := append([]string{t.Key, row.Key, row.Label}, row.Cells...)
			for i := range line {
				line[i] = csvtext.Defuse(line[i])
			}
			_ = w.Write(line)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	name := fmt.Sprintf("joint-report-%s-%s.csv", p.FromText, p.ToText)
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// jointJSON is the API shape of the report: cells are numbers, or "<5" / "x" when hidden.
type jointJSON struct {
	From      string              `json:"from"`
	To        string              `json:"to"`
	Countries []string            `json:"countries"`
	Tables    []jointTableJSON    `json:"tables"`
	Durations []jointDurationJSON `json:"durations"`
	// Missing are the countries whose store did not answer: the report is the other half.
	Missing []string `json:"missing,omitempty"`
}

type jointTableJSON struct {
	Key   string                      `json:"key"`
	Rows  []jointRowJSON              `json:"rows"`
	Total map[string]jointreport.Cell `json:"total,omitempty"`
}

type jointRowJSON struct {
	Key    string                      `json:"key"`
	Values map[string]jointreport.Cell `json:"values"`
}

type jointDurationJSON struct {
	Key    string                      `json:"key"`
	N      map[string]jointreport.Cell `json:"n"`
	Median map[string]*float64         `json:"median_days"`
	P90    map[string]*float64         `json:"p90_days"`
}

// api answers GET /api/v1/reports/joint?from=&to=.
func (h *jointHandlers) api(c echo.Context) error {
	p, err := jointPeriodOf(c)
	if err != nil {
		return err
	}
	r, err := h.svc.Report(c.Request().Context(), actorOf(c), p.From, p.To)
	if err != nil {
		return err
	}
	cells := func(row []jointreport.Cell, total jointreport.Cell) map[string]jointreport.Cell {
		m := map[string]jointreport.Cell{jointreport.Combined: total}
		for i, cc := range r.Countries {
			m[cc] = row[i]
		}
		return m
	}
	out := jointJSON{From: p.FromText, To: p.ToText, Countries: r.Countries, Tables: []jointTableJSON{}, Durations: []jointDurationJSON{}, Missing: r.Missing}
	for _, tb := range r.Tables {
		t := jointTableJSON{Key: tb.Key, Rows: []jointRowJSON{}}
		for i, row := range tb.Rows {
			t.Rows = append(t.Rows, jointRowJSON{Key: row, Values: cells(tb.Grid.Inner[i], tb.Grid.RowTotal[i])})
		}
		if tb.Grid.HasTotalRow {
			t.Total = cells(tb.Grid.ColTotal, tb.Grid.Grand)
		}
		out.Tables = append(out.Tables, t)
	}
	for _, d := range r.Durations {
		j := jointDurationJSON{Key: d.Key, N: cells(d.N.Inner[0], d.N.RowTotal[0]), Median: map[string]*float64{}, P90: map[string]*float64{}}
		for i, cc := range r.Countries {
			j.Median[cc], j.P90[cc] = d.Median[i], d.P90[i]
		}
		out.Durations = append(out.Durations, j)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "<5" as written, not "\u003c5"
	if err := enc.Encode(out); err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, buf.Bytes())
}

// jointColumns are the column headings: each country's name, then "Combined".
func jointColumns(countries []string, l *locale.Localizer) []string {
	if l == nil {
		return nil
	}
	out := make([]string, 0, len(countries)+1)
	for _, cc := range countries {
		out = append(out, l.T("joint.country."+strings.ToLower(cc)))
	}
	return append(out, l.T("joint.combined"))
}

// jointMissing is the notice of a report without the countries in missing, or "".
func jointMissing(missing []string, l *locale.Localizer) string {
	if len(missing) == 0 {
		return ""
	}
	return l.T("joint.missing", "Countries", strings.Join(jointColumns(missing, l)[:len(missing)], ", "))
}
