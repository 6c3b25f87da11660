package cases_test

import (
	"context"
	"testing"
	"time"

	"homeward/internal/apptest"
	"homeward/internal/authz"
	"homeward/internal/cases"
	"homeward/internal/testdb"
)

// benchPersons is the size of the store the work-list benchmarks run over.
const benchPersons = 100_000

// benchOperationsSQL inserts twenty operations led by $1 (the police agency).
const benchOperationsSQL = `INSERT INTO operations (id, name, operation_date, lead_agency_id)
SELECT md5('bench-op-' || j)::uuid, 'Bench operation ' || j, date '2025-01-01' + j, $1::uuid FROM generate_series(0, 19) j`

// benchPersonsSQL inserts $1 persons: names in Latin, Thai and Khmer script, ten nationalities, one
// minor in thirteen, one in three brought in by one of the twenty operations.
const benchPersonsSQL = `INSERT INTO persons (id, given_name, family_name, sex, age_estimate, nationality, minor, operation_id, created_at, updated_at)
SELECT md5('bench-p-' || i)::uuid,
  (ARRAY['Sokha','Dara','Vanna','Bopha','Chenda','Kosal','Sophea','Rith','Mony','Srey',
         'Somchai','Malee','Anong','Niran','Kanya','สมชาย','มาลี','อนงค์','นิรันดร์','กัญญา',
         'សុខា','ដារា','វណ្ណា','បុប្ផា','ចិន្តា','កុសល','សុភា','រិទ្ធ','មុន្នី','ស្រី',
         'Budi','Siti','Agus','Dewi','Nguyen','Linh','Wei','Mei','Otieno','Wanjiru'])[1 + i % 40],
  CASE WHEN i % 40 BETWEEN 15 AND 19 THEN
    (ARRAY['ศรีสุข','ใจดี','แก้วมณี','บุญมา','สุขสวัสดิ์','ทองดี','พรหมมา','วงศ์ใหญ่'])[1 + (i / 40) % 8]
    || (ARRAY['','วงศ์','ชัย','กุล','สกุล'])[1 + (i / 320) % 5]
  WHEN i % 40 BETWEEN 20 AND 29 THEN
    (ARRAY['សុខ','ចាន់','គឹម','ផល','ហេង','សារ','ទូច','មាស'])[1 + (i / 40) % 8]
    || (ARRAY['','ដារ៉ា','រិទ្ធ','វិចិត្រ','សុភ័ក្រ'])[1 + (i / 320) % 5]
  ELSE initcap((ARRAY['chan','sok','kim','phal','heng','sar','touch','meas','nhem','keo','lim','ouk','prak','seng','sim',
                      'tep','yim','chea','hun','long','mao','noun','pen','ros','sun','thy','vong','yin','eng','hak'])[1 + (i / 40) % 30]
    || (ARRAY['dara','rith','vy','sakor','chhay','ny','reth','lina','vanna','mony','phon','sothy','vichet','rany',
              'pisey','nary','kosal','samnang','sokun','thida'])[1 + (i / 1200) % 20])
  END,
  (ARRAY['female','male'])[1 + i % 2], 14 + i % 40,
  (ARRAY['KH','KH','KH','TH','ID','VN','CN','MM','KE','LA'])[1 + (i / 7) % 10],
  i % 13 = 0,
  CASE WHEN i % 3 = 0 THEN md5('bench-op-' || (i % 20))::uuid END,
  now() - i * interval '1 minute', now() - i * interval '1 minute'
FROM generate_series(1, $1) i`

// benchCasesSQL opens their $1 cases over eight stages: one in ten owned by the police ($3), the
// others by the welfare agency ($2); one in twenty assigned to the caseworker ($4).
const benchCasesSQL = `INSERT INTO cases (id, reference, person_id, owner_agency_id, assigned_user_id, stage, created_at, updated_at, version)
SELECT md5('bench-c-' || i)::uuid, 'BENCH-' || i, md5('bench-p-' || i)::uuid,
  CASE WHEN i % 10 = 9 THEN $3::uuid ELSE $2::uuid END,
  CASE WHEN i % 20 = 0 THEN $4::uuid END,
  (ARRAY['reception','screening','identification','recovery','return_preparation','handover','reintegration','closed'])[1 + (i / 3) % 8],
  now() - i * interval '1 minute', now() - i * interval '1 minute', 1
FROM generate_series(1, $1) i`

// benchDecisionsSQL gives one case in fifty of $1 a decision waiting for approval, proposed by $2.
const benchDecisionsSQL = `INSERT INTO identification_decisions (id, case_id, decision, status, proposed_by, proposed_at)
SELECT md5('bench-d-' || i)::uuid, md5('bench-c-' || i)::uuid, 'identified', 'proposed', $2::uuid, now()
FROM generate_series(50, $1, 50) i`

// seedBench loads the benchmark store and returns the caseworker acting on it.
func seedBench(b *testing.B, env *apptest.Env) *authz.Actor {
	b.Helper()
	a := env.Actor(b, thWorker)
	police := env.Actor(b, thPolice)
	db := env.Databases["TH"]
	start := time.Now()
	testdb.Exec(b, db, benchOperationsSQL, police.AgencyID)
	testdb.Exec(b, db, benchPersonsSQL, benchPersons)
	testdb.Exec(b, db, benchCasesSQL, benchPersons, a.AgencyID, police.AgencyID, a.UserID)
	testdb.Exec(b, db, benchDecisionsSQL, benchPersons, a.UserID)
	testdb.Exec(b, db, `VACUUM ANALYZE`)
	b.Logf("seeded %d persons and cases in %s", benchPersons, time.Since(start).Round(time.Millisecond))
	return a
}

// BenchmarkWorkList100k lists one page of 50 cases through cases.Service.List (scope, filters,
// audit row) over 100,000 persons, for each filter and for name searches in three scripts.
// Each sub-benchmark reports ns/op and p95-ms, the 95th percentile of 200 timed calls.
func BenchmarkWorkList100k(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	a := seedBench(b, env)
	yes, no := true, false
	first, err := env.App.Cases.List(ctx, a, cases.ListQuery{})
	if err != nil || first.NextCursor == "" {
		b.Fatalf("first page: %v", err)
	}
	op := "" // one of the bench operations
	if err := thStore(b, env).DB.Raw(`SELECT md5('bench-op-5')::uuid::text`).Scan(&op).Error; err != nil {
		b.Fatal(err)
	}
	scenarios := []struct {
		name string
		q    cases.ListQuery
	}{
		{"filter=none", cases.ListQuery{}},
		{"filter=page2", cases.ListQuery{Cursor: first.NextCursor}},
		{"filter=stage", cases.ListQuery{Stage: cases.StageScreening}},
		{"filter=nationality", cases.ListQuery{Nationality: "KE"}},
		{"filter=minor", cases.ListQuery{Minor: &yes}},
		{"filter=operation", cases.ListQuery{Operation: op}},
		{"filter=assigned_to_me", cases.ListQuery{AssignedTo: a.UserID}},
		{"filter=pending_approval", cases.ListQuery{PendingApproval: true}},
		{"filter=combined", cases.ListQuery{Stage: cases.StageRecovery, Nationality: "KH", Minor: &no}},
		{"search=given_latin", cases.ListQuery{Q: "sokha"}},
		{"search=family_partial", cases.ListQuery{Q: "phalvan"}},
		{"search=thai", cases.ListQuery{Q: "สมชาย"}},
		{"search=khmer", cases.ListQuery{Q: "សុខា"}},
		{"search=two_letters", cases.ListQuery{Q: "so"}},
		{"search=no_match", cases.ListQuery{Q: "zzqx"}},
		{"search=with_filters", cases.ListQuery{Q: "dara", Nationality: "KH", Stage: cases.StageReception}},
	}
	for _, sc := range scenarios {
		b.Run(sc.name, func(b *testing.B) {
			var rows int
			call := func() error {
				page, err := env.App.Cases.List(ctx, a, sc.q)
				if err == nil {
					rows = len(page.Items)
				}
				return err
			}
			p := apptest.P95(b, 200, call)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := call(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(p.Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(rows), "rows")
		})
	}
}
