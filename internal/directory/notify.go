package directory

import (
	"context"

	"gorm.io/gorm"

	"homeward/internal/audit"
	"homeward/internal/authz"
)

// NotifyModes are the e-mail digest settings a user may choose (internal/notify): off, the default.
var NotifyModes = []string{"off", "daily", "immediate"}

// Notify returns the actor's own digest setting.
func (s *Service) Notify(ctx context.Context, a *authz.Actor) (string, error) {
	var mode string
	res := s.db.WithContext(ctx).Raw(`SELECT notify FROM users WHERE id = ?`, a.UserID).Scan(&mode)
	if res.Error != nil {
		return "", res.Error
	}
	if res.RowsAffected == 0 {
		return "", ErrNotFound
	}
	return mode, nil
}

// SetNotify stores the actor's own digest setting (one of NotifyModes; ErrInvalid otherwise), audited.
func (s *Service) SetNotify(ctx context.Context, a *authz.Actor, mode string) error {
	ok := false
	for _, m := range NotifyModes {
		ok = ok || m == mode
	}
	if !ok {
		return ErrInvalid
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE users SET notify = ?, updated_at = ?, version = version + 1 WHERE id = ? AND notify <> ?`,
			mode, s.now(), a.UserID, mode)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil // unchanged
		}
		return audit.Append(tx, s.now(), audit.Entry{ActorUserID: a.UserID, ActorAgencyID: a.AgencyID,
			Action: audit.UserNotify, Entity: "user", EntityID: a.UserID, Detail: map[string]any{"notify": mode}})
	})
}
