// Package sealed moves free text that can identify a person from clear columns to sealed ones.
//
// Each such value has a bytea column sealed with the store's keys (field "table.column", row = the
// row's id) beside the clear column it replaces (migration 00018). The code writes the sealed
// column and leaves the clear one blank, reads with Open (the sealed value, else the clear one), and
// Legacy, run at every start, seals the clear values left by earlier versions.
package sealed

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/store"
	"homeward/internal/vault"
)

// Column is free text of a store table kept sealed in Sealed, with its former clear column Clear.
type Column struct {
	Table  string // e.g. "attachments"
	Key    string // the uuid column whose value is the vault row, e.g. "id"
	Clear  string // the former clear column: '' once sealed
	Sealed string // the bytea column
	Field  string // the vault field, e.g. "attachments.filename"
}

// Open returns the value of a row: the sealed value opened when there is one, else the clear value
// of a row written before sealing (or by SQL that knows no keys).
func Open(k *vault.Keys, field, row string, enc []byte, clear string) (string, error) {
	if len(enc) == 0 {
		return clear, nil
	}
	return k.OpenString(field, row, enc)
}

// BatchSize is the number of rows Legacy seals per transaction.
const BatchSize = 500

// ident is a plain SQL identifier: Column names are constants of the code, checked all the same.
var ident = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// Legacy seals, in st, every clear value of cols (rows written before sealing) and blanks it,
// BatchSize rows per transaction, each with a system audit row ("store.seal_legacy") giving the
// table, column and count. It is idempotent and cheap once done (partial indexes of the rows
// still in clear), so it runs at every start; rows another process is sealing are skipped. It
// returns the number of values sealed.
func Legacy(ctx context.Context, st *store.Store, cols []Column) (int, error) {
	total := 0
	for _, c := range cols {
		for _, id := range []string{c.Table, c.Key, c.Clear, c.Sealed} {
			if !ident.MatchString(id) {
				return total, fmt.Errorf("sealed: bad identifier %q", id)
			}
		}
		for {
			n, err := legacyBatch(ctx, st, c)
			total += n
			if err != nil {
				return total, fmt.Errorf("sealed: %s.%s in %s: %w", c.Table, c.Clear, st.Country, err)
			}
			if n < BatchSize {
				break
			}
		}
	}
	return total, nil
}

func legacyBatch(ctx context.Context, st *store.Store, c Column) (int, error) {
	n := 0
	err := st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []struct {
			Key    string
			Clear  string
			Sealed []byte
		}
		q := fmt.Sprintf(`SELECT %[2]s::text AS key, %[3]s AS clear, %[4]s AS sealed FROM %[1]s
			WHERE %[3]s <> '' ORDER BY %[2]s LIMIT %[5]d FOR UPDATE SKIP LOCKED`, c.Table, c.Key, c.Clear, c.Sealed, BatchSize)
		if err := tx.Raw(q).Scan(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		args := make([]any, 0, 2*len(rows))
		for _, r := range rows {
			enc := r.Sealed
			if len(enc) == 0 { // a row sealed already keeps its sealed value; its clear copy goes
				var err error
				if enc, err = st.Keys.SealString(c.Field, r.Key, r.Clear); err != nil {
					return err
				}
			}
			args = append(args, r.Key, enc)
		}
		values := strings.TrimSuffix(strings.Repeat("(?::uuid, ?::bytea), ", len(rows)), ", ")
		u := fmt.Sprintf(`UPDATE %[1]s t SET %[4]s = v.sealed, %[3]s = '' FROM (VALUES %[5]s) v (key, sealed)
			WHERE t.%[2]s = v.key`, c.Table, c.Key, c.Clear, c.Sealed, values)
		if err := tx.Exec(u, args...).Error; err != nil {
			return err
		}
		n = len(rows)
		return audit.Append(tx, time.Now().UTC(), audit.Entry{Action: audit.StoreSealLegacy, Entity: "store",
			EntityID: st.Country, Detail: map[string]any{"table": c.Table, "column": c.Clear, "rows": n}})
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
