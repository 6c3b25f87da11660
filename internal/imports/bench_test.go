package imports_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"homeward/internal/apptest"
	"homeward/internal/imports"
	"homeward/internal/testdb"
)

// syllables build names that differ as real ones do, so the duplicate look-up sees a realistic file
// rather than 2,000 near-identical names.
var syllables = strings.Fields(`so kha da ra van na sre pov chan tha ri ya mo ni ka la bo pha sa ro ve ch
	ne ma li sum bu di wa ti nguy en an hai lo ng pe ta ku ru mi sh`)

func benchName(n int) string {
	k := len(syllables)
	return strings.ToUpper(syllables[n%k][:1]) + syllables[n%k][1:] + syllables[(n/k)%k] + syllables[(n/k/k)%k]
}

// benchFile is a template CSV of n distinct persons with varied names, birth years and documents; run
// makes its document numbers and names unique to one run.
func benchFile(run, n int) []byte {
	var b strings.Builder
	b.WriteString(enHeader + "\n")
	for i := range n {
		seed := (run*n + i) * 7919
		fmt.Fprintf(&b, "%s,%s,%s,%d-%02d-%02d,,%s,km; th,B%03d%06d,+855 12 %06d,\n",
			benchName(seed), benchName(seed/3+17), []string{"female", "male"}[i%2], 1960+seed%48, 1+seed%12, 1+seed%28,
			[]string{"KH", "TH", "ID", "VN", "CN", "MM"}[seed%6], run, i, i)
	}
	return []byte(b.String())
}

// BenchmarkBulkIntake2000 imports a file of 2,000 persons into an operation end to end: parse the CSV,
// validate every row, look for duplicates in the store and in the file, then register them all
// (sealing, blind indexes, one transaction with the audit rows). Each import goes into a fresh copy of
// the demo store (set up outside the timer), so every iteration measures the same work. Target: under
// 2 s an import.
func BenchmarkBulkIntake2000(b *testing.B) {
	ctx := context.Background()
	file := benchFile(1, 2000)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		env := apptest.New(b)
		svc := imports.New(env.App.Stores, env.App.Cases)
		a := env.Actor(b, thWorker)
		op := operationID(b, env, "TH")
		b.StartTimer()
		rep, err := svc.Import(ctx, a, op, file, false)
		if err != nil || rep.Created != 2000 {
			b.Fatalf("import: %v, report %+v", err, rep.Errors[:min(len(rep.Errors), 3)])
		}
	}
}

// BenchmarkBulkDryRun2000 checks the same file without registering anyone (what the page does first).
func BenchmarkBulkDryRun2000(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	svc := imports.New(env.App.Stores, env.App.Cases)
	a := env.Actor(b, thWorker)
	op := operationID(b, env, "TH")
	file := benchFile(0, 2000)
	b.ReportAllocs()
	for b.Loop() {
		rep, err := svc.Import(ctx, a, op, file, true)
		if err != nil || rep.Rows != 2000 || len(rep.Errors) > 0 {
			b.Fatalf("dry run: %v", err)
		}
	}
}

// BenchmarkCopy2000 is the floor to compare with: a plain COPY of the same 2,000 rows, already parsed,
// into a scratch table of the store database with pgx CopyFrom, as the superuser, with no validation,
// sealing or audit.
func BenchmarkCopy2000(b *testing.B) {
	env := apptest.New(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testdb.DSN(b, env.Databases["TH"]))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE import_bench (given_name text, family_name text, sex text,
		birth_date text, nationality text, languages text[], document_number text, contact text)`); err != nil {
		b.Fatal(err)
	}
	p := imports.Parse(benchFile(0, 2000), now)
	rows := make([][]any, len(p.Rows))
	for i, r := range p.Rows {
		in := r.Input
		rows[i] = []any{in.GivenName, in.FamilyName, in.Sex, in.BirthDate, in.Nationality, in.Languages, in.DocumentNumber, in.Contact}
	}
	cols := []string{"given_name", "family_name", "sex", "birth_date", "nationality", "languages", "document_number", "contact"}
	b.ReportAllocs()
	for b.Loop() {
		n, err := conn.CopyFrom(ctx, pgx.Identifier{"import_bench"}, cols, pgx.CopyFromRows(rows))
		if err != nil || n != 2000 {
			b.Fatalf("copy: %d rows, %v", n, err)
		}
	}
}

// scalePersonsSQL fills a store with $1 persons and their cases ($2: the owner agency): given and
// family names drawn from the same syllables as the import files (so trigram look-ups meet real
// competition), six nationalities, and varied ages.
const scalePersonsSQL = `INSERT INTO persons (id, given_name, family_name, sex, age_estimate, nationality, created_at, updated_at)
SELECT md5('scale-p-' || i)::uuid,
  initcap(s[1 + i % n] || s[1 + (i / n) % n] || s[1 + (i / (n * n)) % n]),
  initcap(s[1 + (i / 7) % n] || s[1 + (i / 311) % n]),
  (ARRAY['female','male'])[1 + i % 2], 16 + i % 45,
  (ARRAY['KH','TH','ID','VN','CN','MM'])[1 + (i / 5) % 6], now(), now()
FROM generate_series(1, $1) i,
  (SELECT string_to_array('so kha da ra van na sre pov chan tha ri ya mo ni ka la bo pha sa ro ve ch ne ma li sum bu di wa ti nguy en an hai lo ng pe ta ku ru mi sh', ' ') AS s) syl, LATERAL (SELECT array_length(syl.s, 1) AS n) len;
INSERT INTO cases (id, reference, person_id, owner_agency_id, stage, created_at, updated_at, version)
SELECT md5('scale-c-' || i)::uuid, 'SCALE-' || i, md5('scale-p-' || i)::uuid, $2::uuid, 'recovery', now(), now(), 1
FROM generate_series(1, $1) i`

// BenchmarkBulkIntake2000Into100k imports 2,000 persons into a store that already holds 100,000, so
// the duplicate look-up works at the size the issue names. Each iteration imports a new file.
func BenchmarkBulkIntake2000Into100k(b *testing.B) {
	ctx := context.Background()
	env := apptest.New(b)
	a := env.Actor(b, thWorker)
	db := env.Databases["TH"]
	stmts := strings.Split(scalePersonsSQL, ";\n")
	testdb.Exec(b, db, stmts[0], 100_000)
	testdb.Exec(b, db, stmts[1], 100_000, a.AgencyID)
	testdb.Exec(b, db, `VACUUM ANALYZE`)
	svc := imports.New(env.App.Stores, env.App.Cases)
	op := operationID(b, env, "TH")
	run := 10
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		run++
		file := benchFile(run, 2000)
		b.StartTimer()
		rep, err := svc.Import(ctx, a, op, file, false)
		if err != nil || rep.Created != 2000 {
			b.Fatalf("import: %v, report %+v", err, rep.Errors[:min(len(rep.Errors), 3)])
		}
	}
}
