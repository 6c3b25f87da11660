package app

import (
	"context"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/store"
	"homeward/internal/vault"
)

// openSealer builds the audit sealer of the hub and every store, loading (or creating on first
// use) each database's anchor key. `homeward serve` and `homeward dev` run it as jobs (jobs.go).
func openSealer(ctx context.Context, hub *gorm.DB, stores *store.Set, master *vault.MasterKey) (*audit.Sealer, error) {
	h, err := audit.OpenLedger(ctx, audit.HubName, hub, master)
	if err != nil {
		return nil, err
	}
	var ls []audit.Ledger
	for _, cc := range stores.Countries() {
		st, err := stores.For(cc)
		if err != nil {
			return nil, err
		}
		l, err := audit.OpenLedger(ctx, cc, st.DB, master)
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
	}
	return audit.NewSealer(h, ls...), nil
}
