package audit

import (
	"context"

	"gorm.io/gorm"
)

// ErrSealerBusy and SealTry let the external tests run the worker's non-waiting seal (SealerLock,
// in bulk.go, lets them hold the sealer's lock).
var ErrSealerBusy = errBusy

func SealTry(ctx context.Context, db *gorm.DB) (int, error) { return sealAll(ctx, db, false) }
