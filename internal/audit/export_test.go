package audit

import (
	"context"

	"gorm.io/gorm"
)

// SealerLock, ErrSealerBusy and SealTry let the external tests hold the sealer's lock and run the
// worker's non-waiting seal.
var (
	SealerLock    = sealerLock
	ErrSealerBusy = errBusy
)

func SealTry(ctx context.Context, db *gorm.DB) (int, error) { return sealAll(ctx, db, false) }
