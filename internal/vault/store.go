package vault

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

const selectKeysetsSQL = `SELECT aead, mac FROM keysets WHERE country = ?`

const insertKeysetsSQL = `INSERT INTO keysets (country, aead, mac) VALUES (?, ?, ?)
ON CONFLICT (country) DO NOTHING`

// keysetRow is a row of table keysets.
type keysetRow struct {
	AEAD []byte `gorm:"column:aead"`
	MAC  []byte `gorm:"column:mac"`
}

// LoadOrCreateKeys opens the store's keysets for country from table keysets.
// When the row is absent it generates keysets, inserts them unless another
// process did first, and re-reads the row, so every process uses the same
// keys.
func LoadOrCreateKeys(ctx context.Context, db *gorm.DB, m *MasterKey, country string) (*Keys, error) {
	if err := checkCountry(country); err != nil {
		return nil, err
	}
	w, found, err := readKeysets(ctx, db, country)
	if err != nil {
		return nil, err
	}
	if !found {
		if err := insertKeysets(ctx, db, m, country); err != nil {
			return nil, err
		}
		if w, found, err = readKeysets(ctx, db, country); err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("vault: %s keysets missing right after insert", country)
		}
	}
	k, err := m.Open(country, w)
	if err != nil {
		return nil, fmt.Errorf("vault: open the store's %s keysets: %w", country, err)
	}
	// The keys follow rotations of the stored keysets (reload.go).
	k.source = &keySource{master: m, read: func(ctx context.Context) (WrappedKeysets, error) {
		w, found, err := readKeysets(ctx, db, country)
		if err == nil && !found {
			err = fmt.Errorf("vault: %s keysets missing", country)
		}
		return w, err
	}}
	k.checkedAt.Store(time.Now().UnixNano())
	return k, nil
}

// insertKeysets generates and inserts keysets for country, leaving a row
// another process inserted meanwhile in place.
func insertKeysets(ctx context.Context, db *gorm.DB, m *MasterKey, country string) error {
	w, err := m.NewKeysets(country)
	if err != nil {
		return err
	}
	if err := db.WithContext(ctx).Exec(insertKeysetsSQL, country, w.AEAD, w.MAC).Error; err != nil {
		return fmt.Errorf("vault: insert %s keysets: %w", country, err)
	}
	return nil
}

// ReadKeysets reads the wrapped keysets of country from table keysets; found is false if absent.
func ReadKeysets(ctx context.Context, db *gorm.DB, country string) (w WrappedKeysets, found bool, err error) {
	return readKeysets(ctx, db, country)
}

// readKeysets reads the wrapped keysets of country; found is false if absent.
func readKeysets(ctx context.Context, db *gorm.DB, country string) (w WrappedKeysets, found bool, err error) {
	var rows []keysetRow
	if err := db.WithContext(ctx).Raw(selectKeysetsSQL, country).Scan(&rows).Error; err != nil {
		return WrappedKeysets{}, false, fmt.Errorf("vault: read %s keysets: %w", country, err)
	}
	if len(rows) == 0 {
		return WrappedKeysets{}, false, nil
	}
	return WrappedKeysets{AEAD: rows[0].AEAD, MAC: rows[0].MAC}, true, nil
}
