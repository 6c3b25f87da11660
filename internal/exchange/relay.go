package exchange

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/cases"
	"homeward/internal/failpoint"
	"homeward/internal/store"
)

// The relay delivers each database's outbox rows to the other side (outbox.go). One relay per
// source database runs at a time, under a transaction-level advisory lock taken in the source
// database: two server processes never relay the same database at once. Rows are delivered in id
// order; a row that fails holds back the later rows of its packet (ordered per packet) and is
// tried again after a backoff (relayBackoff, doubling up to a minute).

// Failpoints of the relay (see docs/packets.md).
var (
	FailRelayApplied = failpoint.Define("relay.applied") // the other side committed; the row is not marked done
)

// relayBatch is how many outbox rows one relay round takes.
const relayBatch = 500

// relayBackoff is the first wait after a failed delivery.
const relayBackoff = time.Second

// outboxRow is a row of an outbox.
type outboxRow struct {
	ID        int64
	Target    string
	PacketIDs cases.TextList
	Step      string
	Key       string
	Body      string
	Attempts  int
	NextAt    time.Time
}

// relaySource is the database whose outbox a round relays.
type relaySource struct {
	name    string // "hub" or a country code
	db      *gorm.DB
	targets []string
}

func (s *Service) sourceOf(name string) (relaySource, error) {
	if name == hubTarget {
		return relaySource{name: name, db: s.hub, targets: s.stores.Countries()}, nil
	}
	st, err := s.stores.For(name)
	if err != nil {
		return relaySource{}, err
	}
	return relaySource{name: name, db: st.DB, targets: []string{hubTarget}}, nil
}

// Relay delivers the due outbox rows of one database ("hub" or a country code) until none is left
// or a round delivers nothing; wait tells whether to wait for a relay of the same database running
// elsewhere. It returns how many rows were delivered.
func (s *Service) Relay(ctx context.Context, source string, wait bool) (int, error) {
	src, err := s.sourceOf(source)
	if err != nil {
		return 0, err
	}
	total := 0
	for {
		n, more, err := s.relayRound(ctx, src, wait)
		total += n
		if err != nil || !more || n == 0 {
			return total, err
		}
	}
}

// RelayAll relays every database of this process (the hub and each store) until all are quiet.
func (s *Service) RelayAll(ctx context.Context) error {
	var errs []error
	for range 4 { // a delivery can enqueue on the other side (a store's step answered by the hub)
		moved := 0
		for _, src := range append([]string{hubTarget}, s.stores.Countries()...) {
			n, err := s.Relay(ctx, src, true)
			moved += n
			if err != nil {
				errs = append(errs, err)
			}
		}
		if moved == 0 {
			break
		}
	}
	return errors.Join(errs...)
}

// kick delivers a step's outbox rows right after its commit, so the other side sees the step at
// once; what fails stays in the outbox for the worker's relay.
func (s *Service) kick(ctx context.Context, source string) {
	if _, err := s.Relay(context.WithoutCancel(ctx), source, true); err != nil {
		slog.Warn("exchange: relay", "source", source, "err", err)
	}
}

// relayLock takes the source database's relay lock in tx: false when another relay holds it and
// wait is false.
func relayLock(tx *gorm.DB, source string, wait bool) (bool, error) {
	q := `SELECT pg_try_advisory_xact_lock(hashtext('homeward.relay'), hashtext(?))`
	if wait {
		q = `SELECT true FROM (SELECT pg_advisory_xact_lock(hashtext('homeward.relay'), hashtext(?))) l`
	}
	var got bool
	if err := tx.Raw(q, source).Scan(&got).Error; err != nil {
		return false, fmt.Errorf("exchange: relay lock: %w", err)
	}
	return got, nil
}

// relayRound delivers up to relayBatch due rows of src in one source transaction holding the lock.
func (s *Service) relayRound(ctx context.Context, src relaySource, wait bool) (int, bool, error) {
	delivered, more := 0, false
	err := src.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		got, err := relayLock(tx, src.name, wait)
		if err != nil || !got {
			return err
		}
		var rows []outboxRow
		if err := tx.Raw(`SELECT id, target, packet_ids, step, key, body::text AS body, attempts, next_at
FROM outbox WHERE done_at IS NULL AND target IN ? ORDER BY id LIMIT ?`, src.targets, relayBatch).Scan(&rows).Error; err != nil {
			return fmt.Errorf("exchange: outbox: %w", err)
		}
		more = len(rows) == relayBatch
		held := map[string]bool{} // packets with an earlier row not delivered: later rows wait
		for i := range rows {
			ok, err := s.relayOne(ctx, tx, &rows[i], held)
			if err != nil {
				return err
			}
			if ok {
				delivered++
			}
		}
		return nil
	})
	return delivered, more, err
}

// relayOne delivers one row unless its packet is held back, then marks it done (or schedules the
// next attempt). Only a failure of the source transaction is returned.
func (s *Service) relayOne(ctx context.Context, tx *gorm.DB, o *outboxRow, held map[string]bool) (bool, error) {
	now := s.clock()
	hold := func() {
		for _, id := range o.PacketIDs {
			held[id] = true
		}
	}
	for _, id := range o.PacketIDs {
		if held[id] {
			hold()
			return false, nil
		}
	}
	if o.NextAt.After(now) {
		hold()
		return false, nil
	}
	if derr := s.deliver(ctx, o); derr != nil {
		hold()
		wait := min(relayBackoff<<min(o.Attempts, 6), time.Minute)
		err := tx.Exec(`UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?`,
			now.Add(wait), truncate(derr.Error(), 500), o.ID).Error
		return false, err
	}
	if err := failpoint.Hit(ctx, FailRelayApplied); err != nil {
		return false, err
	}
	// Done: the body is cleared (what it carried now lives on the other side).
	err := tx.Exec(`UPDATE outbox SET done_at = ?, body = '{}' WHERE id = ?`, now, o.ID).Error
	return err == nil, err
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// deliver applies one outbox row on its target in one transaction with its key in applied_steps:
// a key already there means the row was applied before, and nothing is done.
func (s *Service) deliver(ctx context.Context, o *outboxRow) error {
	var m message
	if err := json.Unmarshal([]byte(o.Body), &m); err != nil {
		return fmt.Errorf("exchange: outbox %d: %w", o.ID, err)
	}
	entries, err := m.entries()
	if err != nil {
		return err
	}
	var st *store.Store
	db := s.hub
	if o.Target != hubTarget {
		if st, err = s.stores.For(o.Target); err != nil {
			return err
		}
		db = st.DB
	}
	now := s.clock()
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`INSERT INTO applied_steps (key, applied_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, o.Key, now)
		if res.Error != nil {
			return fmt.Errorf("exchange: applied steps: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil // applied before: a second delivery is a no-op
		}
		for _, a := range m.Apply {
			if err := s.applyEffect(ctx, tx, st, a); err != nil {
				return fmt.Errorf("exchange: outbox %d %s: %w", o.ID, a.Name, err)
			}
		}
		return audit.AppendMany(tx, now, entries)
	})
}

// applyEffect runs one registered effect on the target side.
func (s *Service) applyEffect(ctx context.Context, tx *gorm.DB, st *store.Store, a apply) error {
	if st == nil {
		f := s.hubAppliers[a.Name]
		if f == nil {
			return fmt.Errorf("no hub applier %q", a.Name)
		}
		return f(ctx, tx, a.Data)
	}
	f := s.storeAppliers[a.Name]
	if f == nil {
		return fmt.Errorf("no store applier %q", a.Name)
	}
	return f(ctx, tx, st, a.Data)
}
