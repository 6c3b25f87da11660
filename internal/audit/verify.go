package audit

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/vault"
)

// MaxUnsealedAge bounds how long a committed row may stay unsealed: the sealer runs every
// SealInterval, so an older unsealed row means the sealer is not running or was blocked, and
// Verify fails on it. Younger unsealed rows are counted, not failed (docs/audit.md).
const MaxUnsealedAge = 60 * time.Second

// ErrBroken reports a broken chain.
var ErrBroken = errors.New("audit chain broken")

// Break describes the first row where the chain fails.
type Break struct {
	ID     int64 // the row's id (what the console shows); for a missing row, the next one present
	Seq    int64 // its chain position, 0 when it has none
	Reason string
}

func (b *Break) Error() string {
	switch {
	case b.ID == 0:
		return fmt.Sprintf("audit chain position %d: %s", b.Seq, b.Reason)
	case b.Seq != 0 && b.Seq != b.ID:
		return fmt.Sprintf("audit row %d (chain position %d): %s", b.ID, b.Seq, b.Reason)
	}
	return fmt.Sprintf("audit row %d: %s", b.ID, b.Reason)
}

// Unwrap lets errors.Is(err, ErrBroken) match.
func (b *Break) Unwrap() error { return ErrBroken }

// Report is what a check of one chain found.
type Report struct {
	Sealed         int64         // rows sealed (the chain's length)
	Unsealed       int64         // committed rows not sealed yet
	OldestUnsealed time.Duration // how long the oldest of them has waited; 0 when none
	Anchors        int           // anchors (heads published to the other side) checked
}

// Verify checks the chain of db: every sealed row in chain order, the head, and the unsealed rows
// (one unsealed for longer than MaxUnsealedAge fails). It returns a *Break for the first bad row,
// nil if intact. Check also checks the heads the other side recorded.
func Verify(ctx context.Context, db *gorm.DB) error {
	_, err := Check(ctx, db, nil, nil)
	return err
}

// Check verifies the chain of db as Verify does, and also every anchor in anchors (the heads of
// this chain that the other side recorded, read from there first: AnchorsFor): its signature
// under key and the chain's hash at its position. A chain rewritten whole, consistently, still
// disagrees with them. With anchors but no key, every anchor fails. It reads db in one snapshot.
func Check(ctx context.Context, db *gorm.DB, anchors []Anchor, key *vault.AnchorKey) (Report, error) {
	var rep Report
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		rep, err = check(ctx, tx, anchors, key)
		return err
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	return rep, err
}

// walkBatch is how many rows Check reads at a time.
const walkBatch = 5000

func check(ctx context.Context, tx *gorm.DB, anchors []Anchor, key *vault.AnchorKey) (Report, error) {
	var rep Report
	for _, a := range anchors {
		if err := a.verifySignature(key); err != nil {
			return rep, &Break{Seq: a.Seq, Reason: err.Error()}
		}
	}
	next := anchorCursor(anchors)
	prev := []byte{}
	var expect int64 = 1
	for {
		var rows []Row
		err := tx.Where("seq >= ?", expect).Order("seq").Limit(walkBatch).Find(&rows).Error
		if err != nil {
			return rep, fmt.Errorf("audit: read: %w", err)
		}
		for _, r := range rows {
			seq := *r.Seq
			if seq != expect {
				return rep, &Break{ID: r.ID, Seq: seq, Reason: fmt.Sprintf("expected chain position %d next: a row was deleted or inserted", expect)}
			}
			if !bytes.Equal(r.PrevHash, prev) {
				return rep, &Break{ID: r.ID, Seq: seq, Reason: "previous hash does not match: a row before it was changed or removed"}
			}
			if !bytes.Equal(r.computeHash(), r.Hash) {
				return rep, &Break{ID: r.ID, Seq: seq, Reason: "hash does not match its contents: the row was edited"}
			}
			if err := next(r); err != nil {
				return rep, err
			}
			prev = r.Hash
			expect++
		}
		if len(rows) < walkBatch {
			break
		}
	}
	rep.Sealed, rep.Anchors = expect-1, len(anchors)
	var head struct {
		LastID   int64
		LastHash []byte
	}
	if err := tx.Raw(`SELECT last_id, last_hash FROM audit_head WHERE id = 1`).Scan(&head).Error; err != nil {
		return rep, fmt.Errorf("audit: read head: %w", err)
	}
	if head.LastID != rep.Sealed || !bytes.Equal(head.LastHash, prev) {
		return rep, &Break{ID: expect, Seq: expect, Reason: fmt.Sprintf("chain ends at position %d but the head records position %d: rows were deleted at the end", rep.Sealed, head.LastID)}
	}
	if err := next(Row{}); err != nil { // anchors beyond the chain's end
		return rep, err
	}
	return rep, checkUnsealed(tx, &rep)
}

const unsealedSQL = `SELECT count(*) AS n,
  coalesce((extract(epoch FROM now() - min(appended_at)) * 1e6)::bigint, 0) AS oldest_us,
  count(*) FILTER (WHERE appended_at IS NULL) AS undated,
  count(*) FILTER (WHERE hash IS NOT NULL OR prev_hash IS NOT NULL) AS hashed
FROM audit_log WHERE seq IS NULL`

const oldestUnsealedSQL = `SELECT id, (hash IS NOT NULL OR prev_hash IS NOT NULL) AS hashed FROM audit_log WHERE seq IS NULL
ORDER BY (hash IS NOT NULL OR prev_hash IS NOT NULL) DESC, appended_at NULLS FIRST, id LIMIT 1`

// checkUnsealed counts the unsealed rows and fails on one older than MaxUnsealedAge or one that
// carries a hash without a chain position (a row written by hand, not by Append).
func checkUnsealed(tx *gorm.DB, rep *Report) error {
	var u struct {
		N, OldestUs, Undated, Hashed int64
	}
	if err := tx.Raw(unsealedSQL).Scan(&u).Error; err != nil {
		return fmt.Errorf("audit: unsealed rows: %w", err)
	}
	rep.Unsealed = u.N
	if u.N == 0 {
		return nil
	}
	rep.OldestUnsealed = time.Duration(max(u.OldestUs, 0)) * time.Microsecond
	if u.Hashed == 0 && u.Undated == 0 && rep.OldestUnsealed <= MaxUnsealedAge {
		return nil
	}
	var first struct {
		ID     int64
		Hashed bool
	}
	if err := tx.Raw(oldestUnsealedSQL).Scan(&first).Error; err != nil {
		return fmt.Errorf("audit: unsealed rows: %w", err)
	}
	if first.Hashed {
		// Not Append's: it writes no hash; a row with one but no position was forged by hand.
		return &Break{ID: first.ID, Reason: "the row has a hash but no chain position: it was not written by the application"}
	}
	return &Break{ID: first.ID, Reason: fmt.Sprintf("unsealed for %s (more than %s): the sealer is not running or was blocked",
		rep.OldestUnsealed.Round(time.Second), MaxUnsealedAge)}
}
