package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// WrappedKeyset returns the wrapped keyset stored in table under keyCol = key, creating it with
// create on first use. Two processes creating it at once keep the first one stored (ON CONFLICT DO
// NOTHING, then read again), so every caller opens the same keyset. table and keyCol are constants of
// the caller, never input.
func WrappedKeyset(ctx context.Context, db *gorm.DB, table, keyCol, key string, create func() ([]byte, error)) ([]byte, error) {
	read := func() ([]byte, error) {
		var ks [][]byte
		if err := db.WithContext(ctx).Raw(`SELECT keyset FROM `+table+` WHERE `+keyCol+` = ?`, key).Scan(&ks).Error; err != nil {
			return nil, fmt.Errorf("%s %s: %w", table, key, err)
		}
		if len(ks) == 0 {
			return nil, nil
		}
		return ks[0], nil
	}
	wrapped, err := read()
	if err != nil || wrapped != nil {
		return wrapped, err
	}
	w, err := create()
	if err != nil {
		return nil, err
	}
	if err := db.WithContext(ctx).Exec(`INSERT INTO `+table+` (`+keyCol+`, keyset) VALUES (?, ?) ON CONFLICT (`+keyCol+`) DO NOTHING`, key, w).Error; err != nil {
		return nil, fmt.Errorf("store %s %s: %w", table, key, err)
	}
	if wrapped, err = read(); err != nil || wrapped == nil {
		return nil, fmt.Errorf("%s %s missing after insert: %v", table, key, err)
	}
	return wrapped, nil
}
