package app

import (
	"context"
	"log/slog"
	"slices"

	"homeward/internal/attachments"
	"homeward/internal/cases"
	"homeward/internal/handover"
	"homeward/internal/screening"
	"homeward/internal/sealed"
	"homeward/internal/store"
)

// legacyColumns are the free-text columns sealed by store migration 00018.
var legacyColumns = slices.Concat(attachments.Legacy, screening.Legacy, cases.LegacyMerges, handover.Legacy)

// sealLegacy seals, in every store, the free text that earlier versions stored in clear (see
// internal/sealed). It runs at every start, after the migrations, and costs a few index probes
// once done.
func sealLegacy(ctx context.Context, stores *store.Set) error {
	for _, cc := range stores.Countries() {
		st, err := stores.For(cc)
		if err != nil {
			return err
		}
		n, err := sealed.Legacy(ctx, st, legacyColumns)
		if err != nil {
			return err
		}
		if n > 0 {
			slog.Info("sealed legacy free text", "store", cc, "values", n)
		}
	}
	return nil
}
