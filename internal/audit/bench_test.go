package audit_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/audit"
	"homeward/internal/store"
)

// benchClients is how many clients append at once in BenchmarkAuditAppend32.
const benchClients = 32

// benchPool opens the TH store of env through its app role with room for every client.
func benchPool(b *testing.B, env *apptest.Env) *gorm.DB {
	b.Helper()
	db, err := store.Open(context.Background(), env.Cfg.StoreDSNs["TH"])
	if err != nil {
		b.Fatal(err)
	}
	sqlDB, _ := db.DB()
	sqlDB.SetMaxOpenConns(benchClients + 4)
	sqlDB.SetMaxIdleConns(benchClients + 4)
	b.Cleanup(func() { sqlDB.Close() })
	return db
}

// BenchmarkAuditAppend32 measures transactions that each append one audit row and commit, from
// about 32 clients at once: "unsealed" is Append as it is (no shared lock); "head-lock" adds what
// Append did before the sealer — lock audit_head FOR UPDATE and update it before commit — so the
// two can be compared on the same machine and run. Reports appends/s.
func BenchmarkAuditAppend32(b *testing.B) {
	env := apptest.New(b)
	db := benchPool(b, env)
	entry := audit.Entry{ActorUserID: "0190f0a0-0000-7000-8000-000000000001", Action: audit.CaseRead, Entity: "case",
		EntityID: "0190f0a0-0000-7000-8000-000000000002", Detail: map[string]any{"sections": []string{"identity"}}}
	for _, mode := range []string{"unsealed", "head-lock"} {
		b.Run(mode, func(b *testing.B) {
			b.SetParallelism((benchClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					err := db.Transaction(func(tx *gorm.DB) error {
						if mode == "head-lock" {
							if err := tx.Exec(`SELECT last_id FROM audit_head WHERE id = 1 FOR UPDATE`).Error; err != nil {
								return err
							}
						}
						if err := audit.Append(tx, time.Now(), entry); err != nil {
							return err
						}
						if mode == "head-lock" {
							return tx.Exec(`UPDATE audit_head SET sealed_at = sealed_at WHERE id = 1`).Error
						}
						return nil
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "appends/s")
		})
	}
}

// BenchmarkSealer measures the sealer: b.N committed unsealed rows sealed by SealNow (batches of
// 5,000 in their own transactions). Reports rows/s; run it with -benchtime=100000x for a stable
// figure (the environment and the rows are set up outside the timer).
func BenchmarkSealer(b *testing.B) {
	env := apptest.New(b)
	th, _ := env.App.Stores.For("TH")
	ctx := context.Background()
	if _, err := audit.SealNow(ctx, th.DB); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	err := th.DB.Exec(`INSERT INTO audit_log (at, actor_user_id, action, section, entity, entity_id, detail)
		SELECT now(), '0190f0a0-0000-7000-8000-000000000001', 'case.read', 'cases', 'case', md5(i::text)::uuid::text, '{"sections":["identity"]}'
		FROM generate_series(1, ?) i`, b.N).Error
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	n, err := audit.SealNow(ctx, th.DB)
	if err != nil || n != b.N {
		b.Fatalf("sealed %d of %d: %v", n, b.N, err)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "rows/s")
	b.StopTimer()
	if err := audit.Verify(ctx, th.DB); err != nil {
		b.Fatal(err)
	}
}
