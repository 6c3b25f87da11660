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
	"runtime"
	"sync"
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
	// Phases is the time spent in each phase: copy, indexes, summaries, vacuum.
	Phases map[string]time.Duration
}

// Rate is persons per second.
func (s Stats) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Rows["persons"]) / s.Elapsed.Seconds()
}

// columns are the columns each table is copied with, in the order gen adds values.
var columns = map[string][]string{
	"persons": {"id", "given_name", "family_name", "sex", "birth_date", "age_estimate", "nationality", "languages", "minor",
		"document_number_enc", "document_number_bidx", "contact_enc", "operation_id", "created_at", "updated_at", "version",
		"aliases", "documents_held", "documents_missing", "documents_enc", "document_bidxs", "urgent_needs_enc"},
	"cases":                    {"id", "reference", "person_id", "owner_agency_id", "assigned_user_id", "stage", "created_at", "updated_at", "version"},
	"case_team":                {"case_id", "agency_id", "added_at"},
	"stage_changes":            {"id", "case_id", "from_stage", "to_stage", "reason", "actor_user_id", "at"},
	"screenings":               {"id", "case_id", "interview_date", "interviewer", "interpreter", "language", "narrative_enc", "created_by", "created_at", "updated_at", "version"},
	"screening_indicators":     {"screening_id", "indicator", "answer", "note_enc", "channels"},
	"identification_decisions": {"id", "case_id", "decision", "legal_basis", "status", "proposed_by", "proposed_at", "decided_by", "decided_at", "comment", "version", "legal_basis_enc", "comment_enc"},
	"case_packets":             {"packet_id", "case_id", "kind", "purpose", "direction", "created_at"},
}

// copyOrder is the order tables are copied in (parents first, though no foreign key is checked).
var copyOrder = []string{"persons", "cases", "case_team", "stage_changes", "screenings", "screening_indicators",
	"identification_decisions", "case_packets"}

// baseTables are the tables whose secondary indexes a large fill rebuilds before the summaries are
// derived; summaryTables' after.
var (
	baseTables    = append([]string{"operations", "audit_log"}, copyOrder...)
	summaryTables = []string{"case_facts", "case_steps", "report_counts"}
	// nameKeyTables are the duplicate check's name keys, filled by person_name_keys_fill.
	nameKeyTables = []string{"person_name_keys", "person_names"}
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
	stats := Stats{Rows: map[string]int{}, Phases: map[string]time.Duration{}}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		return fill(ctx, tx, keys, dir, opt, &stats)
	})
	if err != nil {
		return Stats{}, err
	}
	if opt.Analyze {
		defer stats.phase("vacuum")()
		for _, t := range append(append(append([]string{}, baseTables...), summaryTables...), nameKeyTables...) {
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
		`SET LOCAL work_mem = '128MB'`, `SET LOCAL synchronous_commit = off`, `SET LOCAL jit = off`} {
		if _, err := tx.Exec(ctx, set); err != nil {
			return fmt.Errorf("seedscale: %s: %w", set, err)
		}
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
	g := &gen{keys: keys, country: keys.Country, dir: dir, groups: groupsFor(keys.Country), now: opt.Now, span: opt.Span,
		total: opt.Persons, refBase: refBase}
	for _, gr := range g.groups {
		g.weights += gr.weight
	}
	if err := insertOperations(ctx, tx, g, stats); err != nil {
		return err
	}
	var dropped []index
	if *opt.RebuildIndexes {
		var err error
		if dropped, err = dropIndexes(ctx, tx, append(append([]string{}, baseTables...), summaryTables...)); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE seed_cases (id uuid) ON COMMIT DROP`); err != nil {
		return fmt.Errorf("seedscale: %w", err)
	}
	done := stats.phase("copy")
	if err := copyChunks(ctx, tx, g, opt, &lastID, &lastHash, stats); err != nil {
		return err
	}
	done()
	if _, err := tx.Exec(ctx, `UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE id = 1`, lastID, lastHash); err != nil {
		return fmt.Errorf("seedscale: move the audit head: %w", err)
	}
	done = stats.phase("indexes")
	if err := recreateIndexes(ctx, tx, dropped, baseTables); err != nil {
		return err
	}
	// The duplicate check's name keys (migration 00034), which the triggers left unwritten.
	if _, err := tx.Exec(ctx, `SELECT person_name_keys_fill()`); err != nil {
		return fmt.Errorf("seedscale: name keys: %w", err)
	}
	done()
	done = stats.phase("summaries")
	if err := summarise(ctx, tx, stats); err != nil {
		return err
	}
	done()
	defer stats.phase("indexes")()
	return recreateIndexes(ctx, tx, dropped, summaryTables)
}

// phase starts timing a phase; the returned func adds the time to it.
func (s *Stats) phase(name string) func() {
	start := time.Now()
	return func() { s.Phases[name] += time.Since(start) }
}

// copyChunks generates the chunks on every core and copies them in order, linking their audit rows.
func copyChunks(ctx context.Context, tx pgx.Tx, g *gen, opt Options, lastID *int64, lastHash *[]byte, stats *Stats) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := (opt.Persons + opt.ChunkSize - 1) / opt.ChunkSize
	workers := max(1, runtime.GOMAXPROCS(0))
	jobs := make(chan int)
	results := make(chan *chunk, workers)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				from := i * opt.ChunkSize
				c, err := g.chunk(opt.Seed, i, from, min(opt.ChunkSize, opt.Persons-from))
				if err != nil {
					errs <- err
					cancel()
					return
				}
				select {
				case results <- c:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for i := range n {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	pending := map[int]*chunk{}
	next := 0
	for c := range results {
		pending[c.index] = c
		for pending[next] != nil {
			c := pending[next]
			delete(pending, next)
			next++
			err := reserveAuditIDs(ctx, tx, c.audit)
			if err == nil {
				*lastID, *lastHash = audit.Link(*lastID, *lastHash, c.audit)
				err = copyChunk(ctx, tx, c, stats)
			}
			if err != nil {
				cancel()
				for range results {
				}
				return err
			}
		}
	}
	select {
	case err := <-errs:
		return err
	default:
	}
	if next != n {
		return fmt.Errorf("seedscale: %d of %d chunks written: %w", next, n, ctx.Err())
	}
	return nil
}

func copyChunk(ctx context.Context, tx pgx.Tx, c *chunk, stats *Stats) error {
	for _, t := range copyOrder {
		rows := c.rows[t]
		if len(rows) == 0 {
			continue
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t}, columns[t], pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("seedscale: copy %s: %w", t, err)
		}
		stats.Rows[t] += len(rows)
	}
	ids := make([][]any, len(c.caseIDs))
	for i, id := range c.caseIDs {
		ids[i] = []any{id}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"seed_cases"}, []string{"id"}, pgx.CopyFromRows(ids)); err != nil {
		return fmt.Errorf("seedscale: copy case ids: %w", err)
	}
	auditRows := make([][]any, len(c.audit))
	for i, r := range c.audit {
		auditRows[i] = []any{r.ID, *r.Seq, r.At, uuidOrNil(r.ActorUserID), uuidOrNil(r.ActorAgencyID), r.Action, r.Entity, r.EntityID,
			r.Detail, r.PrevHash, r.Hash, r.Section}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_log"}, []string{"id", "seq", "at", "actor_user_id", "actor_agency_id", "action",
		"entity", "entity_id", "detail", "prev_hash", "hash", "section"}, pgx.CopyFromRows(auditRows)); err != nil {
		return fmt.Errorf("seedscale: copy audit_log: %w", err)
	}
	stats.Rows["audit_log"] += len(auditRows)
	return nil
}

// reserveAuditIDs gives rows ids from audit_log's identity sequence, as appended rows get theirs.
func reserveAuditIDs(ctx context.Context, tx pgx.Tx, rows []audit.Row) error {
	r, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('audit_log', 'id')) FROM generate_series(1, $1)`, len(rows))
	if err != nil {
		return fmt.Errorf("seedscale: audit ids: %w", err)
	}
	ids, err := pgx.CollectRows(r, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("seedscale: audit ids: %w", err)
	}
	for i := range rows {
		rows[i].ID = ids[i]
	}
	return nil
}

func uuidOrNil(s *string) any {
	if s == nil {
		return nil
	}
	return [16]byte(uuid.MustParse(*s))
}
