package seedscale

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// index is a secondary index dropped for the COPY: its table, name and definition.
type index struct {
	table, name, def string
}

// selectIndexesSQL lists the indexes of the tables $1 that back no constraint (primary keys and
// unique constraints stay: they are what a COPY of new ids must still check).
const selectIndexesSQL = `SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relnamespace = 'public'::regnamespace AND t.relname = ANY ($1)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
ORDER BY t.relname, i.relname`

func dropIndexes(ctx context.Context, tx pgx.Tx, tables []string) ([]index, error) {
	rows, err := tx.Query(ctx, selectIndexesSQL, tables)
	if err != nil {
		return nil, fmt.Errorf("seedscale: list indexes: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (index, error) {
		var x index
		return x, r.Scan(&x.table, &x.name, &x.def)
	})
	if err != nil {
		return nil, fmt.Errorf("seedscale: list indexes: %w", err)
	}
	for _, x := range list {
		if _, err := tx.Exec(ctx, "DROP INDEX "+pgx.Identifier{x.name}.Sanitize()); err != nil {
			return nil, fmt.Errorf("seedscale: drop index %s: %w", x.name, err)
		}
	}
	return list, nil
}

// recreateIndexes builds again the dropped indexes of tables, by their own definitions.
func recreateIndexes(ctx context.Context, tx pgx.Tx, dropped []index, tables []string) error {
	for _, x := range dropped {
		if !slices.Contains(tables, x.table) {
			continue
		}
		if _, err := tx.Exec(ctx, x.def); err != nil {
			return fmt.Errorf("seedscale: rebuild index %s: %w", x.name, err)
		}
	}
	return nil
}

// insertOperations writes one rescue operation per 2,000 persons, led by the police agency, dated at
// the reception of the first person it brought in.
func insertOperations(ctx context.Context, tx pgx.Tx, g *gen, stats *Stats) error {
	n := max(1, g.total/2000)
	r := rand.New(rand.NewPCG(uint64(g.total), 0x6f7073))
	rows := make([][]any, n)
	g.ops = make([][16]byte, n)
	provinces := []string{"Sa Kaeo", "Chanthaburi", "Trat", "Tak", "Preah Sihanouk", "Banteay Meanchey", "Koh Kong", "Pursat"}
	for i := range n {
		at := g.now.Add(-g.span + time.Duration(float64(g.span)*float64(i)/float64(n))).Truncate(time.Microsecond)
		g.ops[i] = v7(r, at)
		rows[i] = []any{g.ops[i], fmt.Sprintf("Operation %s %d", pick(r, compounds), i+1), at, u(g.dir.Police.ID),
			pick(r, provinces), pick(r, compounds) + " compound", at, int32(1)}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"operations"},
		[]string{"id", "name", "operation_date", "lead_agency_id", "province", "compound", "created_at", "version"}, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("seedscale: copy operations: %w", err)
	}
	stats.Rows["operations"] += n
	return nil
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
	if _, err := tx.Exec(ctx, `ANALYZE seed_cases`); err != nil {
		return fmt.Errorf("seedscale: %w", err)
	}
	for _, q := range []struct{ table, sql string }{{"case_steps", summaryStepsSQL}, {"case_facts", summaryFactsSQL},
		{"report_counts", summaryCountsSQL}} {
		tag, err := tx.Exec(ctx, q.sql)
		if err != nil {
			return fmt.Errorf("seedscale: summary %s: %w", q.table, err)
		}
		stats.Rows[q.table] += int(tag.RowsAffected())
	}
	// The dashboard summary (migration 00025) is recomputed whole, from every case.
	if _, err := tx.Exec(ctx, `SELECT dashboard_rebuild()`); err != nil {
		return fmt.Errorf("seedscale: dashboard summary: %w", err)
	}
	return nil
}
