package web_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"homeward/internal/apptest"
)

// TestReportsRefused checks that roles without the reports section, and agencies without a
// store, get 404 on every report page and API route.
func TestReportsRefused(t *testing.T) {
	env := apptest.New(t)
	paths := []string{"/reports", "/reports/operations", "/reports?from=2026-01-01&to=2026-02-01"}
	apis := []string{"/api/v1/reports/dashboard", "/api/v1/reports/operations"}
	for _, who := range []string{thWorker, thPolice, thEmbassy, ngoWorker} {
		c := env.Login(t, who)
		for _, p := range paths {
			if code, _ := apptest.Get(t, c, env.URL()+p); code != http.StatusNotFound {
				t.Errorf("%s GET %s: %d, want 404", who, p, code)
			}
		}
		tok := env.Token(t, who)
		for _, p := range apis {
			if code, body := apptest.API(t, http.MethodGet, env.URL()+p, tok, ""); code != http.StatusNotFound {
				t.Errorf("%s GET %s: %d, want 404: %s", who, p, code, body)
			}
		}
	}
	for _, p := range apis {
		if code, _ := apptest.API(t, http.MethodGet, env.URL()+p, "", ""); code != http.StatusUnauthorized {
			t.Errorf("anonymous GET %s: %d, want 401", p, code)
		}
	}
}

// caseLink matches any link that could lead to a single case, person or operation's persons.
var caseLink = regexp.MustCompile(`href="/(cases|persons|operations)[/"?]|href="/api/`)

// TestReportsAnalyst checks that an analyst lands on the dashboard, sees aggregates with the
// small-cell rule, and that nothing on the report pages leads to a case.
func TestReportsAnalyst(t *testing.T) {
	env := apptest.New(t)
	c := env.Login(t, thAnalyst)
	res, err := c.Get(env.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/reports" {
		t.Fatalf("analyst home: %d -> %q, want 303 -> /reports", res.StatusCode, res.Header.Get("Location"))
	}
	for _, p := range []string{"/reports", "/reports/operations"} {
		code, body := apptest.Get(t, c, env.URL()+p)
		if code != http.StatusOK {
			t.Fatalf("analyst GET %s: %d", p, code)
		}
		if m := caseLink.FindString(body); m != "" {
			t.Errorf("analyst GET %s: link %s", p, m)
		}
		if !strings.Contains(body, "<svg") || !strings.Contains(body, `role="img"`) {
			t.Errorf("analyst GET %s: no chart", p)
		}
	}
	// The demo store has a few dozen cases spread over eight stages: some stage holds 1 to 4.
	_, body := apptest.Get(t, c, env.URL()+"/reports")
	if !strings.Contains(body, "&lt;5") {
		t.Errorf("analyst dashboard shows no suppressed cell")
	}
	tok := env.Token(t, thAnalyst)
	for _, p := range []string{"/api/v1/reports/dashboard", "/api/v1/reports/operations"} {
		code, out := apptest.API(t, http.MethodGet, env.URL()+p, tok, "")
		if code != http.StatusOK {
			t.Fatalf("analyst GET %s: %d %s", p, code, out)
		}
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatal(err)
		}
		walkCounts(t, p, v)
	}
	// An analyst asking for a case gets 404, on pages and in the API.
	var caseID string
	st, _ := env.App.Stores.For("TH")
	st.DB.Raw(`SELECT id FROM cases LIMIT 1`).Scan(&caseID)
	if code, _ := apptest.Get(t, c, env.URL()+"/cases/"+caseID); code != http.StatusNotFound {
		t.Errorf("analyst GET /cases/:id: %d, want 404", code)
	}
	if code, _ := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/cases/"+caseID, tok, ""); code != http.StatusNotFound {
		t.Errorf("analyst GET /api/v1/cases/:id: %d, want 404", code)
	}
}

// walkCounts fails on any small count (1 to 4) published as a number under "count" or a flow key.
func walkCounts(t *testing.T, path string, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if n, ok := e.(float64); ok && n > 0 && n < 5 && k != "median_days" && k != "p90_days" {
				t.Errorf("%s: %s = %v shown to an analyst", path, k, n)
			}
			walkCounts(t, path, e)
		}
	case []any:
		for _, e := range x {
			walkCounts(t, path, e)
		}
	}
}

// TestReportsSupervisor checks the supervisor's dashboard and its JSON shape. The demo store holds
// police cases the welfare supervisor may not read, so its store-wide figures are suppressed.
func TestReportsSupervisor(t *testing.T) {
	env := apptest.New(t)
	c := env.Login(t, thSupervisor)
	code, body := apptest.Get(t, c, env.URL()+"/reports")
	if code != http.StatusOK || !strings.Contains(body, `href="/reports"`) {
		t.Fatalf("supervisor /reports: %d (nav link present: %v)", code, strings.Contains(body, `href="/reports"`))
	}
	tok := env.Token(t, thSupervisor)
	code, out := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/reports/dashboard?from=2025-01-01&to=2029-12-31", tok, "")
	if code != http.StatusOK {
		t.Fatalf("dashboard API: %d %s", code, out)
	}
	var d struct {
		Country    string `json:"country"`
		From, To   string
		Suppressed bool `json:"suppressed"`
		Cases      int  `json:"cases"`
		ByStage    []struct {
			Key   string `json:"key"`
			Count any    `json:"count"` // a number, or "<5"
		} `json:"by_stage"`
		Flow []struct {
			Key   string `json:"key"`
			Count any    `json:"count"`
		} `json:"flow"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	sum := 0
	for _, r := range d.ByStage {
		switch n := r.Count.(type) {
		case float64:
			sum += int(n)
			if n > 0 && n < 5 {
				t.Errorf("small cell %s = %v shown", r.Key, n)
			}
		case string: // "<5" hides a small count, "x" one hidden only to protect another
			if n != "<5" && n != "x" {
				t.Errorf("count %s = %q", r.Key, n)
			}
		}
	}
	if d.Country != "TH" || !d.Suppressed || d.From != "2025-01-01" || d.To != "2029-12-31" || d.Cases < 40 || sum > d.Cases || len(d.Flow) != 5 {
		t.Errorf("dashboard: %+v", d)
	}
	code, out = apptest.API(t, http.MethodGet, env.URL()+"/api/v1/reports/operations", tok, "")
	if code != http.StatusOK || !strings.Contains(out, `"items":[{`) {
		t.Errorf("operations API: %d %s", code, out)
	}
}

// TestReportsBadPeriod checks invalid periods on the page (422, input kept) and the API.
func TestReportsBadPeriod(t *testing.T) {
	env := apptest.New(t)
	c := env.Login(t, thSupervisor)
	tok := env.Token(t, thSupervisor)
	for _, q := range []string{"from=2026-13-01", "to=yesterday", "from=2026-03-01&to=2026-02-01", "from=2000-01-01&to=2026-01-01"} {
		code, body := apptest.Get(t, c, env.URL()+"/reports?"+q)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, `class="field-error"`) {
			t.Errorf("GET /reports?%s: %d, want 422 with an error", q, code)
		}
		code, out := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/reports/dashboard?"+q, tok, "")
		if code != http.StatusUnprocessableEntity || !strings.Contains(out, `"fields"`) {
			t.Errorf("API ?%s: %d %s", q, code, out)
		}
	}
	if _, body := apptest.Get(t, c, env.URL()+"/reports?from=2026-13-01"); !strings.Contains(body, `value="2026-13-01"`) {
		t.Errorf("input not kept")
	}
}
