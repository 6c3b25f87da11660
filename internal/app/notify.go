package app

import (
	"fmt"

	"gorm.io/gorm"

	"homeward/internal/config"
	"homeward/internal/dashboard"
	"homeward/internal/directory"
	"homeward/internal/locale"
	"homeward/internal/notify"
)

// openNotify builds the digest service over the SMTP server of HOMEWARD_SMTP_URL; nil (no digest
// job runs) when it is not set.
func openNotify(cfg config.Config, hub *gorm.DB, dir *directory.Service, dash *dashboard.Service, bundle *locale.Bundle) (*notify.Service, error) {
	if cfg.SMTPURL == "" {
		return nil, nil
	}
	mailer, err := notify.ParseSMTPURL(cfg.SMTPURL)
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	return notify.New(hub, dir, dash, bundle, mailer, cfg.PublicURL), nil
}
