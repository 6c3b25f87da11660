package web_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"homeward/internal/apptest"
	"homeward/internal/authz"
)

const (
	khAnalyst       = "analyst@kh-mosvy-poipet.demo"
	jointTitleEN    = "Joint report: Thailand and Cambodia"
	jointTitleTH    = "รายงานร่วม: ประเทศไทยและกัมพูชา"
	jointTitleKM    = "របាយការណ៍រួម៖ ប្រទេសថៃ និងកម្ពុជា"
	jointPeriodPath = "?from=2025-01-01&to=2030-12-31"
)

// TestJointReportWhoMayOpen: analysts and supervisors of both stores open every form of the report;
// caseworkers, auditors, embassies and NGOs get the same 404 as an unknown page.
func TestJointReportWhoMayOpen(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	paths := []string{"/reports/joint", "/reports/joint/print?lang2=th", "/reports/joint.csv"}
	for _, email := range []string{thAnalyst, khAnalyst, thSupervisor} {
		c := env.Login(t, email)
		for _, p := range paths {
			if status, body := apptest.Get(t, c, base+p); status != http.StatusOK {
				t.Errorf("%s GET %s: %d %s", email, p, status, excerpt(body))
			}
		}
		if status, body := apptest.API(t, http.MethodGet, base+"/api/v1/reports/joint", env.Token(t, email), ""); status != http.StatusOK {
			t.Errorf("%s API: %d %s", email, status, body)
		}
	}
	for _, email := range []string{thWorker, thAuditor, thEmbassy, ngoWorker, khWorker} {
		c := env.Login(t, email)
		for _, p := range paths {
			if status, _ := apptest.Get(t, c, base+p); status != http.StatusNotFound {
				t.Errorf("%s GET %s: %d, want 404", email, p, status)
			}
		}
		status, body := apptest.API(t, http.MethodGet, base+"/api/v1/reports/joint", env.Token(t, email), "")
		if status != http.StatusNotFound || decodeError(t, body).Error.Code != "not_found" {
			t.Errorf("%s API: %d %s, want 404", email, status, body)
		}
	}
}

func TestJointReportPages(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	c := env.Login(t, thAnalyst)
	status, body := apptest.Get(t, c, base+"/reports/joint"+jointPeriodPath)
	if status != http.StatusOK || !strings.Contains(body, jointTitleEN) || !strings.Contains(body, `data-testid="joint-table-stage"`) {
		t.Fatalf("page: %d %s", status, excerpt(body))
	}
	for lang2, title := range map[string]string{"th": jointTitleTH, "km": jointTitleKM} {
		status, body := apptest.Get(t, c, base+"/reports/joint/print"+jointPeriodPath+"&lang2="+lang2)
		if status != http.StatusOK || !strings.Contains(body, jointTitleEN) || !strings.Contains(body, title) {
			t.Errorf("print %s: %d, want both titles: %s", lang2, status, excerpt(body))
		}
	}
	// Bad input: the page comes back with 422 and the period as typed.
	status, body = apptest.Get(t, c, base+"/reports/joint?from=2026-02-30&to=2026-03-01")
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "Enter the first day of the period.") || !strings.Contains(body, `value="2026-02-30"`) {
		t.Errorf("bad date: %d %s", status, excerpt(body))
	}
	status, body = apptest.Get(t, c, base+"/reports/joint?from=2026-03-01&to=2026-01-01")
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "The period must end after it starts.") {
		t.Errorf("reversed period: %d %s", status, excerpt(body))
	}
}

// TestJointReportCSV checks the export: BOM, header, and no count from 1 to 4 anywhere.
func TestJointReportCSV(t *testing.T) {
	env := apptest.New(t)
	c := env.Login(t, khAnalyst)
	res, err := c.Get(env.URL() + "/reports/joint.csv" + jointPeriodPath)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV: %d %v", res.StatusCode, res.Header)
	}
	b := make([]byte, 3)
	if _, err := res.Body.Read(b); err != nil || string(b) != "\ufeff" {
		t.Fatalf("no UTF-8 BOM: %q", b)
	}
	rows, err := csv.NewReader(res.Body).ReadAll()
	if err != nil || len(rows) < 10 {
		t.Fatalf("CSV rows: %d, %v", len(rows), err)
	}
	if got := strings.Join(rows[0], ","); got != "table,row,label,KH,TH,combined" {
		t.Errorf("header %q", got)
	}
	for _, row := range rows[1:] {
		for _, cell := range row[3:] {
			if n, err := strconv.Atoi(cell); err == nil && n > 0 && n < 5 {
				t.Errorf("count %d shown in %v", n, row)
			}
		}
	}
}

func TestJointReportAPI(t *testing.T) {
	env := apptest.New(t)
	tok := env.Token(t, thAnalyst)
	status, body := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/reports/joint"+jointPeriodPath, tok, "")
	var out struct {
		From, To  string
		Countries []string
		Tables    []struct {
			Key  string
			Rows []struct {
				Key    string
				Values map[string]json.RawMessage
			}
			Total map[string]json.RawMessage
		}
		Durations []struct {
			Key    string
			N      map[string]json.RawMessage
			Median map[string]*float64 `json:"median_days"`
		}
	}
	if err := json.Unmarshal([]byte(body), &out); status != http.StatusOK || err != nil {
		t.Fatalf("API: %d %s (%v)", status, body, err)
	}
	if out.From != "2025-01-01" || out.To != "2030-12-31" || len(out.Countries) != 2 || len(out.Tables) != 7 || len(out.Durations) != 2 {
		t.Fatalf("API shape: %s", body)
	}
	for _, tb := range out.Tables {
		for _, row := range tb.Rows {
			for col, v := range row.Values {
				if n, err := strconv.Atoi(string(v)); err == nil && n > 0 && n < 5 {
					t.Errorf("%s %s %s = %d shown", tb.Key, row.Key, col, n)
				} else if err != nil && string(v) != `"<5"` && string(v) != `"x"` {
					t.Errorf("%s %s %s = %s", tb.Key, row.Key, col, v)
				}
			}
		}
	}
	for _, q := range []string{"?from=2026-13-01&to=2026-12-31", "?from=2026-05-01&to=2026-04-01", "?from=1990-01-01&to=2026-01-01"} {
		status, body := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/reports/joint"+q, tok, "")
		if e := decodeError(t, body); status != http.StatusUnprocessableEntity || e.Error.Code != "invalid" || len(e.Error.Fields) == 0 {
			t.Errorf("%s: %d %s, want 422 with fields", q, status, body)
		}
	}
}

// TestAnalystNeverReachesACase walks every registered route as the TH analyst, with the ids of a
// real TH case, its person, note, attachment, decision and operation: every route about a case,
// person, note, attachment, decision or export is 404, and no other route's answer carries the
// case's reference or the person's name. Routes of the analyst's own account that change state
// (sign-out, settings) are not sent.
func TestAnalystNeverReachesACase(t *testing.T) {
	env, _ := attachmentsEnv(t)
	base := env.URL()
	caseID := sharedCaseID(t, env)
	ids := map[string]string{":aid": seedAttachment(t, env, caseID), ":agency": env.Actor(t, thPolice).AgencyID}
	ids[":nid"] = addNoteAPI(t, env, env.Token(t, thWorker), caseID, "general", "a note the analyst must never read").ID
	th, _ := env.App.Stores.For("TH")
	var row struct{ Reference, PersonID, GivenName, FamilyName string }
	if err := th.DB.Raw(`SELECT c.reference, c.person_id, p.given_name, p.family_name FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.id = ?`, caseID).Scan(&row).Error; err != nil || row.PersonID == "" {
		t.Fatalf("case %s: %v", caseID, err)
	}
	var decisionID string
	th.DB.Raw(`SELECT id FROM identification_decisions ORDER BY id LIMIT 1`).Scan(&decisionID)
	operationID := thOperationID(t, env)
	// The ids themselves are in the URL the analyst typed (a 404 page repeats its path in the
	// language switch); what must never come back is what they stand for.
	secrets := []string{row.Reference, row.GivenName + " " + row.FamilyName}

	analyst := env.Actor(t, thAnalyst)
	c, tok := env.Login(t, thAnalyst), env.Token(t, thAnalyst)
	rules := env.App.Server.AccessRules()
	routes := env.App.Server.Echo().Routes()
	sort.Slice(routes, func(i, j int) bool { return routes[i].Method+routes[i].Path < routes[j].Method+routes[j].Path })
	caseLike := []string{"/cases", "/persons", "/notes", "/attachments", "/decisions", "/export", "/timeline"}
	walked := 0
	for _, r := range routes {
		acc, ok := rules[r.Method+" "+r.Path]
		if r.Method == echo.RouteNotFound || !ok || acc.Public && r.Method != http.MethodGet {
			continue
		}
		if acc.Section == authz.SectionSelf && r.Method != http.MethodGet {
			continue // sign-out, settings: the analyst's own account
		}
		u := r.Path
		id := caseID
		switch {
		case strings.HasPrefix(u, "/operations/") || strings.HasPrefix(u, "/api/v1/operations/"):
			id = operationID
		case strings.Contains(u, "/persons/:id"):
			id = row.PersonID
		case strings.Contains(u, "/decisions/:id") && decisionID != "":
			id = decisionID
		}
		for k, v := range ids {
			u = strings.ReplaceAll(u, k, v)
		}
		u = base + strings.ReplaceAll(strings.ReplaceAll(u, ":id", id), "*", "app.css")
		var res response
		if strings.HasPrefix(r.Path, "/api/") {
			res = send(t, nil, apiRequest(t, r.Method, u, tok, strings.NewReader("{}")))
		} else {
			res = send(t, c, pageRequest(t, c, base+"/settings", r.Method, u))
		}
		walked++
		isCaseRoute := false
		for _, s := range caseLike {
			isCaseRoute = isCaseRoute || strings.Contains(r.Path, s)
		}
		if (isCaseRoute || !analyst.Can(acc.Section, acc.Action)) && !acc.Public && res.Status != http.StatusNotFound {
			t.Errorf("%s %s: status %d for the analyst, want 404: %s", r.Method, r.Path, res.Status, excerpt(res.Body))
		}
		for _, s := range secrets {
			if s != "" && strings.Contains(res.Body, s) {
				t.Errorf("%s %s: the answer carries %q", r.Method, r.Path, s)
			}
		}
	}
	if walked < 40 {
		t.Errorf("walked only %d routes", walked)
	}
}
