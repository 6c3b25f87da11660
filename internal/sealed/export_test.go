package sealed

import (
	"context"

	"gorm.io/gorm"

	"homeward/internal/vault"
)

// SetRotateBatch sets the rotation's batch size until the returned function restores it.
func SetRotateBatch(n int) func() {
	old := rotateBatch
	rotateBatch = n
	return func() { rotateBatch = old }
}

// SetBatchDone sets the hook called after each committed re-sealing batch, until restored.
func SetBatchDone(f func(c Stored, n int)) func() {
	old := batchDone
	batchDone = f
	return func() { batchDone = old }
}

// KeysetVersion reads the store's AEAD keyset and its version, as a rotation's start does.
func KeysetVersion(ctx context.Context, db *gorm.DB, country string) ([]byte, int, error) {
	ks, err := readKeyset(ctx, db, country)
	return ks.AEAD, ks.Version, err
}

// BeginRotation starts a rotation from a keyset read earlier (aead at version).
func BeginRotation(ctx context.Context, db *gorm.DB, master *vault.MasterKey, country string, aead []byte, version int) (Rotation, error) {
	return beginRotation(ctx, db, master, country, keysetRow{AEAD: aead, Version: version})
}

// RowExpr is the SQL expression of the column's vault row id.
func (c Stored) RowExpr() string { return c.rowExpr() }
