package personlink

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"homeward/internal/store"
)

// reencodeBatch is how many persons one transaction of Reencode encodes.
const reencodeBatch = 1000

// Reencode encodes, in transactions of reencodeBatch persons, every person of st that has no
// encoding under the store's current linkage key: persons recorded before the store had a key,
// persons loaded by COPY (seed-scale, restore), and every person after a key rotation. A person
// who may not be encoded is skipped by Refresh as at any identity change. It returns how many
// persons it looked at.
func Reencode(ctx context.Context, st *store.Store, now func() time.Time) (int, error) {
	total := 0
	after := "00000000-0000-0000-0000-000000000000"
	for {
		var ids []string
		err := st.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			key, err := CurrentKey(tx, st)
			if err != nil {
				return err
			}
			err = tx.Raw(`SELECT p.id FROM persons p LEFT JOIN person_linkage l ON l.person_id = p.id
WHERE p.id > ? AND p.merged_into IS NULL AND (l.person_id IS NULL OR (l.encoding IS NOT NULL AND l.key_version <> ?))
ORDER BY p.id LIMIT ?`, after, int64(key.Version), reencodeBatch).Scan(&ids).Error
			if err != nil || len(ids) == 0 {
				return err
			}
			return Refresh(tx, st, now(), ids...)
		})
		if err != nil {
			return total, fmt.Errorf("personlink: re-encode %s: %w", st.Country, err)
		}
		total += len(ids)
		if len(ids) < reencodeBatch {
			return total, nil
		}
		after = ids[len(ids)-1]
	}
}
