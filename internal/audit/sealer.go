package audit

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// SealInterval is how often the sealer seals each database's committed rows.
const SealInterval = time.Second

// AnchorInterval is how often, at most, the sealer publishes the heads that moved: each store's
// into the hub, the hub's into every store.
const AnchorInterval = 10 * time.Second

// sealBatch is how many rows one sealing transaction chains at most.
const sealBatch = 5000

// sealerLock is the advisory lock key of the sealer. Advisory locks are per database, so each
// database has its own sealer lock; two processes never seal one database at once.
const sealerLock int64 = 0x686f6d6577617264 // "homeward"

// errBusy reports that another sealer holds the database's lock.
var errBusy = errors.New("audit: another sealer is sealing")

// SealNow seals every row of db committed so far, waiting for a sealer running elsewhere to
// finish, and returns how many rows it sealed. Tests call it to seal deterministically.
func SealNow(ctx context.Context, db *gorm.DB) (int, error) {
	return sealAll(ctx, db, true)
}

// sealAll seals in batches until no committed unsealed row is left. Without wait it gives up
// (returning errBusy) when another sealer holds the lock.
func sealAll(ctx context.Context, db *gorm.DB, wait bool) (int, error) {
	total := 0
	for {
		n, err := sealBatchOnce(ctx, db, wait)
		total += n
		if err != nil || n < sealBatch {
			return total, err
		}
	}
}

const (
	tryLockSQL   = `SELECT pg_try_advisory_xact_lock(?)`
	waitLockSQL  = `SELECT true FROM pg_advisory_xact_lock(?)`
	headSQL      = `SELECT last_id, last_hash FROM audit_head WHERE id = 1 FOR UPDATE`
	unsealedRows = `SELECT id, at, actor_user_id, actor_agency_id, action, section, entity, entity_id, detail
FROM audit_log WHERE seq IS NULL ORDER BY id LIMIT ?`
	sealRowsSQL = `UPDATE audit_log AS l SET seq = v.seq, prev_hash = decode(v.prev_hash, 'hex'), hash = decode(v.hash, 'hex')
FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::text[]) AS v(id, seq, prev_hash, hash)
WHERE l.id = v.id AND l.seq IS NULL`
	moveHeadSQL = `UPDATE audit_head SET last_id = ?, last_hash = ?, sealed_at = now() WHERE id = 1`
)

// sealBatchOnce chains up to sealBatch committed unsealed rows, in id order, after the head, in
// one transaction under the database's sealer lock, and moves the head.
func sealBatchOnce(ctx context.Context, db *gorm.DB, wait bool) (int, error) {
	n := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var locked bool
		lock := tryLockSQL
		if wait {
			lock = waitLockSQL
		}
		if err := tx.Raw(lock, sealerLock).Scan(&locked).Error; err != nil {
			return fmt.Errorf("audit: sealer lock: %w", err)
		}
		if !locked {
			return errBusy
		}
		var head struct {
			LastID   int64
			LastHash []byte
		}
		if err := tx.Raw(headSQL).Scan(&head).Error; err != nil {
			return fmt.Errorf("audit: read head: %w", err)
		}
		var rows []Row
		if err := tx.Raw(unsealedRows, sealBatch).Scan(&rows).Error; err != nil {
			return fmt.Errorf("audit: read unsealed rows: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		// One UPDATE for the batch, its columns passed as array literals (hashes in hex).
		var ids, seqs, prevs, hashes arrayLiteral
		seq, prev := head.LastID, head.LastHash
		for i := range rows {
			seq++
			r := &rows[i]
			s := seq
			r.Seq, r.PrevHash = &s, prev
			r.Hash = r.computeHash()
			ids.add(strconv.FormatInt(r.ID, 10))
			seqs.add(strconv.FormatInt(seq, 10))
			prevs.add(hex.EncodeToString(prev))
			hashes.add(hex.EncodeToString(r.Hash))
			prev = r.Hash
		}
		res := tx.Exec(sealRowsSQL, ids.String(), seqs.String(), prevs.String(), hashes.String())
		if res.Error != nil {
			return fmt.Errorf("audit: seal rows: %w", res.Error)
		}
		if res.RowsAffected != int64(len(rows)) {
			return fmt.Errorf("audit: sealed %d rows of %d", res.RowsAffected, len(rows))
		}
		if err := tx.Exec(moveHeadSQL, seq, prev).Error; err != nil {
			return fmt.Errorf("audit: move head: %w", err)
		}
		n = len(rows)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// arrayLiteral builds a PostgreSQL array literal of digits or hex strings (nothing to escape).
type arrayLiteral struct{ b strings.Builder }

func (a *arrayLiteral) add(v string) {
	if a.b.Len() == 0 {
		a.b.WriteByte('{')
	} else {
		a.b.WriteByte(',')
	}
	a.b.WriteByte('"')
	a.b.WriteString(v)
	a.b.WriteByte('"')
}

func (a *arrayLiteral) String() string { return a.b.String() + "}" }

// Sealer seals the hub's and every store's chain of this process and publishes their heads both
// ways (anchors.go). `homeward serve` and `homeward dev` run it as River jobs (internal/jobs:
// Seal and Anchor, sealer_jobs.go); Run is the same work in a goroutine, for tests.
type Sealer struct {
	hub        Ledger
	stores     []Ledger
	mu         sync.Mutex       // guards published (Run and Flush may overlap)
	published  map[string]int64 // "TH>hub", "hub>KH": the last position published there
	lastAnchor time.Time
}

// NewSealer returns the sealer of the hub and the stores.
func NewSealer(hub Ledger, stores ...Ledger) *Sealer {
	return &Sealer{hub: hub, stores: stores, published: map[string]int64{}}
}

// Hub returns the hub's ledger.
func (s *Sealer) Hub() Ledger { return s.hub }

// Stores returns the stores' ledgers.
func (s *Sealer) Stores() []Ledger { return append([]Ledger(nil), s.stores...) }

// Tick seals every database (one held by another process's sealer is left to it), then publishes
// the heads that moved when AnchorInterval has passed since the last publication. Errors are
// logged; the next tick retries.
func (s *Sealer) Tick(ctx context.Context) {
	for _, l := range append([]Ledger{s.hub}, s.stores...) {
		if _, err := sealAll(ctx, l.DB, false); err != nil && !errors.Is(err, errBusy) && ctx.Err() == nil {
			slog.Warn("audit: seal", "db", l.Name, "err", err)
		}
	}
	if time.Since(s.lastAnchor) >= AnchorInterval {
		s.lastAnchor = time.Now()
		s.Publish(ctx)
	}
}

// Publish publishes each store's head into the hub and the hub's head into every store, skipping
// heads already published there by this sealer. A failure is logged and retried next time; it
// never holds up sealing.
func (s *Sealer) Publish(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.stores {
		s.publish(ctx, st, s.hub)
		s.publish(ctx, s.hub, st)
	}
}

func (s *Sealer) publish(ctx context.Context, from, to Ledger) {
	if err := s.publishHead(ctx, from, to); err != nil && ctx.Err() == nil {
		slog.Warn("audit: publish head", "from", from.Name, "to", to.Name, "err", err)
	}
}

// publishHead publishes from's head into to unless this sealer published it there already.
func (s *Sealer) publishHead(ctx context.Context, from, to Ledger) error {
	key := from.Name + ">" + to.Name
	head, err := readHead(ctx, from)
	if err != nil || head.Seq == 0 || head.Seq == s.published[key] {
		return err
	}
	seq, err := Publish(ctx, from, to.DB)
	if err != nil {
		return err
	}
	s.published[key] = seq
	return nil
}

// Flush seals every database's committed rows (waiting for another sealer if one runs) and
// publishes the heads, within 5 s: what a process does as it stops, so the rows written by a
// command (seed-demo, token, directory apply…) do not wait for the next server to be sealed.
func (s *Sealer) Flush() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, l := range append([]Ledger{s.hub}, s.stores...) {
		if _, err := sealAll(ctx, l.DB, true); err != nil {
			slog.Warn("audit: seal", "db", l.Name, "err", err)
		}
	}
	s.Publish(ctx)
}

// Run calls Tick every interval (SealInterval when 0) until ctx ends, then flushes (Flush: a clean
// stop leaves nothing unsealed or unanchored).
func (s *Sealer) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = SealInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.Tick(ctx)
		select {
		case <-ctx.Done():
			s.Flush()
			return
		case <-t.C:
		}
	}
}
