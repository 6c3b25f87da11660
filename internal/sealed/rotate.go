package sealed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
	"homeward/internal/vault"
)

// The audit rows of a key rotation, in the store whose keyset rotates.
var (
	StoreKeyRotateStart    = audit.Define("store.key_rotate_start", authz.SectionAudit)
	StoreKeyRotateProgress = audit.Define("store.key_rotate_progress", authz.SectionAudit)
	StoreKeyRotateDone     = audit.Define("store.key_rotate_done", authz.SectionAudit)
)

// ErrKeysetChanged is returned when the store's keyset changed between reading and replacing it:
// another rotation ran at the same time. Nothing was replaced; run the rotation again.
var ErrKeysetChanged = errors.New("sealed: the store's keyset changed meanwhile (another rotation?); run again")

// rotateBatch is the number of rows Rotate re-seals per transaction (tests lower it).
var rotateBatch = BatchSize

// batchDone, when set (tests), is called after each committed re-sealing batch.
var batchDone func(c Stored, n int)

// AuditEvery is the number of re-sealing batches between two progress audit rows.
const AuditEvery = 20

// maxPasses bounds the passes over every column: a pass re-seals what a process that had not yet
// picked up the new key wrote during the previous one.
const maxPasses = 3

// Rotation is the state of a key rotation of one store.
type Rotation struct {
	ID        string
	Country   string
	KeyID     uint32 // the new primary AEAD key
	Resumed   bool   // an unfinished rotation was continued rather than a new key added
	Resealed  int64  // values re-sealed, over every run of this rotation
	Remaining int64  // values still under older keys when it stopped
	Finished  bool
}

// Rotate rotates the AEAD keyset of the store in db (reached as its owner role: the app role may
// not replace keysets) and re-seals every StoredColumns value under the new primary key, BatchSize
// rows per transaction. If an earlier rotation did not finish (a crash, a cancelled context), it is
// resumed instead: values already under its key are skipped, so a rerun continues where the last
// stopped. Every earlier key stays in the keyset: values not yet re-sealed, and attachment contents,
// keep opening, and running processes pick up the new key as they meet it (vault.Keys).
func Rotate(ctx context.Context, db *gorm.DB, master *vault.MasterKey, country string) (Rotation, error) {
	r, found, err := openRotation(ctx, db, country)
	if err != nil {
		return r, err
	}
	if !found {
		ks, err := readKeyset(ctx, db, country)
		if err != nil {
			return r, err
		}
		if r, err = beginRotation(ctx, db, master, country, ks); err != nil {
			return r, err
		}
	}
	keys, err := vault.LoadOrCreateKeys(ctx, db, master, country)
	if err != nil {
		return r, err
	}
	if keys.PrimaryKeyID() != r.KeyID {
		return r, fmt.Errorf("sealed: the open rotation of %s is for key %d but the primary key is %d", country, r.KeyID, keys.PrimaryKeyID())
	}
	batches := 0
	for pass := 0; pass < maxPasses; pass++ {
		for _, c := range StoredColumns {
			if err := resealColumn(ctx, db, keys, &r, c, &batches); err != nil {
				return r, fmt.Errorf("sealed: re-seal %s.%s in %s: %w", c.Table, c.Column, country, err)
			}
		}
		if r.Remaining, err = remaining(ctx, db, r.KeyID); err != nil || r.Remaining == 0 {
			break
		}
	}
	if err != nil || r.Remaining > 0 {
		return r, err
	}
	return r, finishRotation(ctx, db, &r)
}

// keysetRow is the AEAD keyset of a store as read for rotation.
type keysetRow struct {
	AEAD    []byte
	Version int
}

func readKeyset(ctx context.Context, db *gorm.DB, country string) (keysetRow, error) {
	var rows []keysetRow
	if err := db.WithContext(ctx).Raw(`SELECT aead, version FROM keysets WHERE country = ?`, country).Scan(&rows).Error; err != nil {
		return keysetRow{}, fmt.Errorf("sealed: read the %s keyset: %w", country, err)
	}
	if len(rows) == 0 {
		return keysetRow{}, fmt.Errorf("sealed: the store has no %s keyset", country)
	}
	return rows[0], nil
}

// openRotation returns the unfinished rotation of the store, if any.
func openRotation(ctx context.Context, db *gorm.DB, country string) (Rotation, bool, error) {
	var rows []struct {
		ID       string
		KeyID    int64
		Resealed int64
	}
	if err := db.WithContext(ctx).Raw(`SELECT id::text, key_id, resealed FROM key_rotations
		WHERE country = ? AND finished_at IS NULL`, country).Scan(&rows).Error; err != nil {
		return Rotation{}, false, fmt.Errorf("sealed: read open rotations: %w", err)
	}
	if len(rows) == 0 {
		return Rotation{Country: country}, false, nil
	}
	return Rotation{ID: rows[0].ID, Country: country, KeyID: uint32(rows[0].KeyID), Resealed: rows[0].Resealed, Resumed: true}, true, nil
}

// beginRotation adds a primary key to the keyset read as ks and stores it only if the keyset is
// still at ks.Version, with the rotation's row and its start audit row, in one transaction.
func beginRotation(ctx context.Context, db *gorm.DB, master *vault.MasterKey, country string, ks keysetRow) (Rotation, error) {
	r := Rotation{ID: uuid.Must(uuid.NewV7()).String(), Country: country}
	prevPrimary, _, err := master.KeyIDs(country, "aead", ks.AEAD)
	if err != nil {
		return r, err
	}
	wrapped, id, err := master.AddPrimaryAEAD(country, ks.AEAD)
	if err != nil {
		return r, err
	}
	r.KeyID = id
	now := time.Now().UTC()
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE keysets SET aead = ?, version = version + 1, rotated_at = ?
			WHERE country = ? AND version = ?`, wrapped, now, country, ks.Version)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrKeysetChanged
		}
		if err := tx.Exec(`INSERT INTO key_rotations (id, country, key_id, version, started_at) VALUES (?, ?, ?, ?, ?)`,
			r.ID, country, int64(id), ks.Version+1, now).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrKeysetChanged
			}
			return err
		}
		return audit.Append(tx, now, audit.Entry{Action: StoreKeyRotateStart, Entity: "store", EntityID: country,
			Detail: map[string]any{"rotation": r.ID, "key_id": id, "previous_key_id": prevPrimary, "keyset_version": ks.Version + 1}})
	})
	return r, err
}

// resealColumn re-seals, in primary-key order, every value of c not yet under r's key.
func resealColumn(ctx context.Context, db *gorm.DB, keys *vault.Keys, r *Rotation, c Stored, batches *int) error {
	for _, id := range []string{c.Table, c.Column, c.Keys[0].Name} {
		if !ident.MatchString(id) {
			return fmt.Errorf("bad identifier %q", id)
		}
	}
	var after []string
	for {
		next, n, err := resealBatch(ctx, db, keys, r, c, after, batches)
		if err != nil {
			return err
		}
		if n < rotateBatch {
			return nil
		}
		after = next
	}
}

// resealBatch re-seals the next rotateBatch values of c after the key values after (nil: from the
// start) in one transaction, and returns the key of the last row it saw and the rows it saw.
func resealBatch(ctx context.Context, db *gorm.DB, keys *vault.Keys, r *Rotation, c Stored, after []string, batches *int) ([]string, int, error) {
	var last []string
	n := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		names := make([]string, len(c.Keys))
		casts := make([]string, len(c.Keys))
		sel := make([]string, len(c.Keys))
		for i, k := range c.Keys {
			names[i], casts[i] = k.Name, "?::"+k.Type
			sel[i] = fmt.Sprintf("%s::text AS k%d", k.Name, i)
		}
		where := fmt.Sprintf("%s IS NOT NULL AND length(%[1]s) > 0 AND substring(%[1]s FROM 1 FOR 5) <> ?", c.Column)
		args := []any{vault.KeyIDPrefix(r.KeyID)}
		if after != nil {
			where += fmt.Sprintf(" AND (%s) > (%s)", strings.Join(names, ", "), strings.Join(casts, ", "))
			for _, v := range after {
				args = append(args, v)
			}
		}
		q := fmt.Sprintf(`SELECT %s, %s AS row, %s AS val FROM %s WHERE %s ORDER BY %s LIMIT %d FOR UPDATE`,
			strings.Join(sel, ", "), c.rowExpr(), c.Column, c.Table, where, strings.Join(names, ", "), rotateBatch)
		rows, err := tx.Raw(q, args...).Rows()
		if err != nil {
			return err
		}
		var vals []any
		for rows.Next() {
			keyVals := make([]string, len(c.Keys))
			var row string
			var val []byte
			dest := make([]any, 0, len(c.Keys)+2)
			for i := range keyVals {
				dest = append(dest, &keyVals[i])
			}
			if err := rows.Scan(append(dest, &row, &val)...); err != nil {
				rows.Close()
				return err
			}
			enc, err := keys.Reseal(c.Field, row, val)
			if err != nil {
				rows.Close()
				return err
			}
			for _, v := range keyVals {
				vals = append(vals, v)
			}
			vals = append(vals, enc)
			last = keyVals
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		tuple := "(" + strings.Join(casts, ", ") + ", ?::bytea)"
		join := make([]string, len(c.Keys))
		for i, k := range names {
			join[i] = fmt.Sprintf("t.%s = v.%s", k, k)
		}
		u := fmt.Sprintf(`UPDATE %s t SET %s = v.val FROM (VALUES %s) v (%s, val) WHERE %s`, c.Table, c.Column,
			strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", "), strings.Join(names, ", "), strings.Join(join, " AND "))
		if res := tx.Exec(u, vals...); res.Error != nil {
			return res.Error
		} else if res.RowsAffected != int64(n) {
			return fmt.Errorf("re-sealed %d rows of %d", res.RowsAffected, n)
		}
		if err := tx.Exec(`UPDATE key_rotations SET resealed = resealed + ? WHERE id = ?`, n, r.ID).Error; err != nil {
			return err
		}
		if (*batches+1)%AuditEvery != 0 {
			return nil
		}
		return audit.Append(tx, time.Now().UTC(), audit.Entry{Action: StoreKeyRotateProgress, Entity: "store", EntityID: r.Country,
			Detail: map[string]any{"rotation": r.ID, "key_id": r.KeyID, "resealed": r.Resealed + int64(n), "table": c.Table, "column": c.Column}})
	})
	if err != nil {
		return nil, 0, err
	}
	if n > 0 {
		*batches++
		r.Resealed += int64(n)
		if batchDone != nil {
			batchDone(c, n)
		}
	}
	return last, n, nil
}

// remaining counts the sealed values of every column not under key id.
func remaining(ctx context.Context, db *gorm.DB, id uint32) (int64, error) {
	parts := make([]string, len(StoredColumns))
	for i, c := range StoredColumns {
		parts[i] = fmt.Sprintf(`(SELECT count(*) FROM %s WHERE length(%s) > 0 AND substring(%[2]s FROM 1 FOR 5) <> @p)`, c.Table, c.Column)
	}
	var n int64
	err := db.WithContext(ctx).Raw(`SELECT `+strings.Join(parts, " + "), map[string]any{"p": vault.KeyIDPrefix(id)}).Scan(&n).Error
	return n, err
}

// finishRotation closes the rotation with its done audit row; a rotation another run closed first
// is left as it is.
func finishRotation(ctx context.Context, db *gorm.DB, r *Rotation) error {
	now := time.Now().UTC()
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var total []int64
		if err := tx.Raw(`UPDATE key_rotations SET finished_at = ? WHERE id = ? AND finished_at IS NULL RETURNING resealed`, now, r.ID).
			Scan(&total).Error; err != nil {
			return err
		}
		r.Finished = true
		if len(total) == 0 {
			return nil
		}
		r.Resealed = total[0]
		return audit.Append(tx, now, audit.Entry{Action: StoreKeyRotateDone, Entity: "store", EntityID: r.Country,
			Detail: map[string]any{"rotation": r.ID, "key_id": r.KeyID, "resealed": total[0], "resumed": r.Resumed}})
	})
}
