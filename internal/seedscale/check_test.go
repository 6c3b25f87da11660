package seedscale_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"homeward/internal/apptest"
	"homeward/internal/audit"
	"homeward/internal/cases"
)

// checkFill checks a filled TH store: counts, every stage, the audit chain, the summaries against
// the base tables, a sealed document number opened by the case service and found by search, and
// the case list API.
func checkFill(t *testing.T, env *apptest.Env, wantPersons int) {
	t.Helper()
	ctx := context.Background()
	db := storeDB(t, env)
	var persons int
	if err := db.Raw(`SELECT count(*) FROM persons`).Scan(&persons).Error; err != nil || persons != wantPersons {
		t.Errorf("persons = %d (%v), want %d", persons, err, wantPersons)
	}
	var perStage []struct {
		Stage string
		N     int
	}
	if err := db.Raw(`SELECT stage, count(*) AS n FROM cases GROUP BY stage`).Scan(&perStage).Error; err != nil {
		t.Fatal(err)
	}
	if len(perStage) != len(cases.Stages) {
		t.Errorf("cases per stage %v: want every one of %d stages", perStage, len(cases.Stages))
	}
	for _, q := range []struct{ name, sql string }{
		{"screenings", `SELECT count(*) FROM screenings`},
		{"approved decisions", `SELECT count(*) FROM identification_decisions WHERE status = 'approved'`},
		{"pending decisions", `SELECT count(*) FROM identification_decisions WHERE status = 'proposed'`},
		{"packets", `SELECT count(*) FROM case_packets`},
		{"sealed narratives", `SELECT count(*) FROM screenings WHERE narrative_enc IS NOT NULL`},
	} {
		var n int
		if err := db.Raw(q.sql).Scan(&n).Error; err != nil || n < wantPersons/100 {
			t.Errorf("%s = %d (%v): too few for %d persons", q.name, n, err, wantPersons)
		}
	}
	if err := audit.Verify(ctx, db); err != nil {
		t.Errorf("audit chain: %v", err)
	}
	checkAuditDetails(t, env)
	// The name keys are every person's, as the migration's own back-fill derives them: it adds none.
	var before, after int
	countKeys := `SELECT (SELECT count(*) FROM person_name_keys) * 1000000 + (SELECT count(*) FROM person_names)`
	if err := db.Raw(countKeys).Scan(&before).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`SELECT person_name_keys_fill()`).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Raw(countKeys).Scan(&after).Error; err != nil || after != before {
		t.Errorf("person_name_keys_fill added rows: %d then %d (%v)", before, after, err)
	}
	// The name search's ordered index: exact (every case's texts, its updated_at and owner), and
	// complete (case_search_fill adds nothing).
	for _, q := range []struct{ name, sql string }{
		{"case_search missing or different", `SELECT count(*) FROM (SELECT search_text_key(t), c.id, c.updated_at, c.owner_agency_id
			FROM cases c JOIN persons p ON p.id = c.person_id, unnest(ARRAY[p.search_name, p.search_aliases]) t WHERE t <> ''
			EXCEPT SELECT key, id, updated_at, owner_agency_id FROM case_search) x`},
		{"case_search extra", `SELECT count(*) FROM (SELECT key, id, updated_at, owner_agency_id FROM case_search
			EXCEPT SELECT search_text_key(t), c.id, c.updated_at, c.owner_agency_id
			FROM cases c JOIN persons p ON p.id = c.person_id, unnest(ARRAY[p.search_name, p.search_aliases]) t WHERE t <> '') x`},
		{"search_texts missing", `SELECT count(*) FROM persons p, unnest(ARRAY[p.search_name, p.search_aliases]) t
			WHERE t <> '' AND EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id)
			  AND NOT EXISTS (SELECT 1 FROM search_texts x WHERE x.key = search_text_key(t) AND x.text = t)`},
	} {
		var n int
		if err := db.Raw(q.sql).Scan(&n).Error; err != nil || n != 0 {
			t.Errorf("%s: %d (%v)", q.name, n, err)
		}
	}
	checkSummaries(t, env)
	checkSealed(t, env)
	checkAPI(t, env)
}

// checkSummaries compares the report summaries with what the report functions derive from the
// base tables now, and the stage and step counts with direct counts.
func checkSummaries(t *testing.T, env *apptest.Env) {
	t.Helper()
	db := storeDB(t, env)
	for _, q := range []struct{ name, sql string }{
		{"case_facts missing or different", `SELECT count(*) FROM (SELECT * FROM report_facts_of(ARRAY(SELECT id FROM cases)) EXCEPT SELECT * FROM case_facts) x`},
		{"case_facts extra", `SELECT count(*) FROM (SELECT * FROM case_facts EXCEPT SELECT * FROM report_facts_of(ARRAY(SELECT id FROM cases))) x`},
		{"case_steps missing or different", `SELECT count(*) FROM (SELECT * FROM report_steps_of(ARRAY(SELECT id FROM cases)) EXCEPT SELECT * FROM case_steps) x`},
		{"case_steps extra", `SELECT count(*) FROM (SELECT * FROM case_steps EXCEPT SELECT * FROM report_steps_of(ARRAY(SELECT id FROM cases))) x`},
		{"dashboard_cases different", `SELECT count(*) FROM ((SELECT * FROM dashboard_facts_of(ARRAY(SELECT id FROM cases)) EXCEPT SELECT * FROM dashboard_cases)
  UNION ALL (SELECT * FROM dashboard_cases EXCEPT SELECT * FROM dashboard_facts_of(ARRAY(SELECT id FROM cases)))) x`},
		{"dashboard_counts different", `SELECT count(*) FROM ((SELECT a, d.user_id, i, count(*) FROM dashboard_cases d, unnest(d.agencies) a, unnest(d.items) i GROUP BY 1, 2, 3
  EXCEPT SELECT agency_id, user_id, item, sum(n) FROM dashboard_counts GROUP BY 1, 2, 3 HAVING sum(n) <> 0)
  UNION ALL (SELECT agency_id, user_id, item, sum(n) FROM dashboard_counts GROUP BY 1, 2, 3 HAVING sum(n) <> 0
  EXCEPT SELECT a, d.user_id, i, count(*) FROM dashboard_cases d, unnest(d.agencies) a, unnest(d.items) i GROUP BY 1, 2, 3)) x`},
	} {
		var n int
		if err := db.Raw(q.sql).Scan(&n).Error; err != nil || n != 0 {
			t.Errorf("%s: %d rows (%v)", q.name, n, err)
		}
	}
	type count struct {
		Key string
		N   int
	}
	var got, want []count
	if err := db.Raw(`SELECT key, sum(n)::int AS n FROM report_counts WHERE dim = 'stage' GROUP BY key ORDER BY key`).Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Raw(`SELECT stage AS key, count(*)::int AS n FROM cases GROUP BY stage ORDER BY stage`).Scan(&want).Error; err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report_counts by stage (-cases +counts):\n%s", diff)
	}
	got, want = nil, nil
	if err := db.Raw(`SELECT key, sum(n)::int AS n FROM report_counts WHERE dim = 'step' GROUP BY key ORDER BY key`).Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Raw(`SELECT step AS key, count(*)::int AS n FROM case_steps GROUP BY step ORDER BY step`).Scan(&want).Error; err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report_counts by step (-case_steps +counts):\n%s", diff)
	}
}

var documentNumber = regexp.MustCompile(`^(N|P|MC)[0-9]{6,7}$`)

// checkSealed opens the oldest filled person's document number through the case service and finds
// the case by it (blind index) through the case list.
func checkSealed(t *testing.T, env *apptest.Env) {
	t.Helper()
	ctx := context.Background()
	var id string
	if err := storeDB(t, env).Raw(`SELECT c.id FROM cases c JOIN persons p ON p.id = c.person_id
		WHERE p.document_number_enc IS NOT NULL AND c.owner_agency_id = ? ORDER BY c.created_at LIMIT 1`,
		env.Actor(t, thWorker).AgencyID).Scan(&id).Error; err != nil || id == "" {
		t.Fatalf("no filled case with a document (%v)", err)
	}
	sup := env.Actor(t, thSupervisor)
	v, err := env.App.Cases.Get(ctx, sup, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.Identity == nil || !documentNumber.MatchString(v.Identity.DocumentNumber) {
		t.Fatalf("identity %+v: want a document number", v.Identity)
	}
	if len(v.Identity.DocumentsHeld) != 1 || v.Identity.DocumentsHeld[0].Number != v.Identity.DocumentNumber {
		t.Errorf("documents held %+v, want the passport %s", v.Identity.DocumentsHeld, v.Identity.DocumentNumber)
	}
	// Typed as people type it: lower case, a space.
	q := strings.ToLower(v.Identity.DocumentNumber[:2] + " " + v.Identity.DocumentNumber[2:])
	page, err := env.App.Cases.List(ctx, sup, cases.ListQuery{Q: q})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range page.Items {
		found = found || s.ID == id
	}
	if !found {
		t.Errorf("search %q: case %s not in %d items", q, id, len(page.Items))
	}
}

// checkAPI lists a page through the JSON API and searches names in Khmer and Latin script.
func checkAPI(t *testing.T, env *apptest.Env) {
	t.Helper()
	tok := env.Token(t, thWorker)
	for _, q := range []string{"", "សុខ", "sok", "Dara"} {
		status, body := apptest.API(t, http.MethodGet, env.URL()+"/api/v1/cases?limit=50&q="+url.QueryEscape(q), tok, "")
		if status != http.StatusOK {
			t.Fatalf("q=%q: status %d %s", q, status, body)
		}
		var page struct {
			Items []struct {
				ID         string `json:"id"`
				GivenName  string `json:"given_name"`
				FamilyName string `json:"family_name"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		full := q != "Dara" // a Latin given name: a few dozen in 2,000 persons
		if full && (len(page.Items) != 50 || page.NextCursor == "") || len(page.Items) == 0 {
			t.Errorf("q=%q: %d items, cursor %q: want a full page and more", q, len(page.Items), page.NextCursor)
		}
	}
}

// checkAuditDetails checks that the newest audit row of each action the fill writes holds its
// detail as the app writes it: JSON, re-encoded by json.Marshal to the same text.
func checkAuditDetails(t *testing.T, env *apptest.Env) {
	t.Helper()
	var rows []struct{ Action, Detail string }
	if err := storeDB(t, env).Raw(`SELECT DISTINCT ON (action) action, detail FROM audit_log
		WHERE action IN (?, ?, ?, ?, ?, ?) ORDER BY action, id DESC`, audit.CaseIntake.Name(), audit.CaseTransition.Name(),
		audit.ScreeningRecord.Name(), audit.IdentificationPropose.Name(), audit.IdentificationApprove.Name(),
		audit.PacketPrepare.Name()).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 6 {
		t.Errorf("audit rows of %d actions, want 6: %+v", len(rows), rows)
	}
	for _, r := range rows {
		var m map[string]any
		if err := json.Unmarshal([]byte(r.Detail), &m); err != nil {
			t.Errorf("%s: detail %q: %v", r.Action, r.Detail, err)
			continue
		}
		if b, _ := json.Marshal(m); string(b) != r.Detail {
			t.Errorf("%s: detail %q, the app would write %q", r.Action, r.Detail, b)
		}
	}
}
