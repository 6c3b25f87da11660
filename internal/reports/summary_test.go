package reports_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/imports"
	"homeward/internal/reports"
	"homeward/internal/screening"
)

// The direct queries below compute the figures from the base tables alone (cases, persons,
// operations, screenings, stage_changes, identification_decisions), as reports did before the
// summary of migration 00013: the reference the summary-based figures must equal.

const directBreakdownSQL = `
SELECT GROUPING(c.stage, p.nationality, p.sex, p.minor, o.name) AS g,
       coalesce(c.stage, '') AS stage, coalesce(p.nationality, '') AS nationality, coalesce(p.sex, '') AS sex,
       coalesce(p.minor, false) AS minor, o.name AS operation, count(*) AS n
FROM cases c
JOIN persons p ON p.id = c.person_id
LEFT JOIN operations o ON o.id = p.operation_id
WHERE c.created_at < $1
GROUP BY GROUPING SETS ((c.stage), (p.nationality), (p.sex), (p.minor), (o.name))`

const directFlowSQL = `
WITH sc AS (
  SELECT case_id, to_stage FROM stage_changes
  WHERE at >= $1 AND at < $2 AND to_stage IN ('identification', 'handover', 'reintegration', 'closed')
)
SELECT
  (SELECT count(*) FROM cases WHERE created_at >= $1 AND created_at < $2) AS received,
  (SELECT count(*) FROM (
      SELECT case_id FROM screenings WHERE created_at >= $1 AND created_at < $2
      UNION
      SELECT case_id FROM sc WHERE to_stage = 'identification') s) AS screened,
  (SELECT count(DISTINCT case_id) FROM identification_decisions
      WHERE status = 'approved' AND decision = 'identified' AND decided_at >= $1 AND decided_at < $2) AS identified,
  (SELECT count(DISTINCT case_id) FROM sc WHERE to_stage IN ('handover', 'reintegration')) AS returned,
  (SELECT count(DISTINCT case_id) FROM sc WHERE to_stage = 'closed') AS closed`

const directDurationsSQL = `
WITH dec AS (
  SELECT case_id, min(decided_at) AS decided_at FROM identification_decisions
  WHERE status = 'approved' AND decided_at < $2 GROUP BY case_id
), ret AS (
  SELECT case_id, min(at) AS at FROM stage_changes
  WHERE to_stage IN ('handover', 'reintegration') AND at < $2 GROUP BY case_id HAVING min(at) >= $1
)
SELECT a.*, b.* FROM
 (SELECT coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY x), 0) AS dec_median,
         coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY x), 0) AS dec_p90, count(*) AS dec_n
  FROM (SELECT extract(epoch FROM dec.decided_at - c.created_at) / 86400 AS x
        FROM dec JOIN cases c ON c.id = dec.case_id WHERE dec.decided_at >= $1) t) a,
 (SELECT coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY x), 0) AS ret_median,
         coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY x), 0) AS ret_p90, count(*) AS ret_n
  FROM (SELECT extract(epoch FROM ret.at - dec.decided_at) / 86400 AS x
        FROM ret JOIN dec ON dec.case_id = ret.case_id WHERE ret.at >= dec.decided_at) t) b`

const directOverdueSQL = `
SELECT count(*) FROM (
  SELECT c.id FROM cases c
  LEFT JOIN LATERAL (SELECT max(sc.at) AS at FROM stage_changes sc
                     WHERE sc.case_id = c.id AND sc.to_stage = 'screening') last ON true
  WHERE c.stage = 'screening' AND c.created_at < $1
    AND coalesce(last.at, c.created_at) < $1 - make_interval(days => $2)
  UNION
  SELECT d.case_id FROM identification_decisions d JOIN cases c ON c.id = d.case_id
  WHERE d.status = 'proposed' AND d.proposed_at < $1 - make_interval(days => $3) AND c.created_at < $1
) overdue`

const directProgressSQL = `
WITH pc AS MATERIALIZED (
  SELECT p.operation_id, p.nationality, c.id AS case_id, c.stage
  FROM persons p JOIN cases c ON c.person_id = p.id
  WHERE p.operation_id IS NOT NULL
), f AS (
  SELECT pc.*,
    EXISTS (SELECT 1 FROM screenings s WHERE s.case_id = pc.case_id)
      OR EXISTS (SELECT 1 FROM stage_changes sc WHERE sc.case_id = pc.case_id AND sc.to_stage = 'identification') AS screened,
    EXISTS (SELECT 1 FROM identification_decisions d
            WHERE d.case_id = pc.case_id AND d.status = 'approved' AND d.decision = 'identified') AS identified,
    pc.stage IN ('handover', 'reintegration')
      OR EXISTS (SELECT 1 FROM stage_changes sc WHERE sc.case_id = pc.case_id
                 AND sc.to_stage IN ('handover', 'reintegration')) AS repatriated
  FROM pc
)
SELECT o.id, o.name, o.operation_date, f.nationality,
  count(f.case_id) AS received,
  count(*) FILTER (WHERE f.screened) AS screened,
  count(*) FILTER (WHERE f.identified) AS identified,
  count(*) FILTER (WHERE f.repatriated) AS repatriated,
  count(*) FILTER (WHERE NOT f.repatriated AND f.stage <> 'closed') AS pending
FROM operations o
LEFT JOIN f ON f.operation_id = o.id
GROUP BY o.id, o.name, o.operation_date, f.nationality
ORDER BY o.operation_date DESC, o.id, f.nationality`

// directFigures computes the figures of [from, to) from the base tables.
func directFigures(t *testing.T, db *gorm.DB, from, to time.Time) *reports.Figures {
	t.Helper()
	f := &reports.Figures{From: from, To: to,
		ByStage: map[string]int{}, ByNationality: map[string]int{}, BySex: map[string]int{}, ByOperation: map[string]int{}}
	var rows []struct {
		G                       int
		Stage, Nationality, Sex string
		Minor                   bool
		Operation               *string
		N                       int
	}
	if err := db.Raw(directBreakdownSQL, to).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		switch r.G {
		case 0b01111:
			f.ByStage[r.Stage] += r.N
		case 0b10111:
			f.ByNationality[r.Nationality] += r.N
		case 0b11011:
			f.BySex[r.Sex] += r.N
		case 0b11101:
			if r.Minor {
				f.Minors += r.N
			} else {
				f.Adults += r.N
			}
		case 0b11110:
			if r.Operation != nil {
				f.ByOperation[*r.Operation] += r.N
			}
		}
	}
	if err := db.Raw(directFlowSQL, from, to).Scan(&f.Flow).Error; err != nil {
		t.Fatal(err)
	}
	var d struct {
		DecMedian, DecP90, RetMedian, RetP90 float64
		DecN, RetN                           int
	}
	if err := db.Raw(directDurationsSQL, from, to).Scan(&d).Error; err != nil {
		t.Fatal(err)
	}
	f.ToDecision = reports.Quantiles{Median: d.DecMedian, P90: d.DecP90, N: d.DecN}
	f.DecisionToReturn = reports.Quantiles{Median: d.RetMedian, P90: d.RetP90, N: d.RetN}
	ref := to
	if now := time.Now(); to.After(now) {
		ref = now
	}
	if err := db.Raw(directOverdueSQL, ref, reports.ScreeningDueDays, reports.ApprovalDueDays).Scan(&f.Overdue).Error; err != nil {
		t.Fatal(err)
	}
	return f
}

// directProgress computes operation progress from the base tables.
func directProgress(t *testing.T, db *gorm.DB) []reports.Progress {
	t.Helper()
	var rows []struct {
		ID, Name                                             string
		OperationDate                                        time.Time
		Nationality                                          *string
		Received, Screened, Identified, Repatriated, Pending int
	}
	if err := db.Raw(directProgressSQL).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var out []reports.Progress
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].ID != r.ID {
			out = append(out, reports.Progress{ID: r.ID, Name: r.Name, Date: r.OperationDate, ByNationality: map[string]int{}})
		}
		p := &out[len(out)-1]
		p.Received += r.Received
		p.Screened += r.Screened
		p.Identified += r.Identified
		p.Repatriated += r.Repatriated
		p.Pending += r.Pending
		if r.Nationality != nil && r.Received > 0 {
			p.ByNationality[*r.Nationality] += r.Received
		}
	}
	return out
}

// checkSummary compares, in one store, the summary tables with a recomputation from the base
// tables, and the figures and progress reports computes from them with the direct queries, over
// periods with whole and partial UTC days at either end.
func checkSummary(t *testing.T, db *gorm.DB, stage string) {
	t.Helper()
	ctx := context.Background()
	// The tables: rows that differ either way, and counts that differ from the recomputed ones.
	for table, q := range map[string]string{
		"case_facts": `SELECT count(*) FROM ((SELECT * FROM case_facts EXCEPT SELECT * FROM report_facts_of(ARRAY(SELECT id FROM cases)))
		  UNION ALL (SELECT * FROM report_facts_of(ARRAY(SELECT id FROM cases)) EXCEPT SELECT * FROM case_facts)) x`,
		"case_steps": `SELECT count(*) FROM ((SELECT * FROM case_steps EXCEPT SELECT * FROM report_steps_of(ARRAY(SELECT id FROM cases)))
		  UNION ALL (SELECT * FROM report_steps_of(ARRAY(SELECT id FROM cases)) EXCEPT SELECT * FROM case_steps)) x`,
		"report_counts": `WITH want AS (
		   SELECT k.day, k.dim, k.key, count(*) AS n FROM case_facts f,
		     LATERAL report_fact_keys(f.received_at, f.stage, f.nationality, f.sex, f.minor, f.operation_id) k GROUP BY 1, 2, 3
		   UNION ALL
		   SELECT k.day, k.dim, k.key, count(*) FROM case_steps s,
		     LATERAL report_step_keys(s.step, s.at, s.prev_at) k GROUP BY 1, 2, 3),
		 got AS (SELECT day, dim, key, sum(n) AS n FROM report_counts GROUP BY 1, 2, 3 HAVING sum(n) <> 0)
		 SELECT count(*) FROM ((SELECT * FROM want EXCEPT SELECT * FROM got) UNION ALL (SELECT * FROM got EXCEPT SELECT * FROM want)) x`,
	} {
		var n int
		if err := db.Raw(q).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s: %d rows of %s differ from a recomputation from the base tables", stage, n, table)
		}
	}
	now := time.Now()
	periods := [][2]time.Time{
		{now.AddDate(0, 0, -90), now},
		{now.AddDate(-1, 0, 0), now.Add(time.Hour)},
		{now.Add(-30 * time.Hour), now.Add(-2 * time.Hour)},
		{now.Add(-3 * time.Hour), now.Add(time.Minute)},
		{now.AddDate(0, 0, -40).Truncate(24 * time.Hour), now.AddDate(0, 0, -3).Truncate(24 * time.Hour)},
		{now.AddDate(0, 0, -12), now.AddDate(0, 0, -5)},
		{now.AddDate(-5, 0, 0), now.AddDate(0, 0, 30)},
	}
	for _, p := range periods {
		got, err := reports.Compute(ctx, db, p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		want := directFigures(t, db, p[0], p[1])
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: figures of %s – %s (-direct +summary):\n%s", stage, p[0].Format(time.RFC3339), p[1].Format(time.RFC3339), d)
		}
	}
	// Inside a transaction the queries run one after the other, with the same result.
	err := db.Transaction(func(tx *gorm.DB) error {
		got, err := reports.Compute(ctx, tx, periods[0][0], periods[0][1])
		if err != nil {
			return err
		}
		if d := cmp.Diff(directFigures(t, db, periods[0][0], periods[0][1]), got); d != "" {
			t.Errorf("%s: figures in a transaction (-direct +summary):\n%s", stage, d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := reports.ComputeProgress(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(directProgress(t, db), got); d != "" {
		t.Errorf("%s: progress (-direct +summary):\n%s", stage, d)
	}
}

// TestSummaryFollowsEveryChange changes a demo store through the services (intake, bulk import,
// transitions, screenings, decisions proposed, approved and returned, a merge, a second case) and
// through plain SQL (back-dated and deleted history, person edits, a deleted case), and after
// each step checks that the summary equals a recomputation from the base tables and that the
// figures equal the direct queries.
func TestSummaryFollowsEveryChange(t *testing.T) {
	env := apptest.New(t)
	ctx := context.Background()
	st, _ := env.App.Stores.For("TH")
	db := st.DB
	w, sup := env.Actor(t, thWorker), env.Actor(t, thSupervisor)
	checkSummary(t, db, "demo store")

	// Intake, one by one.
	age := 30
	var ids []string
	for i, p := range []struct{ nat, sex string }{{"KH", "female"}, {"KH", "male"}, {"MM", "female"}, {"VN", "male"}, {"KH", "other"}} {
		in := cases.IntakeInput{GivenName: fmt.Sprintf("Summary%c", 'A'+i), FamilyName: "Check", Sex: p.sex, AgeEstimate: &age,
			Nationality: p.nat, Minor: i == 2}
		r, err := env.App.Cases.Register(ctx, w, in)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.Case.ID)
	}
	checkSummary(t, db, "intake")

	// Bulk import into an operation.
	var op string
	if err := db.Raw(`SELECT id FROM operations ORDER BY operation_date, id LIMIT 1`).Scan(&op).Error; err != nil || op == "" {
		t.Fatalf("no operation: %v", err)
	}
	file := "Given name,Family name,Sex (female/male/other/unknown),Estimated age,Nationality (country code),Minor (yes/no)\n" +
		"Bulkone,Summary,female,22,KH,no\nBulktwo,Summary,male,16,KH,yes\nBulkthree,Summary,female,35,LA,no\n"
	rep, err := imports.New(env.App.Stores, env.App.Cases).Import(ctx, w, op, []byte(file), false)
	if err != nil || rep.Created != 3 {
		t.Fatalf("import: %v, %+v", err, rep)
	}
	checkSummary(t, db, "bulk import")

	// Transitions, a screening, decisions.
	move := func(id string, to cases.Stage, a string) {
		t.Helper()
		v, err := env.App.Cases.Get(ctx, sup, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.App.Cases.Transition(ctx, env.Actor(t, a), id, cases.TransitionInput{To: to, Version: v.Case.Version, Reason: "summary test"}); err != nil {
			t.Fatalf("move %s to %s: %v", id, to, err)
		}
	}
	sc := screening.New(env.App.Stores)
	for _, id := range ids[:4] {
		move(id, cases.StageScreening, thWorker)
	}
	for _, id := range ids[:3] {
		if _, err := sc.RecordScreening(ctx, w, id, screening.Input{InterviewDate: "2025-06-20", Interviewer: "Malee S.", Language: "km"}); err != nil {
			t.Fatal(err)
		}
		move(id, cases.StageIdentification, thWorker)
	}
	checkSummary(t, db, "screenings and transitions")
	decide := func(id, decision string, approve bool) {
		t.Helper()
		d, err := sc.ProposeDecision(ctx, w, id, screening.ProposalInput{Decision: decision, LegalBasis: "ACTIP art. 14"})
		if err != nil {
			t.Fatal(err)
		}
		if approve {
			_, err = sc.Approve(ctx, sup, d.ID, screening.ReviewInput{Version: d.Version})
		} else {
			_, err = sc.Return(ctx, sup, d.ID, screening.ReviewInput{Version: d.Version, Comment: "more detail"})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	decide(ids[0], "identified", true)
	decide(ids[1], "not_identified", false)
	decide(ids[1], "identified", true)
	if _, err := sc.ProposeDecision(ctx, w, ids[2], screening.ProposalInput{Decision: "identified", LegalBasis: "x"}); err != nil {
		t.Fatal(err)
	}
	checkSummary(t, db, "decisions")
	for _, to := range []cases.Stage{cases.StageRecovery, cases.StageReturnPreparation, cases.StageHandover, cases.StageReintegration} {
		move(ids[0], to, thWorker)
	}
	move(ids[1], cases.StageRecovery, thWorker)
	move(ids[1], cases.StageReintegration, thWorker)
	move(ids[1], cases.StageClosed, thSupervisor)
	move(ids[3], cases.StageReception, thWorker)
	move(ids[3], cases.StageScreening, thWorker)
	checkSummary(t, db, "returns and closure")

	// A merge moves ids[4]'s case to the person of ids[2] (a minor: the kept person stays one).
	var merged, kept string
	db.Raw(`SELECT person_id::text FROM cases WHERE id = ?`, ids[4]).Scan(&merged)
	db.Raw(`SELECT person_id::text FROM cases WHERE id = ?`, ids[2]).Scan(&kept)
	if _, err := env.App.Cases.Merge(ctx, sup, merged, cases.MergeInput{Into: kept, Reason: "same person"}); err != nil {
		t.Fatal(err)
	}
	var closed string // the person of the closed case ids[1] gets a second case
	db.Raw(`SELECT person_id::text FROM cases WHERE id = ?`, ids[1]).Scan(&closed)
	if _, created, err := env.App.Cases.LinkCase(ctx, w, closed); err != nil || !created {
		t.Fatalf("link case: created %v, %v", created, err)
	}
	checkSummary(t, db, "merge")

	// Plain SQL: history back-dated over several days (events leave and enter periods, previous
	// events change order), a person's details edited, history and a case deleted.
	for _, q := range []string{
		`UPDATE stage_changes SET at = at - interval '20 days' WHERE case_id = '` + ids[0] + `' AND to_stage = 'handover'`,
		`UPDATE stage_changes SET at = at - interval '2 days 3 hours' WHERE case_id = '` + ids[3] + `' AND to_stage = 'screening'`,
		`UPDATE screenings SET created_at = created_at - interval '10 days' WHERE case_id = '` + ids[1] + `'`,
		`UPDATE identification_decisions SET decided_at = decided_at - interval '6 days', proposed_at = proposed_at - interval '9 days' WHERE case_id = '` + ids[0] + `'`,
		`UPDATE identification_decisions SET proposed_at = proposed_at - interval '8 days' WHERE case_id = '` + ids[2] + `' AND status = 'proposed'`,
		`UPDATE cases SET created_at = created_at - interval '30 days' WHERE id IN ('` + ids[0] + `', '` + ids[1] + `')`,
		`UPDATE persons SET nationality = 'LA', sex = 'female', operation_id = '` + op + `' WHERE id = '` + kept + `'`,
		`UPDATE persons SET minor = NOT minor WHERE id IN (SELECT person_id FROM cases WHERE reference LIKE 'TH-%' ORDER BY reference LIMIT 7)`,
		`UPDATE cases SET stage = 'screening' WHERE stage = 'reception'`,
		`DELETE FROM stage_changes WHERE case_id = '` + ids[1] + `' AND to_stage = 'closed'`,
		`DELETE FROM identification_decisions WHERE case_id = '` + ids[2] + `'`,
	} {
		if err := db.Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	checkSummary(t, db, "plain SQL changes")
	// Deletions: a case's history, then a bulk-imported case nothing else refers to.
	var bare string
	db.Raw(`SELECT c.id::text FROM cases c JOIN persons p ON p.id = c.person_id WHERE p.given_name = 'Bulkthree'`).Scan(&bare)
	for _, q := range []string{
		`DELETE FROM stage_changes WHERE case_id = '` + ids[3] + `'`,
		`DELETE FROM screenings WHERE case_id = '` + ids[0] + `'`,
		`DELETE FROM cases WHERE id = '` + bare + `'`,
	} {
		if err := db.Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	checkSummary(t, db, "deletions")
}
