// Package personlink keeps each store's record-linkage encodings (issue 15, docs/linkage.md): the
// linkage key every store shares (store_keys, purpose "linkage:NNNNNN", one row per rotation), and
// table person_linkage, one encoding per person refreshed in the transaction of every identity
// change and removed when the person is merged away or objects to home-country notice. Package
// crossmatch publishes the encodings to the hub and shows the hub's candidates.
package personlink

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tink-crypto/tink-go/v2/keyset"
	"gorm.io/gorm"

	"homeward/internal/store"
	"homeward/internal/vault"
)

const currentKeySQL = `SELECT purpose, keyset FROM store_keys WHERE purpose LIKE 'linkage:%' ORDER BY purpose DESC LIMIT 1`

// keyRow is a linkage key row of store_keys.
type keyRow struct {
	Purpose string
	Keyset  []byte
}

// readKey reads the store's newest linkage keyset row; ok is false when there is none.
func readKey(db *gorm.DB) (keyRow, bool, error) {
	var rows []keyRow
	if err := db.Raw(currentKeySQL).Scan(&rows).Error; err != nil {
		return keyRow{}, false, fmt.Errorf("personlink: read the linkage key: %w", err)
	}
	if len(rows) == 0 {
		return keyRow{}, false, nil
	}
	return rows[0], true, nil
}

// CurrentKey opens the store's current linkage key inside tx; vault.ErrNoLinkageKey when the
// store has none yet (EnsureKey gives it one when the process starts).
func CurrentKey(tx *gorm.DB, st *store.Store) (*vault.LinkageKey, error) {
	r, ok, err := readKey(tx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, vault.ErrNoLinkageKey
	}
	return st.Keys.LinkageKey(r.Keyset)
}

// purposeOf names the store_keys row of the n-th linkage key.
func purposeOf(n int) string { return fmt.Sprintf("%s:%06d", vault.LinkagePurpose, n) }

// rotationOf reads n back from a row's purpose.
func rotationOf(purpose string) (int, error) {
	var n int
	if _, err := fmt.Sscanf(strings.TrimPrefix(purpose, vault.LinkagePurpose+":"), "%d", &n); err != nil {
		return 0, fmt.Errorf("personlink: linkage key row %q: %w", purpose, err)
	}
	return n, nil
}

// ErrKeysDiffer is returned when two stores hold different linkage keys.
var ErrKeysDiffer = errors.New("personlink: the stores hold different linkage keys (run `homeward linkage rotate-key`)")

// EnsureKey gives every store of the set the same linkage key: the first store's in country order
// (created there on first use), copied, wrapped for each store, to the stores that have none.
// Stores holding another key are refused with ErrKeysDiffer. Two processes starting at once agree:
// the first store's row is inserted ON CONFLICT DO NOTHING and read again.
func EnsureKey(ctx context.Context, master *vault.MasterKey, stores *store.Set) error {
	ccs := stores.Countries()
	if len(ccs) == 0 {
		return nil
	}
	first, err := stores.For(ccs[0])
	if err != nil {
		return err
	}
	db := first.DB.WithContext(ctx)
	r, ok, err := readKey(db)
	if err != nil {
		return err
	}
	if !ok {
		h, err := vault.NewLinkageKeyset()
		if err != nil {
			return err
		}
		w, err := master.WrapLinkageKeyset(first.Country, h)
		if err != nil {
			return err
		}
		if err := db.Exec(`INSERT INTO store_keys (purpose, keyset) VALUES (?, ?) ON CONFLICT (purpose) DO NOTHING`, purposeOf(1), w).Error; err != nil {
			return fmt.Errorf("personlink: store the linkage key: %w", err)
		}
		if r, ok, err = readKey(db); err != nil || !ok {
			return fmt.Errorf("personlink: linkage key missing after insert: %v", err)
		}
	}
	h, err := master.OpenLinkageKeyset(first.Country, r.Keyset)
	if err != nil {
		return err
	}
	want, err := vault.LinkageKeyOf(h)
	if err != nil {
		return err
	}
	for _, cc := range ccs[1:] {
		st, err := stores.For(cc)
		if err != nil {
			return err
		}
		if err := copyKey(ctx, master, st, r.Purpose, h, want); err != nil {
			return err
		}
	}
	return nil
}

// copyKey writes the keyset h (row purpose) into st when it has no linkage key, then checks that
// st's current key is want.
func copyKey(ctx context.Context, master *vault.MasterKey, st *store.Store, purpose string, h *keyset.Handle, want *vault.LinkageKey) error {
	db := st.DB.WithContext(ctx)
	cur, ok, err := readKey(db)
	if err != nil {
		return err
	}
	if !ok || cur.Purpose < purpose {
		w, err := master.WrapLinkageKeyset(st.Country, h)
		if err != nil {
			return err
		}
		if err := db.Exec(`INSERT INTO store_keys (purpose, keyset) VALUES (?, ?) ON CONFLICT (purpose) DO NOTHING`, purpose, w).Error; err != nil {
			return fmt.Errorf("personlink: store the %s linkage key: %w", st.Country, err)
		}
	}
	got, err := CurrentKey(db, st)
	if err != nil {
		return err
	}
	if got.Version != want.Version || string(got.Secret) != string(want.Secret) {
		return fmt.Errorf("%w: %s", ErrKeysDiffer, st.Country)
	}
	return nil
}
