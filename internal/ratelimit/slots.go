package ratelimit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"homeward/internal/store"
)

// ImportSlotClass is the first key of the imports' advisory locks (pg_try_advisory_xact_lock(class,
// slot)): "HWIM". Two-key advisory locks live apart from the one-key ones (hashtext(...)) that the
// rest of Homeward takes.
const ImportSlotClass int32 = 0x4857494d

// Slots limits how many pieces of one kind of work (imports) run at once in each country store,
// counted across every `serve` process of a deployment. A slot is a transaction-scoped advisory
// lock pg_try_advisory_xact_lock(class, n), n in 1..perStore, taken in the store itself by a
// transaction that stays open while the work runs and is rolled back when it ends. PostgreSQL holds
// the lock exactly as long as that transaction: a server that dies closes its connection and frees
// its slots with it, and no lock outlives the work on a pooled connection (no session-level lock).
type Slots struct {
	stores   *store.Set
	class    int32
	perStore int
}

// NewSlots returns perStore slots (at least 1) of class in every store of stores.
func NewSlots(stores *store.Set, class int32, perStore int) *Slots {
	return &Slots{stores: stores, class: class, perStore: max(1, perStore)}
}

// Slot is a slot taken; Release frees it.
type Slot struct {
	conn *sql.Conn
	tx   *sql.Tx
	// N is the slot's number, 1..perStore.
	N int
}

// Release ends the slot's transaction (rollback: it wrote nothing) and returns its connection to
// the pool. Releasing twice, or a nil slot, does nothing.
func (s *Slot) Release() {
	if s == nil || s.tx == nil {
		return
	}
	_ = s.tx.Rollback()
	_ = s.conn.Close()
	s.tx, s.conn = nil, nil
}

// Take takes a free slot of country's store and returns it, or nil when every slot is held. The
// caller releases it when the work ends. An error is the store's (unreachable: store.IsUnavailable).
func (s *Slots) Take(ctx context.Context, country string) (*Slot, error) {
	st, err := s.stores.For(country)
	if err != nil {
		return nil, err
	}
	db, err := st.DB.DB()
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("slots: %s: %w", country, err)
	}
	// The transaction lives until Release, whatever becomes of the request's context meanwhile.
	tx, err := conn.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("slots: %s: %w", country, err), conn.Close())
	}
	slot := &Slot{conn: conn, tx: tx}
	for n := 1; n <= s.perStore; n++ {
		var got bool
		if err := tx.QueryRowContext(ctx, `SELECT pg_try_advisory_xact_lock($1, $2)`, s.class, n).Scan(&got); err != nil {
			slot.Release()
			return nil, fmt.Errorf("slots: %s: %w", country, err)
		}
		if got {
			slot.N = n
			return slot, nil
		}
	}
	slot.Release()
	return nil, nil
}
