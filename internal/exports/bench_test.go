package exports_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/cases"
	"homeward/internal/exports"
)

// seedPersonsSQL adds ? persons to a store.
const seedPersonsSQL = `INSERT INTO persons (id, given_name, family_name, sex, age_estimate, nationality, created_at, updated_at)
SELECT md5('bench-p-' || i)::uuid, 'Given' || i, 'Family' || (i % 97), (ARRAY['female','male'])[1 + i % 2], 16 + i % 45,
  (ARRAY['KH','TH','ID','VN','CN','MM'])[1 + (i / 5) % 6], now(), now()
FROM generate_series(1, ?) i`

// seedCasesSQL adds the cases of seedPersonsSQL, owned by the agency ?.
const seedCasesSQL = `INSERT INTO cases (id, reference, person_id, owner_agency_id, stage, created_at, updated_at, version)
SELECT md5('bench-c-' || i)::uuid, 'BENCH-' || i, md5('bench-p-' || i)::uuid, ?::uuid, 'recovery', now(), now(), 1
FROM generate_series(1, ?) i`

// BenchmarkCaseListCSV5000 exports a filtered case list of 5,000 cases (plus the demo cases of the
// stage) as CSV: the read, the audit row and the file.
func BenchmarkCaseListCSV5000(b *testing.B) {
	env := apptest.New(b)
	a := env.Actor(b, thSupervisor)
	st, _ := env.App.Stores.For("TH")
	seed(b, st.DB, a.AgencyID, 5000)
	svc := exports.New(env.App.Stores, env.App.Cases)
	ctx := context.Background()
	q := cases.ListQuery{Stage: cases.StageRecovery}
	b.ReportAllocs()
	for b.Loop() {
		f, err := svc.CaseList(ctx, a, q, exports.FormatCSV, stampOf(a))
		if err != nil || len(f.Data) < 5000*40 {
			b.Fatalf("export: %d bytes, %v", len(f.Data), err)
		}
	}
}

// BenchmarkCaseListXLSX5000 is the same export as XLSX.
func BenchmarkCaseListXLSX5000(b *testing.B) {
	env := apptest.New(b)
	a := env.Actor(b, thSupervisor)
	st, _ := env.App.Stores.For("TH")
	seed(b, st.DB, a.AgencyID, 5000)
	svc := exports.New(env.App.Stores, env.App.Cases)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.CaseList(ctx, a, cases.ListQuery{Stage: cases.StageRecovery}, exports.FormatXLSX, stampOf(a)); err != nil {
			b.Fatal(err)
		}
	}
}

// seed adds n persons with a case each, owned by agency.
func seed(b *testing.B, db *gorm.DB, agency string, n int) {
	b.Helper()
	if err := db.Exec(seedPersonsSQL, n).Error; err != nil {
		b.Fatal(err)
	}
	if err := db.Exec(seedCasesSQL, agency, n).Error; err != nil {
		b.Fatal(err)
	}
}
