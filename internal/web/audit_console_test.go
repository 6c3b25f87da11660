package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/audit"
	"homeward/internal/auditlog"
)

const khAuditor = "auditor@kh-mosvy-poipet.demo"

// auditPage is a JSON page of /api/v1/audit.
type auditPage struct {
	Items []struct {
		ID     int64 `json:"id"`
		Action string
		Actor  *struct{ Email string }
		Agency *struct{ Slug string }
		Entity string
		// EntityID and CaseRef name the record.
		EntityID string `json:"entity_id"`
		CaseRef  string `json:"case_reference"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func storeCase(t *testing.T, env *apptest.Env, cc string) (id, ref string) {
	t.Helper()
	st, err := env.App.Stores.For(cc)
	if err != nil {
		t.Fatal(err)
	}
	var c struct{ ID, Reference string }
	if err := st.DB.Raw(`SELECT id, reference FROM cases ORDER BY reference LIMIT 1`).Scan(&c).Error; err != nil || c.ID == "" {
		t.Fatalf("no %s case: %v", cc, err)
	}
	return c.ID, c.Reference
}

// withLang returns a signed-in client whose pages come in lang.
func withLang(t *testing.T, env *apptest.Env, email, lang string) *http.Client {
	t.Helper()
	c := env.Login(t, email)
	u, _ := url.Parse(env.URL())
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "lang", Value: lang, Path: "/"}})
	return c
}

func TestAuditConsolePages(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	_, ref := storeCase(t, env, "TH")
	c := env.Login(t, thAuditor)

	// The auditor's home is the console.
	res := send(t, c, mustRequest(t, http.MethodGet, base+"/"))
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/audit" {
		t.Fatalf("GET / as auditor: %d to %q, want 303 to /audit", res.Status, res.Header.Get("Location"))
	}
	for _, lang := range []string{"en", "th", "km"} {
		c := withLang(t, env, thAuditor, lang)
		for _, p := range []struct{ path, title string }{
			{"/audit", "audit.title"},
			{"/audit?action=case.&limit=5", "audit.title"},
			{"/audit/case", "audit.case.empty_form"},
			{"/audit/case?case=" + url.QueryEscape(ref), "audit.case.title"},
			{"/audit/report", "audit.report.title"},
			{"/audit/hub", "audit.hub.title"},
			{"/audit/chain", "audit.chain.status.never"},
			{"/audit?actor=nobody@example.org", "audit.empty"},
		} {
			status, page := apptest.Get(t, c, base+p.path)
			if status != http.StatusOK {
				t.Errorf("%s GET %s: %d: %s", lang, p.path, status, excerpt(page))
				continue
			}
			if want := message(t, page, p.title); !strings.Contains(page, want) {
				t.Errorf("%s GET %s lacks %q", lang, p.path, want)
			}
			if !strings.Contains(page, `href="/audit"`) {
				t.Errorf("%s GET %s: no nav link to /audit", lang, p.path)
			}
		}
	}
	// Paging: the older rows link keeps the filters.
	status, page := apptest.Get(t, c, base+"/audit?action=case.")
	if status != http.StatusOK || !strings.Contains(page, "action=case.&amp;cursor=") {
		t.Errorf("GET /audit?action=case.: %d, no pager keeping the filter: %s", status, excerpt(page))
	}
}

func mustRequest(t *testing.T, method, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestAuditConsoleBadInput(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	c := env.Login(t, thAuditor)
	for _, p := range []struct{ path, field, key, kept string }{
		{"/audit?from=yesterday", "from", "audit.error.time", `value="yesterday"`},
		{"/audit?from=2026-02-02&to=2026-02-01", "to", "audit.error.range", `value="2026-02-02"`},
		{"/audit?action=DROP+TABLE", "action", "audit.error.action", `value="DROP TABLE"`},
		{"/audit/report?per_hour=abc", "per_hour", "audit.error.per_hour", `value="abc"`},
		{"/audit/report?from=2026-01-01&to=2026-12-31", "from", "audit.error.period", `value="2026-12-31"`},
	} {
		status, page := apptest.Get(t, c, base+p.path)
		if status != http.StatusUnprocessableEntity {
			t.Errorf("GET %s: %d, want 422", p.path, status)
			continue
		}
		if want := message(t, page, p.key); !strings.Contains(page, want) {
			t.Errorf("GET %s lacks %q", p.path, want)
		}
		if !strings.Contains(page, p.kept) {
			t.Errorf("GET %s does not keep the input %s", p.path, p.kept)
		}
		api := strings.Replace(strings.Replace(p.path, "/audit/report", "/api/v1/audit/report", 1), "/audit?", "/api/v1/audit?", 1)
		status, body := apptest.API(t, http.MethodGet, base+api, env.Token(t, thAuditor), "")
		if e := decodeError(t, body); status != http.StatusUnprocessableEntity || e.Error.Fields[p.field] != p.key {
			t.Errorf("GET %s: %d %s, want 422 with %s = %s", api, status, body, p.field, p.key)
		}
	}
}

// TestAuditConsoleRefusals: the TH auditor sees nothing of KH; every other role gets 404.
func TestAuditConsoleRefusals(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	khID, khRef := storeCase(t, env, "KH")
	c, tok := env.Login(t, thAuditor), env.Token(t, thAuditor)
	// Give the KH log a fresh read of the KH case.
	if _, err := env.App.Cases.Get(context.Background(), env.Actor(t, khWorker), khID); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/audit?case=" + url.QueryEscape(khRef), "/audit/case?case=" + url.QueryEscape(khRef), "/audit/export.csv?case=" + url.QueryEscape(khRef)} {
		if status, page := apptest.Get(t, c, base+p); status != http.StatusNotFound {
			t.Errorf("TH auditor GET %s: %d, want 404: %s", p, status, excerpt(page))
		}
	}
	for _, p := range []string{"/api/v1/audit?case=" + url.QueryEscape(khRef), "/api/v1/audit/export?case=" + url.QueryEscape(khRef)} {
		if status, body := apptest.API(t, http.MethodGet, base+p, tok, ""); status != http.StatusNotFound || decodeError(t, body).Error.Code != "not_found" {
			t.Errorf("TH auditor GET %s: %d %s, want 404 not_found", p, status, body)
		}
	}
	// No KH row in the TH auditor's log or hub log, on any page.
	for _, path := range []string{"/api/v1/audit", "/api/v1/audit/hub"} {
		cursor := ""
		for range 40 {
			status, body := apptest.API(t, http.MethodGet, base+path+"?limit=200&cursor="+cursor, tok, "")
			if status != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, status, body)
			}
			var p auditPage
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Items {
				if e.EntityID == khID || e.CaseRef == khRef || (e.Agency != nil && strings.HasPrefix(e.Agency.Slug, "kh-")) ||
					(e.Actor != nil && strings.HasSuffix(e.Actor.Email, "@kh-mosvy-poipet.demo")) {
					t.Fatalf("TH auditor sees a KH row in %s: %+v", path, e)
				}
			}
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
	}
	// Every other role: 404 on the pages and the API.
	for _, email := range []string{thWorker, thSupervisor, thAnalyst, thAdmin, thPolice, thEmbassy, ngoWorker} {
		ec := env.Login(t, email)
		for _, p := range []string{"/audit", "/audit/case", "/audit/report", "/audit/hub", "/audit/chain", "/audit/export.csv"} {
			if status, _ := apptest.Get(t, ec, base+p); status != http.StatusNotFound {
				t.Errorf("%s GET %s: %d, want 404", email, p, status)
			}
		}
		et := env.Token(t, email)
		for _, p := range []string{"/api/v1/audit", "/api/v1/audit/report", "/api/v1/audit/hub", "/api/v1/audit/chain", "/api/v1/audit/export"} {
			if status, body := apptest.API(t, http.MethodGet, base+p, et, ""); status != http.StatusNotFound || decodeError(t, body).Error.Code != "not_found" {
				t.Errorf("%s GET %s: %d %s, want 404 not_found", email, p, status, body)
			}
		}
		if status, _ := apptest.API(t, http.MethodPost, base+"/api/v1/audit/chain", et, ""); status != http.StatusNotFound {
			t.Errorf("%s POST /api/v1/audit/chain: %d, want 404", email, status)
		}
		if strings.Contains(send(t, ec, mustRequest(t, http.MethodGet, base+"/settings")).Body, `href="/audit"`) {
			t.Errorf("%s sees the audit nav link", email)
		}
	}
}

// TestAuditConsoleShowsNoNames: the people of the store's cases are never named by the console, in
// its pages, its JSON or its CSV, even when an audit row's detail holds a name.
func TestAuditConsoleShowsNoNames(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	st, err := env.App.Stores.For("TH")
	if err != nil {
		t.Fatal(err)
	}
	var persons []struct{ GivenName, FamilyName string }
	if err := st.DB.Raw(`SELECT given_name, family_name FROM persons`).Scan(&persons).Error; err != nil || len(persons) == 0 {
		t.Fatalf("persons: %v", err)
	}
	caseID, ref := storeCase(t, env, "TH")
	worker := env.Actor(t, thWorker)
	for _, id := range []string{caseID} {
		if _, err := env.App.Cases.Get(context.Background(), worker, id); err != nil {
			t.Fatal(err)
		}
	}
	// A careless row: the person's name under several keys.
	p0 := persons[0]
	if err := st.DB.Transaction(func(tx *gorm.DB) error {
		return audit.Append(tx, env.App.Audit.Now(), audit.ByActor(worker, audit.CaseRead, "case", caseID,
			map[string]any{"name": p0.GivenName + " " + p0.FamilyName, "to": p0.GivenName, "stage": strings.ToLower(p0.FamilyName)}))
	}); err != nil {
		t.Fatal(err)
	}
	tok := env.Token(t, thAuditor)
	c := env.Login(t, thAuditor)
	var bodies []string
	for _, p := range []string{"/audit", "/audit/case?case=" + url.QueryEscape(ref), "/audit/report", "/audit/hub"} {
		_, page := apptest.Get(t, c, base+p)
		bodies = append(bodies, page)
	}
	for _, p := range []string{"/api/v1/audit?limit=200", "/api/v1/audit?case=" + url.QueryEscape(ref), "/api/v1/audit/export", "/api/v1/audit/report"} {
		status, body := apptest.API(t, http.MethodGet, base+p, tok, "")
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", p, status, body)
		}
		bodies = append(bodies, body)
	}
	all := strings.Join(bodies, "\n")
	// Agencies' and staff's names are shown on purpose; Khmer ones contain common family names
	// ("សុខ" in "សន្តិសុខ"), so they are taken out before looking for the persons' names.
	var staff []string
	if err := env.App.Hub.Raw(`SELECT name_en FROM agencies UNION ALL SELECT name_th FROM agencies
		UNION ALL SELECT name_km FROM agencies UNION ALL SELECT name FROM users`).Scan(&staff).Error; err != nil {
		t.Fatal(err)
	}
	for _, n := range staff {
		all = strings.ReplaceAll(all, n, "")
		if b, err := json.Marshal(n); err == nil {
			all = strings.ReplaceAll(all, strings.Trim(string(b), `"`), "")
		}
	}
	if !strings.Contains(all, ref) {
		t.Fatal("the console shows no row of the case read")
	}
	for _, p := range persons {
		for _, name := range []string{p.GivenName, p.FamilyName} {
			if utf8.RuneCountInString(name) >= 3 && strings.Contains(all, name) {
				t.Errorf("the console shows the name %q", name)
			}
		}
	}
}

func TestAuditExportAndChainCheck(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	c, tok := env.Login(t, thAuditor), env.Token(t, thAuditor)
	res := send(t, c, mustRequest(t, http.MethodGet, base+"/audit/export.csv?action=case."))
	if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", res.Status, res.Header)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\uFEFF"))).ReadAll()
	if err != nil || len(recs) < 2 || recs[0][5] != "action" {
		t.Fatalf("export: %v, %d records", err, len(recs))
	}
	for _, r := range recs[1:] {
		if !strings.HasPrefix(r[5], "case.") {
			t.Errorf("export row of action %q under the filter case.", r[5])
		}
	}

	// The chain check from the page: started, then intact.
	res = send(t, c, pageRequest(t, c, base+"/audit/chain", http.MethodPost, base+"/audit/chain"))
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/audit/chain" {
		t.Fatalf("POST /audit/chain: %d %q", res.Status, res.Header.Get("Location"))
	}
	env.App.Audit.Wait()
	if _, page := apptest.Get(t, c, base+"/audit/chain"); !strings.Contains(page, `data-status="intact"`) {
		t.Errorf("after the check: %s", excerpt(page))
	}
	// While one runs, the API says conflict and the page shows it running.
	st, _ := env.App.Stores.For("TH")
	if err := st.DB.Exec(`INSERT INTO audit_verifications (started_at, started_by, status) VALUES (now(), ?, 'running')`,
		env.Actor(t, thAuditor).UserID).Error; err != nil {
		t.Fatal(err)
	}
	if status, body := apptest.API(t, http.MethodPost, base+"/api/v1/audit/chain", tok, ""); status != http.StatusConflict {
		t.Errorf("POST /api/v1/audit/chain while running: %d %s, want 409", status, body)
	}
	if _, page := apptest.Get(t, c, base+"/audit/chain"); !strings.Contains(page, `data-status="running"`) {
		t.Errorf("running check not shown: %s", excerpt(page))
	}
	status, body := apptest.API(t, http.MethodGet, base+"/api/v1/audit/chain", tok, "")
	var cs auditlog.ChainStatus
	if status != http.StatusOK || json.Unmarshal([]byte(body), &cs) != nil || cs.Status != auditlog.ChainRunning {
		t.Errorf("GET /api/v1/audit/chain: %d %s", status, body)
	}
	// The KH auditor's chain is another store's: never run there.
	if status, body := apptest.API(t, http.MethodGet, base+"/api/v1/audit/chain", env.Token(t, khAuditor), ""); status != http.StatusOK || !strings.Contains(body, `"never"`) {
		t.Errorf("KH chain: %d %s", status, body)
	}
}

// TestRefusedCaseAccessIsAudited: a store user's 404 on a case route leaves an access.refused row
// in their store, with the same answer as ever; other 404s leave none.
func TestRefusedCaseAccessIsAudited(t *testing.T) {
	env := apptest.New(t)
	base := env.URL()
	khID, _ := storeCase(t, env, "KH")
	st, _ := env.App.Stores.For("TH")
	count := func() (n int64) {
		st.DB.Raw(`SELECT count(*) FROM audit_log WHERE action = ?`, auditlog.ActionRefused.Name()).Scan(&n)
		return n
	}
	before := count()
	c := env.Login(t, thWorker)
	unknown := send(t, c, mustRequest(t, http.MethodGet, base+"/cases/"+noSuchCaseID))
	other := send(t, c, mustRequest(t, http.MethodGet, base+"/cases/"+khID))
	if other.Status != http.StatusNotFound || unknown.Status != http.StatusNotFound {
		t.Fatalf("statuses %d %d, want 404", other.Status, unknown.Status)
	}
	if status, _ := apptest.API(t, http.MethodGet, base+"/api/v1/cases/"+khID, env.Token(t, thWorker), ""); status != http.StatusNotFound {
		t.Fatalf("API: %d", status)
	}
	apptest.Get(t, c, base+"/nowhere")
	apptest.Get(t, env.Login(t, thEmbassy), base+"/cases/"+khID) // no store: nothing to write
	if got := count() - before; got != 3 {
		t.Fatalf("%d access.refused rows, want 3 (two pages, one API call)", got)
	}
	var row struct{ EntityID, Detail string }
	st.DB.Raw(`SELECT entity_id, detail FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT 1`, auditlog.ActionRefused.Name()).Scan(&row)
	if row.EntityID != khID || row.Detail != `{"route":"/api/v1/cases/:id"}` {
		t.Errorf("last refused row: %+v", row)
	}
	// The auditor sees them in the report.
	status, body := apptest.API(t, http.MethodGet, base+"/api/v1/audit/report", env.Token(t, thAuditor), "")
	if status != http.StatusOK || strings.Count(body, `"action":"access.refused"`) < 3 {
		t.Errorf("report: %d, refused rows missing: %.500s", status, body)
	}
}
