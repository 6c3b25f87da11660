package apptest

import (
	"context"
	"testing"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"homeward/internal/audit"
	"homeward/internal/testdb"
)

// RewriteAuditChain does what an attacker holding database key ("hub", "TH", "KH") as superuser
// can: it runs edit (SQL changing sealed rows), then recomputes every sealed row's hashes in chain
// order and the head, so the chain verifies on its own again. Only the heads published to the
// other side can tell.
func (e *Env) RewriteAuditChain(tb testing.TB, key, edit string) {
	tb.Helper()
	ctx := context.Background()
	db, err := gorm.Open(postgres.Open(testdb.DSN(tb, e.Databases[key])), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		tb.Fatal(err)
	}
	if sqlDB, err := db.DB(); err == nil {
		defer sqlDB.Close()
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if edit != "" {
			if err := tx.Exec(edit).Error; err != nil {
				return err
			}
		}
		var rows []audit.Row
		if err := tx.Where("seq IS NOT NULL").Order("seq").Find(&rows).Error; err != nil {
			return err
		}
		prev := []byte{}
		for i, r := range rows {
			seq := int64(i + 1)
			r.Seq, r.PrevHash = &seq, prev
			r.Hash = audit.HashOf(r)
			if err := tx.Exec(`UPDATE audit_log SET seq = -seq WHERE id = ?`, r.ID).Error; err != nil {
				return err
			}
			if err := tx.Exec(`UPDATE audit_log SET seq = ?, prev_hash = ?, hash = ? WHERE id = ?`, seq, r.PrevHash, r.Hash, r.ID).Error; err != nil {
				return err
			}
			prev = r.Hash
		}
		return tx.Exec(`UPDATE audit_head SET last_id = ?, last_hash = ? WHERE id = 1`, len(rows), prev).Error
	})
	if err != nil {
		tb.Fatalf("rewrite the %s audit chain: %v", key, err)
	}
}
