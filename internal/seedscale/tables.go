package seedscale

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// index is an index dropped for the bulk load: its table, name and definition; a key (primary
// or unique constraint) is dropped and added back as a constraint.
type index struct {
	table, name, def string
	key              bool
}

// selectIndexesSQL lists the indexes of the tables $1 that a bulk load need not maintain row by
// row: every index backing no constraint, and the primary and unique keys no foreign key
// references (a foreign key needs its key in place; the keys dropped are checked when added back,
// as pg_restore does). Keys first, so that they are added back before the indexes.
const selectIndexesSQL = `SELECT t.relname, coalesce(k.conname, i.relname), coalesce(pg_get_constraintdef(k.oid), pg_get_indexdef(x.indexrelid)),
       k.oid IS NOT NULL
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
LEFT JOIN pg_constraint k ON k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u')
WHERE t.relnamespace = 'public'::regnamespace AND t.relname = ANY ($1)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint o WHERE o.conindid = x.indexrelid AND (o.contype NOT IN ('p', 'u') OR o.conrelid <> x.indrelid))
  AND (k.oid IS NOT NULL OR NOT EXISTS (SELECT 1 FROM pg_constraint o WHERE o.conindid = x.indexrelid))
ORDER BY t.relname, k.oid IS NULL, i.relname`

func dropIndexes(ctx context.Context, tx pgx.Tx, tables []string) ([]index, error) {
	rows, err := tx.Query(ctx, selectIndexesSQL, tables)
	if err != nil {
		return nil, fmt.Errorf("seedscale: list indexes: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (index, error) {
		var x index
		return x, r.Scan(&x.table, &x.name, &x.def, &x.key)
	})
	if err != nil {
		return nil, fmt.Errorf("seedscale: list indexes: %w", err)
	}
	for _, x := range list {
		drop := "DROP INDEX " + pgx.Identifier{x.name}.Sanitize()
		if x.key {
			drop = "ALTER TABLE " + pgx.Identifier{x.table}.Sanitize() + " DROP CONSTRAINT " + pgx.Identifier{x.name}.Sanitize()
		}
		if _, err := tx.Exec(ctx, drop); err != nil {
			return nil, fmt.Errorf("seedscale: drop index %s: %w", x.name, err)
		}
	}
	return list, nil
}

// recreateIndexes builds again the dropped indexes of tables, by their own definitions, timing
// each table's ("indexes <table>").
func recreateIndexes(ctx context.Context, tx pgx.Tx, dropped []index, tables []string, stats *Stats) error {
	for _, x := range dropped {
		if !slices.Contains(tables, x.table) {
			continue
		}
		def := x.def
		if x.key {
			def = "ALTER TABLE " + pgx.Identifier{x.table}.Sanitize() + " ADD CONSTRAINT " + pgx.Identifier{x.name}.Sanitize() + " " + x.def
		}
		done := stats.phase("indexes " + x.table)
		_, err := tx.Exec(ctx, def)
		done()
		if err != nil {
			return fmt.Errorf("seedscale: rebuild index %s: %w", x.name, err)
		}
	}
	return nil
}

// insertOperations writes one rescue operation per 2,000 persons, led by the police agency, dated
// over the fill's span, and returns their ids (persons are brought in by the operation of their
// place in the span).
func insertOperations(ctx context.Context, tx pgx.Tx, dir Directory, opt Options, stats *Stats) ([]uuid.UUID, error) {
	n := max(1, opt.Persons/2000)
	r := rand.New(rand.NewPCG(uint64(opt.Persons), opt.Seed))
	rows := make([][]any, n)
	ids := make([]uuid.UUID, n)
	provinces := []string{"Sa Kaeo", "Chanthaburi", "Trat", "Tak", "Preah Sihanouk", "Banteay Meanchey", "Koh Kong", "Pursat"}
	for i := range n {
		at := opt.Now.Add(-opt.Span + time.Duration(float64(opt.Span)*float64(i)/float64(n))).Truncate(time.Microsecond)
		id, err := uuid.NewV7FromReader(r4{r})
		if err != nil {
			return nil, fmt.Errorf("seedscale: operation id: %w", err)
		}
		ms := uint64(at.UnixMilli())
		id[0], id[1], id[2], id[3], id[4], id[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
		ids[i] = id
		rows[i] = []any{[16]byte(id), fmt.Sprintf("Operation %s %d", compounds[r.IntN(len(compounds))], i+1), at, u(dir.Police.ID),
			provinces[r.IntN(len(provinces))], compounds[r.IntN(len(compounds))] + " compound", at, int32(1)}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"operations"},
		[]string{"id", "name", "operation_date", "lead_agency_id", "province", "compound", "created_at", "version"}, pgx.CopyFromRows(rows))
	if err != nil {
		return nil, fmt.Errorf("seedscale: copy operations: %w", err)
	}
	stats.Rows["operations"] += n
	return ids, nil
}

// r4 reads random bytes from a math/rand source (operation ids are drawn from the fill's seed).
type r4 struct{ r *rand.Rand }

func (x r4) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(x.r.Uint32())
	}
	return len(p), nil
}

// The summaries of the new cases, derived by the report functions of migration 00013 exactly as
// its backfill does (the triggers that would do it row by row are off during the fill): the
// case_steps and case_facts rows, and one count delta per day and key (a count is sum(n)).
const (
	summaryStepsSQL  = `INSERT INTO case_steps SELECT * FROM report_steps_of(ARRAY(SELECT id FROM seed_cases))`
	summaryFactsSQL  = `INSERT INTO case_facts SELECT * FROM report_facts_of(ARRAY(SELECT id FROM seed_cases))`
	summaryCountsSQL = `INSERT INTO report_counts (day, dim, key, n)
SELECT k.day, k.dim, k.key, count(*) FROM case_facts f JOIN seed_cases s ON s.id = f.case_id,
  LATERAL report_fact_keys(f.received_at, f.stage, f.nationality, f.sex, f.minor, f.operation_id) k
GROUP BY 1, 2, 3
UNION ALL
SELECT k.day, k.dim, k.key, count(*) FROM case_steps c JOIN seed_cases s ON s.id = c.case_id,
  LATERAL report_step_keys(c.step, c.at, c.prev_at) k
GROUP BY 1, 2, 3`
)

func summarise(ctx context.Context, tx pgx.Tx, stats *Stats) error {
	// The report functions join unnest(ids) to the base tables; the planner takes the array for ten
	// rows and probes an index per case (10 min at 1M). Hash joins read each table once.
	for _, q := range []string{`ANALYZE seed_cases`, `SET LOCAL enable_nestloop = off`} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("seedscale: %s: %w", q, err)
		}
	}
	for _, q := range []struct{ table, sql string }{{"case_steps", summaryStepsSQL}, {"case_facts", summaryFactsSQL},
		{"report_counts", summaryCountsSQL}} {
		done := stats.phase("summaries " + q.table)
		tag, err := tx.Exec(ctx, q.sql)
		done()
		if err != nil {
			return fmt.Errorf("seedscale: summary %s: %w", q.table, err)
		}
		stats.Rows[q.table] += int(tag.RowsAffected())
	}
	// The dashboard summary (migration 00025) is recomputed whole, from every case.
	defer stats.phase("summaries dashboard")()
	if _, err := tx.Exec(ctx, `SELECT dashboard_rebuild()`); err != nil {
		return fmt.Errorf("seedscale: dashboard summary: %w", err)
	}
	return nil
}

// The name keys of the new persons, as person_name_keys_fill (migration 00034) derives them for
// every person: it reads the whole table and resolves each old person's keys by ON CONFLICT,
// these read only the fill's persons (one name row, and one row per alias: a seeded person has at
// most one alias, so no key repeats; the primary key, added back after, would say so).
const (
	nameKeysSQL = `INSERT INTO person_name_keys (nationality, alias, name, birth_key, person_id, merged_into, birth_date, age_estimate, created_at)
SELECT p.nationality, false, p.search_name, person_birth_key(p.birth_date, p.age_estimate, p.created_at), p.id,
       p.merged_into, p.birth_date, p.age_estimate, p.created_at
FROM seed_p s JOIN persons p ON p.id = s.pid
UNION ALL
SELECT p.nationality, true, lower(a), person_birth_key(p.birth_date, p.age_estimate, p.created_at), p.id,
       p.merged_into, p.birth_date, p.age_estimate, p.created_at
FROM seed_p s JOIN persons p ON p.id = s.pid, unnest(p.aliases) a WHERE btrim(a) <> ''
ON CONFLICT DO NOTHING`
	personNamesSQL = `INSERT INTO person_names (nationality, alias, name)
SELECT DISTINCT k.nationality, k.alias, k.name FROM person_name_keys k JOIN seed_p s ON s.pid = k.person_id
ON CONFLICT DO NOTHING`
)

// The name search's ordered index of the new cases, as case_search_fill (migration 00061) derives it
// for every case without one: the fill's persons' texts, then one row per case and text (DISTINCT:
// a seeded alias may equal the name; the primary key, added back after, would say so).
const (
	searchTextsSQL = `INSERT INTO search_texts (key, text)
SELECT DISTINCT search_text_key(t), t FROM seed_p s JOIN persons p ON p.id = s.pid, unnest(ARRAY[p.search_name, p.search_aliases]) t
WHERE t <> ''
ON CONFLICT DO NOTHING`
	caseSearchSQL = `INSERT INTO case_search (key, id, updated_at, owner_agency_id)
SELECT DISTINCT search_text_key(t), c.id, c.updated_at, c.owner_agency_id
FROM seed_p s JOIN cases c ON c.person_id = s.pid JOIN persons p ON p.id = c.person_id, unnest(ARRAY[p.search_name, p.search_aliases]) t
WHERE t <> ''`
)
