package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"homeward/internal/attachments"
	"homeward/internal/config"
)

// objectsCheckTimeout bounds the start-up check of the object store.
const objectsCheckTimeout = 30 * time.Second

// openObjects returns where attachment contents go: the S3-compatible object store of
// cfg.Objects, checked to answer with every country's bucket, else the local directory.
func openObjects(ctx context.Context, cfg config.Config, countries []string) (attachments.ObjectStore, error) {
	o := cfg.Objects
	if err := o.Check(); err != nil {
		return nil, err
	}
	if !o.S3() {
		if cfg.AttachmentsDir == "" {
			return nil, errors.New("no attachments directory configured (HOMEWARD_ATTACHMENTS_DIR)")
		}
		return attachments.Dir{Root: cfg.AttachmentsDir}, nil
	}
	s3, err := attachments.NewS3(attachments.S3Config{Endpoint: o.Endpoint, Bucket: o.Bucket, AccessKey: o.AccessKey,
		SecretKey: o.SecretKey, Region: o.Region, Prefix: o.Prefix})
	if err != nil {
		return nil, err
	}
	check, cancel := context.WithTimeout(ctx, objectsCheckTimeout)
	defer cancel()
	if err := s3.Check(check, countries); err != nil {
		return nil, fmt.Errorf("object store: %w", err)
	}
	return s3, nil
}

// objectsReady adds the object store, when it is S3, to what /readyz checks (health.Timeout): a
// server whose attachments cannot be stored is not ready. A local directory is not checked.
func (a *App) objectsReady(objects attachments.ObjectStore) {
	s3, ok := objects.(*attachments.S3)
	if !ok || a.Health == nil {
		return
	}
	countries := a.Stores.Countries()
	a.Health.AddCheck("object store", func(ctx context.Context) error { return s3.Check(ctx, countries) })
}
