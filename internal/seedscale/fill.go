// Package seedscale fills a country store with many realistic persons and cases, for measuring
// the app at scale (issue 12): persons in the store's nationality mix with names in Latin, Thai
// and Khmer script, cases spread over every stage with their stage history, screenings,
// identification decisions, packets and the audit rows the app writes for each step. Sealed
// fields are real: sealed with the store's keys for their column and row, as the app seals them,
// and document numbers carry the app's blind index. The summary tables the reports read
// (migrations/store/00013_report_summary.sql) are filled by the app's own functions.
//
// Fill writes with COPY in one transaction as a superuser: triggers off (session_replication_role
// replica), the tables' secondary indexes dropped and rebuilt when the fill is large, the audit
// chain linked in Go from the head it locks. It is for development and benchmarks only.
package seedscale

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"homeward/internal/audit"
	"homeward/internal/vault"
)

// Agency is an agency that owns cases in the store, with the ids of its users who act on them.
type Agency struct {
	ID          string
	Workers     []string // caseworkers (investigators for the police)
	Supervisors []string
}

// Directory is who acts in the store: its social-welfare agency (owns most cases, screens and
// decides) and its police agency (owns one case in ten, leads the rescue operations).
type Directory struct {
	Welfare, Police Agency
}

// Options sizes a fill.
type Options struct {
	Persons int
	Seed    uint64        // same seed, same persons (but for AEAD nonces); 0 is a fixed default
	Now     time.Time     // zero: time.Now()
	Span    time.Duration // persons are received over [Now-Span, Now); zero: three years
	// ChunkSize is the persons per generated batch; zero: 5,000.
	ChunkSize int
	// RebuildIndexes drops the secondary indexes of the filled tables before the COPY and
	// rebuilds them after; the default (nil) does so from 20,000 persons on.
	RebuildIndexes *bool
	// Analyze runs VACUUM ANALYZE on the filled tables afterwards (as the benchmarks want).
	Analyze bool
}

// Stats counts what a fill wrote.
type Stats struct {
	Rows    map[string]int // rows per table
	Elapsed time.Duration
	// Phases is the time spent in each phase: stage …, seal, insert, audit, indexes, summaries, vacuum.
	Phases map[string]time.Duration
	// GoCPU is the CPU this process used in each phase; DBCPU the CPU of the fill's database
	// backend (empty when the server is on another host). Unlike Phases they do not grow with the
	// load of a shared machine.
	GoCPU, DBCPU map[string]time.Duration
	meter        cpuMeter
}

// Rate is persons per second.
func (s Stats) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Rows["persons"]) / s.Elapsed.Seconds()
}

// filledTables are the tables a fill writes, parents first.
var filledTables = []string{"persons", "cases", "case_team", "stage_changes", "screenings", "screening_indicators",
	"identification_decisions", "case_packets"}

// baseTables are the tables whose secondary indexes a large fill rebuilds before the summaries are
// derived; summaryTables' after.
var (
	baseTables    = append([]string{"operations", "audit_log"}, filledTables...)
	summaryTables = []string{"case_facts", "case_steps", "report_counts"}
	// nameKeyTables are the duplicate check's name keys (nameKeysSQL, personNamesSQL); the first's
	// indexes are rebuilt.
	nameKeyTables = []string{"person_name_keys", "person_names"}
	// searchTables are the name search's ordered index (searchTextsSQL, caseSearchSQL); the first's
	// indexes are rebuilt.
	searchTables = []string{"case_search", "search_texts"}
)

// Fill adds opt.Persons persons and their cases to the store database that adminDSN (a superuser)
// reaches, sealed with keys (the store's keys: keys.Country names the store).
func Fill(ctx context.Context, adminDSN string, keys *vault.Keys, dir Directory, opt Options) (Stats, error) {
	start := time.Now()
	if err := checkOptions(&opt, dir); err != nil {
		return Stats{}, err
	}
	conn, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		return Stats{}, fmt.Errorf("seedscale: connect: %w", err)
	}
	defer conn.Close(context.Background())
	var super bool
	if err := conn.QueryRow(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil || !super {
		return Stats{}, fmt.Errorf("seedscale: the fill needs a superuser connection to the store (session_replication_role): %v", err)
	}
	var pid int
	if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		return Stats{}, fmt.Errorf("seedscale: backend: %w", err)
	}
	stats := Stats{Rows: map[string]int{}, Phases: map[string]time.Duration{}, GoCPU: map[string]time.Duration{},
		DBCPU: map[string]time.Duration{}, meter: newCPUMeter(pid)}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		return fill(ctx, tx, keys, dir, opt, &stats)
	})
	if err != nil {
		return Stats{}, err
	}
	if opt.Analyze {
		defer stats.phase("vacuum")()
		for _, t := range append(append(append(append([]string{}, baseTables...), summaryTables...), nameKeyTables...), searchTables...) {
			if _, err := conn.Exec(ctx, "VACUUM (ANALYZE) "+pgx.Identifier{t}.Sanitize()); err != nil {
				return Stats{}, fmt.Errorf("seedscale: vacuum %s: %w", t, err)
			}
		}
	}
	stats.Elapsed = time.Since(start)
	return stats, nil
}

func checkOptions(opt *Options, dir Directory) error {
	if opt.Persons <= 0 {
		return errors.New("seedscale: persons must be positive")
	}
	for _, a := range []Agency{dir.Welfare, dir.Police} {
		if _, err := uuid.Parse(a.ID); err != nil || len(a.Workers) == 0 || len(a.Supervisors) == 0 {
			return fmt.Errorf("seedscale: agency %q needs an id, workers and supervisors", a.ID)
		}
		for _, id := range append(append([]string{}, a.Workers...), a.Supervisors...) {
			if _, err := uuid.Parse(id); err != nil {
				return fmt.Errorf("seedscale: user id %q: %w", id, err)
			}
		}
	}
	if opt.Seed == 0 {
		opt.Seed = 20261207
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	opt.Now = opt.Now.UTC().Truncate(time.Microsecond)
	if opt.Span <= 0 {
		opt.Span = 3 * 365 * 24 * time.Hour
	}
	if opt.ChunkSize <= 0 {
		opt.ChunkSize = 5000
	}
	if opt.RebuildIndexes == nil {
		big := opt.Persons >= 20_000
		opt.RebuildIndexes = &big
	}
	return nil
}

func fill(ctx context.Context, tx pgx.Tx, keys *vault.Keys, dir Directory, opt Options, stats *Stats) error {
	for _, set := range []string{`SET LOCAL session_replication_role = replica`, `SET LOCAL maintenance_work_mem = '256MB'`,
		`SET LOCAL work_mem = '128MB'`, `SET LOCAL synchronous_commit = off`, `SET LOCAL jit = off`, `SET LOCAL timezone = 'UTC'`,
		`SET LOCAL max_parallel_workers_per_gather = 0`, `SET LOCAL synchronize_seqscans = off`, `SET LOCAL temp_buffers = '256MB'`} {
		if _, err := tx.Exec(ctx, set); err != nil {
			return fmt.Errorf("seedscale: %s: %w", set, err)
		}
	}
	if _, err := tx.Exec(ctx, `SELECT setseed($1)`, float64(opt.Seed%1_000_000)/1_000_000); err != nil {
		return fmt.Errorf("seedscale: setseed: %w", err)
	}
	var lastID int64
	var lastHash []byte
	// The rows are sealed here, under the sealer's lock, after the chain's sealed end (last_id is the
	// last chain position); their ids come from the identity sequence like any appended row's.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, audit.SealerLock); err != nil {
		return fmt.Errorf("seedscale: the sealer's lock: %w", err)
	}
	if err := tx.QueryRow(ctx, `SELECT last_id, last_hash FROM audit_head WHERE id = 1 FOR UPDATE`).Scan(&lastID, &lastHash); err != nil {
		return fmt.Errorf("seedscale: lock the audit head: %w", err)
	}
	var refBase int64
	if err := tx.QueryRow(ctx, `SELECT nextval('case_reference_seq')`).Scan(&refBase); err != nil {
		return fmt.Errorf("seedscale: case references: %w", err)
	}
	if _, err := tx.Exec(ctx, `SELECT setval('case_reference_seq', $1)`, refBase+int64(opt.Persons)-1); err != nil {
		return fmt.Errorf("seedscale: case references: %w", err)
	}
	ops, err := insertOperations(ctx, tx, dir, opt, stats)
	if err != nil {
		return err
	}
	var dropped []index
	if *opt.RebuildIndexes {
		if dropped, err = dropIndexes(ctx, tx, append(append(append(append([]string{}, baseTables...), summaryTables...), nameKeyTables[:1]...), searchTables[:1]...)); err != nil {
			return err
		}
	}
	if err := stageRows(ctx, tx, keys.Country, dir, opt, refBase, ops, stats); err != nil {
		return err
	}
	done := stats.phase("seal")
	for _, p := range sealPasses {
		if err := p.run(ctx, tx, keys); err != nil {
			return err
		}
	}
	done()
	if err := insertRows(ctx, tx, dir, stats); err != nil {
		return err
	}
	done = stats.phase("audit")
	if lastID, lastHash, err = chainAudit(ctx, tx, dir.Welfare, lastID, lastHash, stats); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE id = 1`, lastID, lastHash); err != nil {
		return fmt.Errorf("seedscale: move the audit head: %w", err)
	}
	done()
	if err := recreateIndexes(ctx, tx, dropped, baseTables, stats); err != nil {
		return err
	}
	done = stats.phase("name keys")
	// The duplicate check's name keys (migration 00034), which the triggers left unwritten.
	for _, q := range []string{nameKeysSQL, personNamesSQL} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("seedscale: name keys: %w", err)
		}
	}
	done()
	if err := recreateIndexes(ctx, tx, dropped, nameKeyTables[:1], stats); err != nil {
		return err
	}
	done = stats.phase("search index")
	// The name search's ordered index (migration 00061), which the triggers left unwritten.
	for _, q := range []string{searchTextsSQL, caseSearchSQL} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("seedscale: search index: %w", err)
		}
	}
	done()
	if err := recreateIndexes(ctx, tx, dropped, searchTables[:1], stats); err != nil {
		return err
	}
	if err := summarise(ctx, tx, stats); err != nil {
		return err
	}
	return recreateIndexes(ctx, tx, dropped, summaryTables, stats)
}

// phase starts timing a phase; the returned func adds the time to it.
func (s *Stats) phase(name string) func() {
	start := time.Now()
	g0, d0 := s.meter.now()
	return func() {
		s.Phases[name] += time.Since(start)
		g1, d1 := s.meter.now()
		s.GoCPU[name] += g1 - g0
		if s.meter.backend != 0 {
			s.DBCPU[name] += d1 - d0
		}
	}
}
