package cases_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"homeward/internal/cases"
)

// caseSearchWanted is what case_search and search_texts hold when they are exact: one row per case
// and non-empty search text of its person, with the case's updated_at and owner.
const caseSearchWanted = `SELECT DISTINCT search_text_key(t)::text || ' ' || c.id::text || ' ' || c.updated_at::text || ' ' || c.owner_agency_id::text
FROM cases c JOIN persons p ON p.id = c.person_id, unnest(ARRAY[p.search_name, p.search_aliases]) t
WHERE t <> '' ORDER BY 1`

const caseSearchHeld = `SELECT key::text || ' ' || id::text || ' ' || updated_at::text || ' ' || owner_agency_id::text
FROM case_search ORDER BY 1`

// TestCaseSearchFollowsChanges checks that the name search's ordered index (migration 00061) stays
// exact through every change that moves it: cases taken in, touched, handed to another owner and
// moved to another person (a merge); persons renamed, given aliases and losing them. After the
// changes the renamed and re-aliased persons are found by their new names only, the same way by
// every way of reading.
func TestCaseSearchFollowsChanges(t *testing.T) {
	env := newSearchEnv(t)
	worker, police := env.Actor(t, thWorker), env.Actor(t, thPolice)
	searchFixture(t, env, worker)
	st := thStore(t, env)
	check := func(when string) {
		t.Helper()
		var want, got []string
		if err := st.DB.Raw(caseSearchWanted).Scan(&want).Error; err != nil {
			t.Fatal(err)
		}
		if err := st.DB.Raw(caseSearchHeld).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if len(want) < 36 {
			t.Fatalf("%s: %d search rows wanted: the fixture does not test it", when, len(want))
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: case_search (-want +got):\n%s", when, d)
		}
		var missing int64
		if err := st.DB.Raw(`SELECT count(*) FROM persons p, unnest(ARRAY[p.search_name, p.search_aliases]) t
			WHERE t <> '' AND EXISTS (SELECT 1 FROM cases c WHERE c.person_id = p.id)
			  AND NOT EXISTS (SELECT 1 FROM search_texts x WHERE x.key = search_text_key(t) AND x.text = t)`).Scan(&missing).Error; err != nil {
			t.Fatal(err)
		}
		if missing != 0 {
			t.Errorf("%s: %d texts missing from search_texts", when, missing)
		}
	}
	check("after intake")

	var ids []struct{ CaseID, PersonID string }
	if err := st.DB.Raw(`SELECT c.id AS case_id, p.id AS person_id FROM cases c JOIN persons p ON p.id = c.person_id
		WHERE p.given_name IN ('Sokha', 'Dara', 'สมชาย') ORDER BY c.reference LIMIT 6`).Scan(&ids).Error; err != nil || len(ids) < 6 {
		t.Fatalf("fixture cases: %v (%d)", err, len(ids))
	}
	for _, sql := range []struct {
		q    string
		args []any
	}{
		{`UPDATE persons SET given_name = 'Renamedperson' WHERE id = ?`, []any{ids[0].PersonID}},
		{`UPDATE persons SET aliases = ARRAY['Fresh Alias'] WHERE id = ?`, []any{ids[1].PersonID}},
		{`UPDATE persons SET aliases = '{}' WHERE id IN (?, ?)`, []any{ids[2].PersonID, ids[0].PersonID}},
		{`UPDATE cases SET updated_at = updated_at + interval '1 hour', version = version + 1 WHERE id = ?`, []any{ids[3].CaseID}},
		{`UPDATE cases SET owner_agency_id = ? WHERE id = ?`, []any{police.AgencyID, ids[4].CaseID}},
		{`UPDATE cases SET person_id = ? WHERE id = ?`, []any{ids[1].PersonID, ids[5].CaseID}},
		{`UPDATE cases SET stage = stage WHERE id = ?`, []any{ids[3].CaseID}}, // no column the index reads
	} {
		if err := st.DB.Exec(sql.q, sql.args...).Error; err != nil {
			t.Fatalf("%s: %v", sql.q, err)
		}
	}
	check("after the changes")

	for _, q := range []string{"renamedperson", "fresh alias", "sokha", "dara", "สมชาย", "planalias"} {
		for _, a := range []struct {
			name string
			who  string
		}{{"worker", thWorker}, {"police", thPolice}} {
			actor := env.Actor(t, a.who)
			want := allPages(t, env.App.Cases, actor, cases.ListQuery{Q: q}, readWide)
			if q == "renamedperson" || q == "fresh alias" {
				if a.name == "worker" && len(want) == 0 {
					t.Fatalf("%q finds nothing after the change", q)
				}
			}
			for _, way := range readingWays {
				got := allPages(t, env.App.Cases, actor, cases.ListQuery{Q: q}, way)
				if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
					t.Errorf("%s %q %+v (-wide +got):\n%s", a.name, q, way, d)
				}
			}
		}
	}
}
