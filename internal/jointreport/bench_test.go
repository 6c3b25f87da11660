package jointreport_test

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/jointreport"
	"homeward/internal/testdb"
)

// benchPersons is the number of persons (one case each) seeded in each store.
const benchPersons = 100_000

// benchSeedSQL fills one store with $1 persons and cases over the last 400 days: ten
// nationalities, two sexes, one minor in thirteen, one in three from one of twenty operations
// (led by $2), cases over eight stages owned by $2; stage changes into identification for half,
// approved decisions (proposed by $3, approved by $4) for a third, returns for a sixth, and
// closures for one in twenty-four.
const benchSeedSQL = `
INSERT INTO operations (id, name, operation_date, lead_agency_id)
SELECT md5('jr-op-' || j)::uuid, 'Bench operation ' || j, date '2025-01-01' + j, $2::uuid FROM generate_series(0, 19) j WHERE $1::int > 0;

INSERT INTO persons (id, given_name, family_name, sex, age_estimate, nationality, minor, operation_id, created_at, updated_at)
SELECT md5('jr-p-' || i)::uuid, 'Given' || i, 'Family' || i, (ARRAY['female','male'])[1 + i % 2], 14 + i % 40,
  (ARRAY['KH','KH','KH','TH','ID','VN','CN','MM','KE','LA'])[1 + (i / 7) % 10], i % 13 = 0,
  CASE WHEN i % 3 = 0 THEN md5('jr-op-' || (i % 20))::uuid END,
  now() - (i % 400) * interval '1 day', now() - (i % 400) * interval '1 day'
FROM generate_series(1, $1) i;

INSERT INTO cases (id, reference, person_id, owner_agency_id, stage, created_at, updated_at, version)
SELECT md5('jr-c-' || i)::uuid, 'JR-' || i, md5('jr-p-' || i)::uuid, $2::uuid,
  (ARRAY['reception','screening','identification','recovery','return_preparation','handover','reintegration','closed'])[1 + (i / 3) % 8],
  now() - (i % 400) * interval '1 day', now() - (i % 400) * interval '1 day', 1
FROM generate_series(1, $1) i;

INSERT INTO stage_changes (id, case_id, from_stage, to_stage, actor_user_id, at)
SELECT md5('jr-s1-' || i)::uuid, md5('jr-c-' || i)::uuid, 'screening', 'identification', $3::uuid,
  now() - (i % 400) * interval '1 day' + interval '10 days'
FROM generate_series(2, $1, 2) i WHERE $2::uuid IS NOT NULL;

INSERT INTO identification_decisions (id, case_id, decision, status, proposed_by, proposed_at, decided_by, decided_at)
SELECT md5('jr-d-' || i)::uuid, md5('jr-c-' || i)::uuid, 'identified', 'approved', $3::uuid,
  now() - (i % 400) * interval '1 day' + interval '12 days', $4::uuid,
  now() - (i % 400) * interval '1 day' + (12 + i % 9) * interval '1 day'
FROM generate_series(3, $1, 3) i WHERE $2::uuid IS NOT NULL;

INSERT INTO stage_changes (id, case_id, from_stage, to_stage, actor_user_id, at)
SELECT md5('jr-s2-' || i)::uuid, md5('jr-c-' || i)::uuid, 'return_preparation', 'handover', $3::uuid,
  now() - (i % 400) * interval '1 day' + (40 + i % 30) * interval '1 day'
FROM generate_series(6, $1, 6) i WHERE $2::uuid IS NOT NULL;

INSERT INTO stage_changes (id, case_id, from_stage, to_stage, actor_user_id, at)
SELECT md5('jr-s3-' || i)::uuid, md5('jr-c-' || i)::uuid, 'reintegration', 'closed', $3::uuid,
  now() - (i % 400) * interval '1 day' + interval '90 days'
FROM generate_series(24, $1, 24) i WHERE $2::uuid IS NOT NULL;`

// BenchmarkJointReport100k computes the joint report (both stores' figures, suppression, the audit
// row) over 100,000 persons per store; it reports ns/op and p95-ms over 50 timed calls.
func BenchmarkJointReport100k(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	start := time.Now()
	for cc, who := range map[string][2]string{
		"TH": {"caseworker@th-msdhs-sakaeo.demo", thSupervisor},
		"KH": {"caseworker@kh-mosvy-poipet.demo", khSupervisor},
	} {
		worker, sup := env.Actor(b, who[0]), env.Actor(b, who[1])
		for _, stmt := range splitSQL(benchSeedSQL) {
			args := []any{benchPersons, worker.AgencyID, worker.UserID, sup.UserID}
			testdb.Exec(b, env.Databases[cc], stmt, args[:maxArg(stmt)]...)
		}
		testdb.Exec(b, env.Databases[cc], `VACUUM ANALYZE`)
	}
	b.Logf("seeded %d persons per store in %s", benchPersons, time.Since(start).Round(time.Millisecond))
	svc := jointreport.New(env.App.Stores)
	a := env.Actor(b, thAnalyst)
	to := time.Now()
	from := to.AddDate(-1, 0, 0)
	call := func() {
		if _, err := svc.Report(ctx, a, from, to); err != nil {
			b.Fatal(err)
		}
	}
	d := make([]time.Duration, 50)
	for i := range d {
		t0 := time.Now()
		call()
		d[i] = time.Since(t0)
	}
	slices.Sort(d)
	b.ResetTimer()
	for b.Loop() {
		call()
	}
	b.ReportMetric(float64(d[len(d)*95/100-1].Microseconds())/1000, "p95-ms")
}

// splitSQL splits the seed script into statements: pgx runs one parameterised statement at a time.
func splitSQL(s string) []string {
	var out []string
	for _, stmt := range strings.Split(s, ";") {
		if stmt = strings.TrimSpace(stmt); stmt != "" {
			out = append(out, stmt)
		}
	}
	return out
}

// maxArg is the highest $n placeholder of a statement: how many arguments it takes.
func maxArg(stmt string) int {
	n := 0
	for _, m := range placeholder.FindAllStringSubmatch(stmt, -1) {
		if v, _ := strconv.Atoi(m[1]); v > n {
			n = v
		}
	}
	return n
}

var placeholder = regexp.MustCompile(`\$(\d+)`)
