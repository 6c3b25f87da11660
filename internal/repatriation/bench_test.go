package repatriation_test

import (
	"context"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/repatriation"
	"homeward/internal/testdb"
)

// benchCases is the number of cases with a repatriation section in the benchmark store.
const benchCases = 50_000

// benchSQL seeds $1 persons and cases in the KH store, one in ten owned by the police ($3), the
// others by the welfare agency ($2), over five stages (two in five still preparing a return), each
// with a repatriation section opened up to 90 days ago and its six steps: deadlines spread from 60
// days ago to 30 days ahead, about half of them done.
var benchSQL = []string{
	`INSERT INTO persons (id, given_name, sex, nationality)
SELECT md5('rb-p-' || i)::uuid, 'Bench ' || i, (ARRAY['female','male'])[1 + i % 2], (ARRAY['TH','ID','VN'])[1 + i % 3]
FROM generate_series(1, $1) i`,
	`INSERT INTO cases (id, reference, person_id, owner_agency_id, stage)
SELECT md5('rb-c-' || i)::uuid, 'RB-' || i, md5('rb-p-' || i)::uuid,
  CASE WHEN i % 10 = 1 THEN $3::uuid ELSE $2::uuid END,
  (ARRAY['recovery','return_preparation','handover','reintegration','closed'])[1 + i % 5]
FROM generate_series(1, $1) i`,
	`INSERT INTO repatriations (case_id, opened_on, updated_at)
SELECT md5('rb-c-' || i)::uuid, current_date - (i % 90), now() FROM generate_series(1, $1) i`,
	`INSERT INTO repatriation_steps (case_id, step, due_on, done, active, owner_agency_id)
SELECT c.id, s, current_date - 60 + abs(hashtext(i || s)) % 90, abs(hashtext(s || i)) % 2 = 0,
  c.stage IN ('recovery', 'return_preparation'), c.owner_agency_id
FROM generate_series(1, $1) i JOIN cases c ON c.id = md5('rb-c-' || i)::uuid,
  unnest(ARRAY['nationality','travel_document','family_tracing','route','escort','planned_date']) s`,
}

// BenchmarkOverdue lists the overdue steps over 50,000 cases with a repatriation section (300,000
// steps, two cases in five still preparing a return): for the KH welfare supervisor (90% of the
// cases, the list capped at 500, and its first 20 as a dashboard shows them; the police own the
// other 10% and have no repatriation section); reports ns/op and p95 of 200 calls.
func BenchmarkOverdue(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	sup, police := env.Actor(b, khSupervisor), env.Actor(b, khPoliceSup)
	db := env.Databases["KH"]
	start := time.Now()
	for i, q := range benchSQL {
		args := []any{benchCases}
		if i == 1 {
			args = append(args, sup.AgencyID, police.AgencyID)
		}
		testdb.Exec(b, db, q, args...)
	}
	testdb.Exec(b, db, `VACUUM ANALYZE`)
	b.Logf("seeded %d cases with sections in %s", benchCases, time.Since(start).Round(time.Millisecond))
	for _, who := range []struct {
		name string
		a    *authz.Actor
		n    int
	}{{"agency=welfare", sup, repatriation.MaxOverdue}, {"agency=welfare/first=20", sup, 20}} {
		b.Run(who.name, func(b *testing.B) {
			overdue := func() ([]repatriation.OverdueStep, error) {
				return env.App.Repatriation.OverdueFirst(ctx, who.a, who.n)
			}
			items, err := overdue()
			if err != nil || len(items) == 0 {
				b.Fatalf("Overdue = %d items, %v", len(items), err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := overdue(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			p95 := apptest.P95(b, 200, func() error { _, err := overdue(); return err })
			b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(len(items)), "rows")
		})
	}
}

// BenchmarkGet reads one case's section (scope, two queries, three sealed values opened, audit row).
func BenchmarkGet(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	clk := newClock(env)
	worker := env.Actor(b, khWorker)
	c := returnCase(b, env, "Bench", "TH")
	if _, err := env.App.Repatriation.Save(ctx, worker, c.ID, complete(clk, 0)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := env.App.Repatriation.Get(ctx, worker, c.ID); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	p95 := apptest.P95(b, 200, func() error { _, err := env.App.Repatriation.Get(ctx, worker, c.ID); return err })
	b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
}
