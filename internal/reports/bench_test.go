package reports_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/reports"
	"homeward/internal/testdb"
)

// benchPersons is the size of the store the dashboard benchmark runs over.
const benchPersons = 100_000

// rb is the bench rows: $1 cases, stage index s, received over the last 180 days.
const rb = `(SELECT i, md5('rb-p-' || i)::uuid AS pid, md5('rb-c-' || i)::uuid AS cid, (i / 3) % 8 AS s,
  current_date + interval '12 hours' - (i % 180) * interval '1 day' - (i % 1440) * interval '1 minute' AS created
  FROM generate_series(1, $1::int) i) rb`

// benchSeed seeds $1 persons and cases in twenty operations, with a stage history, screenings and
// identification decisions that fit each case's stage: $2 is the owner agency, $3 the acting user,
// $4 the approving supervisor; each statement takes its own args (see argsFor).
var benchSeed = []string{
	`INSERT INTO operations (id, name, operation_date, lead_agency_id)
SELECT md5('rb-op-' || j)::uuid, 'Bench operation ' || j, current_date - 10 * j, $2::uuid FROM generate_series(0, 19) j WHERE $1::int > 0`,
	`INSERT INTO persons (id, given_name, sex, age_estimate, nationality, minor, operation_id, created_at, updated_at)
SELECT pid, 'Bench', (ARRAY['female','male'])[1 + i % 2], 14 + i % 40,
  (ARRAY['KH','KH','KH','TH','ID','VN','CN','MM','KE','LA'])[1 + (i / 7) % 10], i % 13 = 0,
  CASE WHEN i % 3 = 0 THEN md5('rb-op-' || (i % 20))::uuid END, created, created
FROM ` + rb,
	`INSERT INTO cases (id, reference, person_id, owner_agency_id, stage, created_at, updated_at)
SELECT cid, 'RB-' || i, pid, $2::uuid,
  (ARRAY['reception','screening','identification','recovery','return_preparation','handover','reintegration','closed'])[1 + s],
  created, created
FROM ` + rb,
	`INSERT INTO stage_changes (id, case_id, from_stage, to_stage, actor_user_id, at)
SELECT md5('rb-sc-' || i || '-' || st.to_stage)::uuid, cid, st.from_stage, st.to_stage, $3::uuid, created + st.d * interval '1 day'
FROM ` + rb + ` JOIN (VALUES (1, 'reception', 'screening', 1), (2, 'screening', 'identification', 12),
  (3, 'identification', 'recovery', 20), (5, 'return_preparation', 'handover', 45),
  (6, 'handover', 'reintegration', 50), (7, 'reintegration', 'closed', 70))
  AS st(min_s, from_stage, to_stage, d) ON rb.s >= st.min_s WHERE $2::uuid IS NOT NULL`,
	`INSERT INTO screenings (id, case_id, interview_date, interviewer, created_by, created_at, updated_at)
SELECT md5('rb-scr-' || i)::uuid, cid, (created + interval '3 days')::date, 'Bench', $3::uuid,
  created + interval '3 days', created + interval '3 days'
FROM ` + rb + ` WHERE s >= 1 AND $2::uuid IS NOT NULL`,
	`INSERT INTO identification_decisions (id, case_id, decision, status, proposed_by, proposed_at, decided_by, decided_at)
SELECT md5('rb-d-' || i)::uuid, cid, CASE WHEN i % 10 = 0 THEN 'not_identified' ELSE 'identified' END,
  'approved', $3::uuid, created + interval '15 days', $4::uuid, created + (16 + i % 9) * interval '1 day'
FROM ` + rb + ` WHERE s >= 3 AND $2::uuid IS NOT NULL`,
	`INSERT INTO identification_decisions (id, case_id, decision, status, proposed_by, proposed_at)
SELECT md5('rb-d-' || i)::uuid, cid, 'identified', 'proposed', $3::uuid, created + interval '14 days'
FROM ` + rb + ` WHERE s = 2 AND i % 2 = 0 AND $2::uuid IS NOT NULL`,
}

// argsFor passes $1 up to the highest parameter a statement uses (statements mention every lower
// one, if only as "$2::uuid IS NOT NULL", so PostgreSQL can type them all).
func argsFor(q string, all []any) []any {
	var out []any
	for n := range all {
		if strings.Contains(q, fmt.Sprintf("$%d", n+1)) {
			out = all[:n+1]
		}
	}
	return out
}

// BenchmarkDashboard100k computes the store dashboard through reports.Service.Dashboard (section
// check, every aggregate, audit row) over 100,000 persons and cases, for the default 90-day period
// and for a whole year, as a supervisor and as an analyst (small-cell rule); and the operation
// progress. Each sub-benchmark reports ns/op and p95-ms, the 95th percentile of 50 timed calls.
func BenchmarkDashboard100k(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	worker, sup := env.Actor(b, thWorker), env.Actor(b, thSupervisor)
	start := time.Now()
	all := []any{benchPersons, worker.AgencyID, worker.UserID, sup.UserID}
	for _, q := range benchSeed {
		testdb.Exec(b, env.Databases["TH"], q, argsFor(q, all)...)
	}
	testdb.Exec(b, env.Databases["TH"], `VACUUM ANALYZE`)
	b.Logf("seeded %d persons and cases in %s", benchPersons, time.Since(start).Round(time.Millisecond))
	rs := reports.New(env.App.Stores)
	now := time.Now()
	analyst := env.Actor(b, thAnalyst)
	scenarios := []struct {
		name string
		call func() error
	}{
		{"dashboard=90d/supervisor", func() error { _, err := rs.Dashboard(ctx, sup, now.AddDate(0, 0, -90), now); return err }},
		{"dashboard=90d/analyst", func() error { _, err := rs.Dashboard(ctx, analyst, now.AddDate(0, 0, -90), now); return err }},
		{"dashboard=365d/analyst", func() error { _, err := rs.Dashboard(ctx, analyst, now.AddDate(-1, 0, 0), now); return err }},
		{"operations/analyst", func() error { _, err := rs.Operations(ctx, analyst); return err }},
	}
	for _, sc := range scenarios {
		b.Run(sc.name, func(b *testing.B) {
			p := apptest.P95(b, 50, sc.call)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := sc.call(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(p.Microseconds())/1000, "p95-ms")
		})
	}
}
