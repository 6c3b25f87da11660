package auditlog_test

import (
	"context"
	"crypto/md5"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"homeward/internal/apptest"
	"homeward/internal/auditlog"
	"homeward/internal/testdb"
)

// The benchmark store: 10,000,000 audit rows over two years, by 200 staff of three agencies, about
// 50,000 cases (the rows of a case and of its person), twelve actions.
const (
	benchRows    = 10_000_000
	benchCases   = 50_000
	benchActors  = 200
	benchSeconds = 2 * 365 * 24 * 3600
)

// benchPersonsSQL and benchCasesSQL open the benchmark's cases and their persons (ids md5('bench-c-' || k)).
const benchPersonsSQL = `INSERT INTO persons (id, given_name, family_name, sex, age_estimate, nationality, created_at, updated_at)
SELECT md5('bench-p-' || k)::uuid, 'Bench', 'Person ' || k, 'female', 25, 'KH', now(), now() FROM generate_series(0, $1 - 1) k`

const benchCasesSQL = `INSERT INTO cases (id, reference, person_id, owner_agency_id, stage, created_at, updated_at)
SELECT md5('bench-c-' || k)::uuid, 'BENCH-' || k, md5('bench-p-' || k)::uuid, $2::uuid, 'recovery', now(), now()
FROM generate_series(0, $1 - 1) k`

// benchRowsSQL appends the rows after the chain's head ($1), oldest first, one every 6.3 s over two
// years ending now; one row in eight is about the case's person, the rest about the case.
const benchRowsSQL = `INSERT INTO audit_log (id, seq, at, actor_user_id, actor_agency_id, action, entity, entity_id, detail, prev_hash, hash)
SELECT (SELECT max(id) FROM audit_log) + i, $1::bigint + i,
  now() - (($2::bigint - i) * ($3::float8 / $2::bigint)) * interval '1 second',
  md5('bench-u-' || (i % $4))::uuid,
  (ARRAY[$5::uuid, $6::uuid, $7::uuid])[1 + (i % $4) % 3],
  (ARRAY['case.read','case.read','case.read','screening.read','notes.read','consent.read','attachment.download',
         'case.transition','screening.update','note.create','case.assign','case.timeline.read'])[1 + (i / 7) % 12],
  CASE WHEN i % 8 = 0 THEN 'person' ELSE 'case' END,
  md5(CASE WHEN i % 8 = 0 THEN 'bench-p-' ELSE 'bench-c-' END || ((i * 7919) % $8))::uuid::text,
  CASE WHEN i % 3 = 0 THEN '{"sections":["identity","screening"]}' ELSE '' END,
  '\x00'::bytea, '\x01'::bytea
FROM generate_series(1, $2::bigint) i`

// seedAudit loads the benchmark rows into the TH store as its owner would (indexes dropped during the
// load and rebuilt from their definitions, so the query runs on the migrations' indexes).
func seedAudit(b *testing.B, env *apptest.Env) {
	b.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testdb.DSN(b, env.Databases["TH"]))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	exec := func(sql string, args ...any) {
		b.Helper()
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			b.Fatalf("%v\n%s", err, sql)
		}
	}
	start := time.Now()
	worker, police, auditor := env.Actor(b, thWorker), env.Actor(b, "investigator@th-pct.demo"), env.Actor(b, thAuditor)
	exec(`SET maintenance_work_mem = '256MB'`)
	exec(benchPersonsSQL, benchCases)
	exec(benchCasesSQL, benchCases, worker.AgencyID)
	var defs []string
	rows, err := conn.Query(ctx, `SELECT indexdef FROM pg_indexes WHERE tablename = 'audit_log' AND indexname <> 'audit_log_pkey'`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			b.Fatal(err)
		}
		defs = append(defs, d)
	}
	rows.Close()
	var names []string
	for _, d := range defs {
		names = append(names, strings.Fields(strings.SplitN(d, " INDEX ", 2)[1])[0])
	}
	exec(`DROP INDEX ` + strings.Join(names, ", "))
	var head int64
	if err := conn.QueryRow(ctx, `SELECT last_id FROM audit_head WHERE id = 1`).Scan(&head); err != nil {
		b.Fatal(err)
	}
	exec(benchRowsSQL, head, benchRows, float64(benchSeconds), benchActors, worker.AgencyID, police.AgencyID, auditor.AgencyID, benchCases)
	// The head moves past the loaded rows (their hashes are placeholders: the chain is not checked here).
	exec(`UPDATE audit_head SET last_id = $1 WHERE id = 1`, head+benchRows)
	exec(`SELECT setval(pg_get_serial_sequence('audit_log', 'id'), (SELECT max(id) FROM audit_log))`)
	loaded := time.Since(start)
	for _, d := range defs {
		exec(d)
	}
	exec(`VACUUM ANALYZE audit_log`)
	exec(`ANALYZE cases`)
	exec(`ANALYZE persons`)
	b.Logf("loaded %d audit rows in %s, indexes and analyze in %s", benchRows, loaded.Round(time.Second), (time.Since(start) - loaded).Round(time.Second))
	for _, q := range []string{
		`SELECT id FROM audit_log WHERE id < 9223372036854775807 AND entity_id IN ('` + md5uuid("bench-c-4242") + `', '` + md5uuid("bench-p-4242") + `') ORDER BY id DESC LIMIT 51`,
		`SELECT id FROM audit_log WHERE id < 9223372036854775807 AND actor_user_id = '` + md5uuid("bench-u-7") + `' ORDER BY id DESC LIMIT 51`,
	} {
		var plan []string
		rs, err := conn.Query(ctx, `EXPLAIN (ANALYZE, BUFFERS) `+q)
		if err != nil {
			b.Fatal(err)
		}
		for rs.Next() {
			var line string
			_ = rs.Scan(&line)
			plan = append(plan, line)
		}
		rs.Close()
		b.Logf("EXPLAIN %s\n%s", q, strings.Join(plan, "\n"))
	}
}

// md5uuid is PostgreSQL's md5(s)::uuid.
func md5uuid(s string) string {
	h := fmt.Sprintf("%x", md5.Sum([]byte(s)))
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// BenchmarkAuditConsole pages the auditor's console (auditlog.Service.Search: filters, keyset page,
// names from the hub, case references, the audit row of the search) over 10,000,000 audit rows.
// Each sub-benchmark reports ns/op and p95-ms, the 95th percentile of 200 timed calls.
func BenchmarkAuditConsole(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	seedAudit(b, env)
	auditor := env.Actor(b, thAuditor)
	svc := env.App.Audit
	actor := md5uuid("bench-u-7")
	first, err := svc.Search(ctx, auditor, auditlog.Filter{Actor: actor})
	if err != nil || first.NextCursor == "" {
		b.Fatalf("first page by actor: %v", err)
	}
	yearAgo := time.Now().AddDate(-1, 0, 0).In(auditlog.Zone("TH")).Format(time.DateOnly)
	scenarios := []struct {
		name string
		f    auditlog.Filter
	}{
		{"filter=case", auditlog.Filter{Case: "BENCH-4242"}},
		{"filter=case_other", auditlog.Filter{Case: "BENCH-31337"}},
		{"filter=actor", auditlog.Filter{Actor: actor}},
		{"filter=actor_page2", auditlog.Filter{Actor: actor, Cursor: first.NextCursor}},
		{"filter=actor_action", auditlog.Filter{Actor: actor, Action: "case.transition"}},
		{"filter=actor_day", auditlog.Filter{Actor: actor, From: yearAgo, To: yearAgo}},
		{"filter=case_action", auditlog.Filter{Case: "BENCH-4242", Action: "case.read"}},
		{"filter=action", auditlog.Filter{Action: "case.assign"}},
		{"filter=day", auditlog.Filter{From: yearAgo, To: yearAgo}},
		{"filter=none", auditlog.Filter{}},
	}
	for _, sc := range scenarios {
		b.Run(sc.name, func(b *testing.B) {
			var rows int
			call := func() error {
				p, err := svc.Search(ctx, auditor, sc.f)
				if err == nil {
					rows = len(p.Items)
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
