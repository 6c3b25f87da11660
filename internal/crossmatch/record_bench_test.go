package crossmatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"homeward/internal/apptest"
	"homeward/internal/crossmatch"
	"homeward/internal/testdb"
)

// BenchmarkRecordCandidates writes the candidate rows of one publish round (2,000 new encodings,
// linkage.CandidateLimit candidates each, both sides: 20,000 rows) in one hub transaction, rolled
// back, three ways: the one multi-row INSERT … SELECT FROM unnest of text arrays that match runs
// (through GORM), COPY into a temporary table then INSERT … SELECT … ON CONFLICT (the table keeps
// a pair's answers, so a plain COPY into it could fail on a pair recorded before), and a plain
// COPY into the table as the lower bound (valid only when no pair exists yet).
func BenchmarkRecordCandidates(b *testing.B) {
	const pairs = 10_000
	env := apptest.New(b)
	ctx := context.Background()
	tokens, others := make([]string, pairs), make([]string, pairs)
	for i := range tokens {
		tokens[i], others[i] = uuid.NewString(), uuid.NewString()
	}
	now := time.Now().UTC()
	hub, err := pgx.Connect(ctx, testdb.DSN(b, env.Databases["hub"]))
	if err != nil {
		b.Fatal(err)
	}
	defer hub.Close(ctx)
	cols := []string{"id", "country", "token", "other_country", "other_token", "score", "document", "found_at"}
	copyRows := func() [][]any {
		rows := make([][]any, 0, 2*pairs)
		for i := range tokens {
			rows = append(rows, []any{uuid.Must(uuid.NewV7()), "TH", tokens[i], "KH", others[i], float32(0.8), false, now},
				[]any{uuid.Must(uuid.NewV7()), "KH", others[i], "TH", tokens[i], float32(0.8), false, now})
		}
		return rows
	}
	inTx := func(b *testing.B, f func(tx pgx.Tx) error) {
		tx, err := hub.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer tx.Rollback(ctx) //nolint:errcheck // rolled back on purpose
		if err := f(tx); err != nil {
			b.Fatal(err)
		}
	}
	pm := postmaster(b, ctx, hub)
	pgCPU := func(b *testing.B, f func()) {
		c0 := clusterCPU(b, pm)
		for b.Loop() {
			f()
		}
		b.ReportMetric((clusterCPU(b, pm)-c0)/float64(b.N), "pgcpu-s/op")
	}
	b.Run("unnest", func(b *testing.B) {
		pgCPU(b, func() {
			err := env.App.Hub.Transaction(func(htx *gorm.DB) error {
				if err := crossmatch.RecordPairs(htx, "TH", tokens, "KH", others, now); err != nil {
					return err
				}
				return errRollback
			})
			if err != errRollback {
				b.Fatal(err)
			}
		})
	})
	b.Run("copy-temp-insert", func(b *testing.B) {
		pgCPU(b, func() {
			inTx(b, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, `CREATE TEMP TABLE candidates_in (id uuid, country text, token uuid, other_country text,
other_token uuid, score real, document boolean, found_at timestamptz) ON COMMIT DROP`); err != nil {
					return err
				}
				if _, err := tx.CopyFrom(ctx, pgx.Identifier{"candidates_in"}, cols, pgx.CopyFromRows(copyRows())); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, `INSERT INTO linkage_candidates (id, country, token, other_country, other_token, score, document, found_at)
SELECT id, country, token, other_country, other_token, score, document, found_at FROM candidates_in
ON CONFLICT (country, token, other_country, other_token) DO UPDATE SET score = EXCLUDED.score, document = EXCLUDED.document`)
				return err
			})
		})
	})
	b.Run("copy-plain", func(b *testing.B) {
		pgCPU(b, func() {
			inTx(b, func(tx pgx.Tx) error {
				_, err := tx.CopyFrom(ctx, pgx.Identifier{"linkage_candidates"}, cols, pgx.CopyFromRows(copyRows()))
				return err
			})
		})
	})
}

// errRollback rolls a benchmark's GORM transaction back.
var errRollback = errRollbackT{}

type errRollbackT struct{}

func (errRollbackT) Error() string { return "rollback" }
