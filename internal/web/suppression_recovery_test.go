package web_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"homeward/internal/apptest"
	"homeward/internal/testdb"
)

// craftedPersons seeds the TH store with 29 persons received in June 2019 (long before the demo
// data) in two rescue operations, shaped so that the figures have small cells whose order by
// count differs from their order by key (VN 2, MM 1), a breakdown with a single small cell
// (male 2), and small stages and minors.
func craftedPersons(t *testing.T, env *apptest.Env) {
	t.Helper()
	a := env.Actor(t, thAnalyst)
	db := env.Databases["TH"]
	ops := map[string]string{"A": "0f1c00b0-0000-4000-8000-000000000001", "B": "0f1c00b0-0000-4000-8000-000000000002"}
	testdb.Exec(t, db, `INSERT INTO operations (id, name, operation_date, lead_agency_id) VALUES
		($1, 'Crafted Alpha', '2019-05-01', $3), ($2, 'Crafted Bravo', '2019-05-20', $3)`, ops["A"], ops["B"], a.AgencyID)
	type group struct {
		n                   int
		op, nat, sex, stage string
		minor               bool
	}
	groups := []group{
		{3, "A", "KH", "female", "reception", true},
		{2, "A", "KH", "female", "identification", false},
		{1, "A", "KH", "female", "recovery", false},
		{3, "A", "KH", "female", "reception", false},
		{3, "A", "ID", "female", "reception", false},
		{2, "B", "KH", "male", "screening", false},
		{4, "B", "KH", "female", "screening", false},
		{5, "B", "KH", "female", "reception", false},
		{2, "B", "VN", "female", "reception", false},
		{1, "B", "MM", "female", "reception", false},
		{3, "B", "ID", "female", "reception", false},
	}
	n := 0
	for _, g := range groups {
		for range g.n {
			n++
			pid := fmt.Sprintf("0f1c00b1-0000-4000-8000-%012d", n)
			testdb.Exec(t, db, `INSERT INTO persons (id, given_name, sex, nationality, minor, operation_id, created_at)
				VALUES ($1, 'Crafted', $2, $3, $4, $5, '2019-06-02T00:00:00Z')`, pid, g.sex, g.nat, g.minor, ops[g.op])
			testdb.Exec(t, db, `INSERT INTO cases (id, reference, person_id, owner_agency_id, stage, created_at, updated_at)
				VALUES ($1, $2, $1, $3, $4, '2019-06-02T00:00:00Z', '2019-06-02T00:00:00Z')`, pid, fmt.Sprintf("CR-%d", n), a.AgencyID, g.stage)
		}
	}
}

// published reads a JSON count: a number, or a marker string.
func published(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n int
	if err := json.Unmarshal(raw, &n); err != nil {
		t.Fatalf("count %s: %v", raw, err)
	}
	return strconv.Itoa(n)
}

type jsonRow struct {
	Key   string          `json:"key"`
	Count json.RawMessage `json:"count"`
}

var (
	sectionRE = regexp.MustCompile(`(?s)<section class="section chart-pair" aria-labelledby="h-([a-z-]+)">(.*?)</section>`)
	numCellRE = regexp.MustCompile(`<td class="num">([^<]*)</td>`)
	barRE     = regexp.MustCompile(`<rect x="\d+" y="\d+" width="(\d+)"`)
)

// TestSuppressedFiguresStaySuppressed reads, as an analyst, everything the store dashboard, the
// operation progress and the joint report publish about crafted data — the pages, the CSV and the
// API — and fails when any hidden count can be worked out from the totals, the markers, the order
// of the rows or the bars of the charts, or when the page, the CSV and the API disagree.
func TestSuppressedFiguresStaySuppressed(t *testing.T) {
	env := apptest.New(t)
	craftedPersons(t, env)
	c, tok := env.Login(t, thAnalyst), env.Token(t, thAnalyst)
	const period = "from=2019-01-01&to=2019-12-31"
	apiGet := func(path string, into any) {
		t.Helper()
		status, body := apptest.API(t, http.MethodGet, env.URL()+path, tok, "")
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, status, excerpt(body))
		}
		if err := json.Unmarshal([]byte(body), into); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	pageGet := func(path string) string {
		t.Helper()
		status, body := apptest.Get(t, c, env.URL()+path)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, status, excerpt(body))
		}
		return body
	}

	store := newDisclosure(1000)
	storeReports(t, store, apiGet, pageGet(`/reports?`+period), pageGet("/reports/operations"))
	joint := newDisclosure(1000)
	var jj jointAPI
	apiGet("/api/v1/reports/joint?"+period, &jj)
	status, csvBody := apptest.Get(t, c, env.URL()+"/reports/joint.csv?"+period)
	if status != http.StatusOK {
		t.Fatalf("joint CSV: %d", status)
	}
	jointReport(t, joint, csvBody, jj, pageGet("/reports/joint?"+period))

	// Both at once: the joint report's column of the reader's own store is the dashboard's figures.
	all := newDisclosure(1000)
	storeReports(t, all, apiGet, pageGet(`/reports?`+period), pageGet("/reports/operations"))
	jointReport(t, all, csvBody, jj, pageGet("/reports/joint?"+period))
	all.same("cases", id("joint", "cases", "TH"))
	for fid := range all.dom {
		if parts := strings.Split(fid, "/"); len(parts) == 2 && parts[0] != "op" && parts[0] != "flow" {
			if _, ok := all.dom[id("joint", parts[0], parts[1], "TH")]; ok {
				all.same(fid, id("joint", parts[0], parts[1], "TH"))
			}
		}
	}

	for name, d := range map[string]*disclosure{"store reports": store, "joint report": joint, "both": all} {
		if len(d.hidden) < 6 {
			t.Errorf("%s: only %d hidden figures: the crafted data no longer tests anything", name, len(d.hidden))
		}
		for _, leak := range d.solve() {
			t.Errorf("%s: %s", name, leak)
		}
	}
}

// storeReports adds what the store dashboard and the operation progress publish (API and pages).
func storeReports(t *testing.T, d *disclosure, apiGet func(string, any), dashPage, opsPage string) {
	t.Helper()
	var dash struct {
		Cases         json.RawMessage `json:"cases"`
		Suppressed    bool            `json:"suppressed"`
		ByStage       []jsonRow       `json:"by_stage"`
		ByNationality []jsonRow       `json:"by_nationality"`
		BySex         []jsonRow       `json:"by_sex"`
		ByAge         []jsonRow       `json:"by_age"`
		ByOperation   []jsonRow       `json:"by_operation"`
		Flow          []jsonRow       `json:"flow"`
	}
	apiGet("/api/v1/reports/dashboard?from=2019-01-01&to=2019-12-31", &dash)
	if !dash.Suppressed {
		t.Fatal("the analyst's dashboard is not suppressed")
	}
	must(t, d.figure("cases", published(t, dash.Cases)))
	sections := map[string][]string{} // chart id → shown values on the page, in order
	bars := map[string][]string{}
	for _, m := range sectionRE.FindAllStringSubmatch(dashPage, -1) {
		for _, v := range numCellRE.FindAllStringSubmatch(m[2], -1) {
			sections[m[1]] = append(sections[m[1]], html.UnescapeString(v[1]))
		}
		for _, w := range barRE.FindAllStringSubmatch(m[2], -1) {
			bars[m[1]] = append(bars[m[1]], w[1])
		}
	}
	if got := numCellRE.FindStringSubmatch(dashPage); got == nil || html.UnescapeString(got[1]) != published(t, dash.Cases) {
		t.Errorf("page cases %v, API %s", got, dash.Cases)
	}
	for _, b := range []struct {
		chart string
		rows  []jsonRow
		total bool
	}{{"stage", dash.ByStage, true}, {"nationality", dash.ByNationality, true}, {"sex", dash.BySex, true},
		{"age", dash.ByAge, true}, {"operation", dash.ByOperation, true}, {"flow", dash.Flow, false}} {
		var keys, ids, shown []string
		for _, r := range b.rows {
			fid := id(b.chart, r.Key)
			must(t, d.figure(fid, published(t, r.Count)))
			keys, ids, shown = append(keys, r.Key), append(ids, fid), append(shown, published(t, r.Count))
		}
		if strings.Join(sections[b.chart], "|") != strings.Join(shown, "|") {
			t.Errorf("%s: page shows %v, API %v", b.chart, sections[b.chart], shown)
		}
		for i, w := range bars[b.chart] {
			if _, hidden := d.hidden[ids[i]]; hidden && w != "0" {
				t.Errorf("%s: the bar of hidden %s is %s wide", b.chart, ids[i], w)
			}
		}
		if b.total { // every case is counted once in each of these (all crafted persons have an operation)
			d.sum("cases", ids...)
			d.listedOrder(keys, ids)
		}
	}

	var ops struct {
		Items []struct {
			ID            string          `json:"id"`
			Name          string          `json:"name"`
			Received      json.RawMessage `json:"received"`
			Repatriated   json.RawMessage `json:"repatriated"`
			ByNationality []jsonRow       `json:"by_nationality"`
		} `json:"items"`
	}
	apiGet("/api/v1/reports/operations", &ops)
	for _, it := range ops.Items {
		rec := id("op", it.ID, "received")
		must(t, d.figure(rec, published(t, it.Received)))
		var keys, ids, text []string
		for _, r := range it.ByNationality {
			fid := id("op", it.ID, r.Key)
			must(t, d.figure(fid, published(t, r.Count)))
			keys, ids = append(keys, r.Key), append(ids, fid)
			text = append(text, r.Key+" "+published(t, r.Count))
		}
		d.sum(rec, ids...)
		d.listedOrder(keys, ids)
		row := regexp.MustCompile(`(?s)<th scope="row">` + regexp.QuoteMeta(html.EscapeString(it.Name)) + `</th>\s*<td>[^<]*</td>\s*<td class="num">([^<]*)</td>.*?<td>([^<]*)</td>\s*</tr>`).FindStringSubmatch(opsPage)
		if row == nil || html.UnescapeString(row[1]) != published(t, it.Received) || (len(text) > 0 && html.UnescapeString(row[2]) != strings.Join(text, ", ")) {
			t.Errorf("operation %s: page row %q, API received %s nationalities %q", it.Name, row, it.Received, strings.Join(text, ", "))
		}
	}
	opBars := barRE.FindAllStringSubmatch(opsPage, -1)
	for i, it := range ops.Items {
		if i < len(opBars) && isMarker(published(t, it.Repatriated)) && opBars[i][1] != "0" {
			t.Errorf("operation %s: the bar of a hidden repatriated count is %s wide", it.Name, opBars[i][1])
		}
	}
}

func isMarker(s string) bool { return s == "<5" || s == "x" }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type jointAPI struct {
	Countries []string `json:"countries"`
	Tables    []struct {
		Key  string `json:"key"`
		Rows []struct {
			Key    string                     `json:"key"`
			Values map[string]json.RawMessage `json:"values"`
		} `json:"rows"`
		Total map[string]json.RawMessage `json:"total"`
	} `json:"tables"`
}

var tdRE = regexp.MustCompile(`<td>([^<]*)</td>`)

// jointReport adds what the joint report publishes, from its CSV, and checks that the API and the
// page show the same cells in the same order.
func jointReport(t *testing.T, d *disclosure, csvBody string, api jointAPI, page string) {
	t.Helper()
	lines, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvBody, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	cols := append(append([]string{}, lines[0][3:len(lines[0])-1]...), "combined")
	type table struct {
		keys  []string
		cells [][]string
	}
	tables, order := map[string]*table{}, []string{}
	for _, l := range lines[1:] {
		tb := tables[l[0]]
		if tb == nil {
			tb = &table{}
			tables[l[0]] = tb
			order = append(order, l[0])
		}
		tb.keys = append(tb.keys, l[1])
		tb.cells = append(tb.cells, l[3:])
	}
	// The page shows the same cells, table by table.
	for _, key := range order {
		m := regexp.MustCompile(`(?s)data-testid="joint-table-` + key + `">(.*?)</table>`).FindStringSubmatch(page)
		var want, got []string
		for _, row := range tables[key].cells {
			want = append(want, row...)
		}
		if m != nil {
			for _, v := range tdRE.FindAllStringSubmatch(m[1], -1) {
				got = append(got, html.UnescapeString(v[1]))
			}
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("joint %s: page %v, CSV %v", key, got, want)
		}
	}
	// The API shows the same rows in the same order.
	for _, at := range api.Tables {
		tb := tables[at.Key]
		for i, r := range at.Rows {
			if tb == nil || i >= len(tb.keys) || tb.keys[i] != r.Key {
				t.Errorf("joint %s: API row %d is %s, CSV %v", at.Key, i, r.Key, tb)
				continue
			}
			for j, col := range cols {
				if got := published(t, r.Values[col]); got != tb.cells[i][j] {
					t.Errorf("joint %s/%s/%s: API %s, CSV %s", at.Key, r.Key, col, got, tb.cells[i][j])
				}
			}
		}
	}
	linked := map[string]bool{"stage": true, "nationality": true, "sex": true, "age": true}
	for _, key := range order {
		tb := tables[key]
		if key == "to_decision" || key == "decision_to_return" {
			tb.keys, tb.cells = tb.keys[:1], tb.cells[:1] // the n row; median and p90 are days
		}
		colIDs := make([][]string, len(cols))
		var rowKeys, combined []string
		for i, rk := range tb.keys {
			var parts []string
			for j, col := range cols {
				fid := id("joint", key, rk, col)
				if rk == "total" && linked[key] {
					fid = id("joint", "cases", col) // one figure in every linked table
				}
				must(t, d.figure(fid, tb.cells[i][j]))
				if j < len(cols)-1 {
					parts = append(parts, fid)
				}
				if rk != "total" {
					colIDs[j] = append(colIDs[j], fid)
				}
			}
			if rk != "total" || !linked[key] {
				d.sum(id("joint", key, rk, "combined"), parts...)
			}
			if rk == "total" && linked[key] {
				d.sum(id("joint", "cases", "combined"), parts...)
				for j, col := range cols {
					d.sum(id("joint", "cases", col), colIDs[j]...)
				}
			} else if rk == "total" {
				for j, col := range cols {
					d.sum(id("joint", key, "total", col), colIDs[j]...)
				}
			} else {
				rowKeys, combined = append(rowKeys, rk), append(combined, id("joint", key, rk, "combined"))
			}
		}
		if key == "nationality" || key == "operation" {
			d.listedOrder(rowKeys, combined)
		}
	}
}
