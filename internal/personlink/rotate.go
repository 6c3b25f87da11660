package personlink

import (
	"context"
	"fmt"
	"time"

	"homeward/internal/store"
	"homeward/internal/vault"
)

// RotateKey gives every store a new linkage key (the same new key in each, the former one
// destroyed) and re-encodes every person of every store under it; it returns the new version and
// the persons re-encoded per store. Until a store is re-encoded, its encodings of the former version
// match nothing in the hub (an index holds one version), so the stores should be rotated together:
// this command does both in one run. A run that stops half-way is finished by running it again
// without a new key: `homeward linkage reencode`.
func RotateKey(ctx context.Context, master *vault.MasterKey, stores *store.Set, now func() time.Time) (uint32, map[string]int, error) {
	if err := EnsureKey(ctx, master, stores); err != nil {
		return 0, nil, err
	}
	ccs := stores.Countries()
	first, err := stores.For(ccs[0])
	if err != nil {
		return 0, nil, err
	}
	r, _, err := readKey(first.DB.WithContext(ctx))
	if err != nil {
		return 0, nil, err
	}
	n, err := rotationOf(r.Purpose)
	if err != nil {
		return 0, nil, err
	}
	h, err := master.OpenLinkageKeyset(first.Country, r.Keyset)
	if err != nil {
		return 0, nil, err
	}
	if h, err = vault.RotateLinkageKeyset(h); err != nil {
		return 0, nil, err
	}
	key, err := vault.LinkageKeyOf(h)
	if err != nil {
		return 0, nil, err
	}
	for _, cc := range ccs {
		st, err := stores.For(cc)
		if err != nil {
			return 0, nil, err
		}
		w, err := master.WrapLinkageKeyset(cc, h)
		if err != nil {
			return 0, nil, err
		}
		if err := st.DB.WithContext(ctx).Exec(`INSERT INTO store_keys (purpose, keyset) VALUES (?, ?)`, purposeOf(n+1), w).Error; err != nil {
			return 0, nil, fmt.Errorf("personlink: store the new %s linkage key: %w", cc, err)
		}
	}
	counts, err := ReencodeAll(ctx, stores, now)
	return key.Version, counts, err
}

// ReencodeAll runs Reencode on every store.
func ReencodeAll(ctx context.Context, stores *store.Set, now func() time.Time) (map[string]int, error) {
	counts := map[string]int{}
	for _, cc := range stores.Countries() {
		st, err := stores.For(cc)
		if err != nil {
			return counts, err
		}
		if counts[cc], err = Reencode(ctx, st, now); err != nil {
			return counts, err
		}
	}
	return counts, nil
}
